/* Host's stats page: poll the JSON every few seconds while live; a chart once the show is over. */
(function () {
  'use strict';
  var root = document.getElementById('live-stats');
  if (!root) { return; }
  var poll = parseInt(root.dataset.poll, 10) || 0;
  function render(stats) {
    ['orders', 'paid_orders', 'units', 'gmv', 'unique_buyers'].forEach(function (key) {
      var el = root.querySelector('[data-stat="' + key + '"]');
      if (el) { el.textContent = stats[key]; }
    });
    var conv = root.querySelector('[data-stat="conversion"]');
    if (conv) { conv.textContent = stats.conversion === null ? '-' : Math.round(stats.conversion * 100) + '%'; }
    (stats.products || []).forEach(function (p) {
      var row = root.querySelector('tr[data-product="' + p.product_id + '"]');
      if (!row) { return; }
      row.querySelector('.p-orders').textContent = p.paid_orders;
      row.querySelector('.p-units').textContent = p.units;
      row.querySelector('.p-gmv').textContent = p.gmv;
      var claimed = row.querySelector('.p-claimed');
      if (claimed) { claimed.textContent = p.quota_used + (p.quota === null ? '' : ' / ' + p.quota); }
    });
    // ``computed`` is already Asia/Shanghai (2026-12-07 08:04:03); ``computed_at`` is for machines.
    var computed = document.getElementById('stats-computed');
    if (computed) { computed.textContent = stats.computed; }
  }
  if (poll > 0) {
    setInterval(function () {
      fetch(root.dataset.url, {credentials: 'same-origin'})
        .then(function (r) { return r.json(); }).then(render).catch(function () {});
    }, poll * 1000);
  }
  var data = document.getElementById('stats-timeline');
  if (data && window.Chart) {
    var rows = JSON.parse(data.textContent);
    new window.Chart(document.getElementById('stats-chart'), {
      type: 'bar',
      data: {
        labels: rows.map(function (r) { return r.time; }),
        datasets: [{label: 'GMV (¥)', data: rows.map(function (r) { return parseFloat(r.gmv); }),
                    backgroundColor: '#c0392b'}]
      },
      options: {plugins: {legend: {display: false}}}
    });
  }
})();
