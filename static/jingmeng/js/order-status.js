/* While a payment is processing (or not yet made), ask the store every two seconds whether the
 * webhook has arrived; reload the page once the order's payment state changes. */
(function () {
  'use strict';
  var box = document.getElementById('payment-state');
  if (!box || ['processing', 'pending'].indexOf(box.dataset.state) < 0) { return; }
  var tries = 0;
  var timer = setInterval(function () {
    tries += 1;
    if (tries > 300) { clearInterval(timer); return; }
    fetch(box.dataset.statusUrl, {credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.state && body.state !== box.dataset.state) {
          clearInterval(timer);
          window.location.reload();
        }
      })
      .catch(function () {});
  }, 2000);
})();
