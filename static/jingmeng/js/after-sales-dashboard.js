/* The after-sales cards (queue and order page): a form with data-confirm (同意并退款, agree to a
 * return) asks first; the Content-Security-Policy forbids inline handlers. Bound once per page. */
(function () {
  'use strict';
  if (window.jmAfterSalesConfirm) {
    return;
  }
  window.jmAfterSalesConfirm = true;
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form.closest || !form.closest('.after-sales-card')) {
      return;
    }
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
