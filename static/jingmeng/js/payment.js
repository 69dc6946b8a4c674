/* Payment page: Stripe.js makes a payment method from the card (card data never reach our
 * server), our server confirms the order's PaymentIntent with it, the browser completes any
 * 3-D Secure step, then the done page waits for Stripe's webhook to mark the order paid. */
(function () {
  'use strict';
  // A live "buy now" answers its POST with this page: give the page its own address, so that a
  // reload or a shared link shows the payment form again instead of repeating the POST.
  var page = document.getElementById('pay-page');
  if (page && window.history.replaceState && window.location.pathname !== page.dataset.payUrl) {
    window.history.replaceState(null, '', page.dataset.payUrl);
  }
  var form = document.getElementById('payment-form');
  if (!form || typeof Stripe === 'undefined') { return; }
  var text = document.getElementById('payment-messages').dataset;
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create('card', {hidePostalCode: true});
  card.mount('#card-element');
  var button = document.getElementById('pay-button');
  var errorBox = document.getElementById('payment-error');
  var label = button.textContent;

  function fail(message, reload) {
    errorBox.textContent = message || text.failed;
    errorBox.classList.remove('d-none');
    button.disabled = false;
    button.textContent = label;
    if (reload) { setTimeout(function () { window.location.reload(); }, 2500); }
  }

  function csrf() { return form.querySelector('[name=csrfmiddlewaretoken]').value; }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    errorBox.classList.add('d-none');
    button.disabled = true;
    button.textContent = text.paying;
    try {
      var made = await stripe.createPaymentMethod({type: 'card', card: card});
      if (!made || made.error || !made.paymentMethod) {
        return fail((made && made.error && made.error.message) || text.incomplete);
      }
      var response = await fetch(form.dataset.confirmUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf()},
        body: JSON.stringify({payment_method: made.paymentMethod.id})
      });
      var body = await response.json().catch(function () { return {}; });
      if (!response.ok || body.error) { return fail(body.error, body.reload); }
      if (body.status === 'requires_action') {
        var clientSecret = body.client_secret;
        var action = stripe.handleNextAction
          ? await stripe.handleNextAction({clientSecret: clientSecret})
          : await stripe.confirmCardPayment(clientSecret);
        if (action.error) { return fail(action.error.message, true); }
      }
      window.location.assign(body.next || form.dataset.doneUrl);
    } catch (err) {
      fail(text.failed);
    }
  });

  form.querySelectorAll('[data-method]').forEach(function (other) {
    other.addEventListener('click', async function () {
      var secret = form.dataset.clientSecret;
      var returnUrl = form.dataset.returnUrl;
      var result;
      if (other.dataset.method === 'alipay' && stripe.confirmAlipayPayment) {
        result = await stripe.confirmAlipayPayment(secret, {return_url: returnUrl});
      } else if (other.dataset.method === 'wechat_pay' && stripe.confirmWechatPayPayment) {
        result = await stripe.confirmWechatPayPayment(secret, {
          payment_method_options: {wechat_pay: {client: 'web'}}
        });
        if (result && !result.error) { window.location.assign(form.dataset.doneUrl); }
      } else {
        return fail(text.unavailable);
      }
      if (result && result.error) { fail(result.error.message); }
    });
  });
})();
