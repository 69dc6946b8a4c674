/* The buyer's orders: a form with data-confirm asks first (cancelling an order); the active tab
 * of the order list is scrolled into view on a narrow screen. */
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  var active = document.querySelector('#order-tabs .nav-link.active');
  var tabs = document.getElementById('order-tabs');
  if (active && tabs && tabs.scrollWidth > tabs.clientWidth) {
    tabs.scrollLeft = active.offsetLeft - (tabs.clientWidth - active.offsetWidth) / 2;
  }
})();
