/* Live pages: HLS player (hls.js, or the browser's own HLS, else the plain link), countdowns,
 * replay chapters, and the live room's poll for the pinned product and the units left. */
(function () {
  'use strict';

  var video = document.getElementById('live-player');
  if (video && video.dataset.src) {
    var src = video.dataset.src;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls();
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = src;
    }
  }

  // "Buy now": one token per tap (a double tap or a resent POST lands on the same order), and
  // the button is disabled while the order is placed.
  function newToken() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); });
    return h.slice(0, 4).join('') + '-' + h.slice(4, 6).join('') + '-' + h.slice(6, 8).join('') +
      '-' + h.slice(8, 10).join('') + '-' + h.slice(10).join('');
  }
  document.querySelectorAll('.submission-token').forEach(function (input) {
    input.value = newToken();
    input.form.addEventListener('submit', function () {
      var button = input.form.querySelector('button[type=submit]');
      setTimeout(function () { if (button) { button.disabled = true; } }, 0);
    });
  });
  window.addEventListener('pageshow', function (event) {  // back from the payment page
    if (!event.persisted) { return; }
    document.querySelectorAll('.submission-token').forEach(function (input) {
      input.value = newToken();
      var button = input.form.querySelector('button[type=submit]');
      if (button) { button.disabled = false; }
    });
  });

  document.querySelectorAll('.chapter').forEach(function (link) {
    link.addEventListener('click', function (event) {
      event.preventDefault();
      if (video) { video.currentTime = parseInt(link.dataset.seconds, 10) || 0; video.play(); }
    });
  });

  function tick() {
    document.querySelectorAll('.countdown').forEach(function (el) {
      var ms = new Date(el.dataset.start) - new Date();
      if (ms <= 0) { el.textContent = ''; return; }
      var m = Math.floor(ms / 60000), h = Math.floor(m / 60), d = Math.floor(h / 24);
      el.textContent = d > 0 ? d + '天' + (h % 24) + '小时后' :
        (h > 0 ? h + '小时' + (m % 60) + '分后' : m + '分' + Math.floor(ms / 1000) % 60 + '秒后');
    });
  }
  tick();
  setInterval(tick, 1000);

  var room = document.getElementById('live-room');
  if (!room || room.dataset.status !== 'live') { return; }
  setInterval(function () {
    fetch(room.dataset.stateUrl, {credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (state) {
        Object.keys(state.items || {}).forEach(function (id) {
          var left = state.items[id];
          document.querySelectorAll('.quota[data-item="' + id + '"] .units-left').forEach(
            function (el) { if (left !== null) { el.textContent = left; } });
        });
        var pinned = state.pinned === null ? '' : String(state.pinned);
        if (pinned !== room.dataset.pinned || state.status !== 'live') { window.location.reload(); }
      })
      .catch(function () {});
  }, 3000);
})();
