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
