/* Payment page: Stripe.js makes a payment method from the card (card data never reach our
 * server), our server confirms the order's PaymentIntent with it, the browser completes any
 * 3-D Secure step, then the done page waits for Stripe's webhook to mark the order paid.
 *
 * A refused card is said in the store's words (Stripe's decline codes, mapped on the server and
 * in data-declines for what Stripe.js refuses itself) beside the form, and stays there until the
 * buyer tries again: the page never reloads; the next try gets a fresh PaymentIntent from the
 * server. Also here: the time left to pay, and what is being paid for when the page answered a
 * live "buy now" (fetched, so that the tap itself reads no more). */
(function () {
  'use strict';
  // A live "buy now" answers its POST with this page: give the page its own address, so that a
  // reload or a shared link shows the payment form again instead of repeating the POST.
  var page = document.getElementById('pay-page');
  if (page && window.history.replaceState && window.location.pathname !== page.dataset.payUrl) {
    window.history.replaceState(null, '', page.dataset.payUrl);
  }

  var form = document.getElementById('payment-form');
  var button = document.getElementById('pay-button');

  // --- The time left to pay (the server's count of seconds, so the buyer's clock does not
  // matter) -------------------------------------------------------------------------------------
  var countdown = document.getElementById('pay-countdown');
  if (countdown) {
    var secondsLeft = parseInt(countdown.dataset.secondsLeft, 10) || 0;
    var started = Date.now();
    var value = document.getElementById('pay-countdown-value');
    var tick = function () {
      var left = Math.max(0, secondsLeft - Math.floor((Date.now() - started) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      value.textContent = (minutes < 10 ? '0' : '') + minutes + ':' + (seconds < 10 ? '0' : '') + seconds;
      if (left <= 0) {
        clearInterval(timer);
        countdown.querySelector('.pay-countdown-running').classList.add('d-none');
        document.getElementById('pay-countdown-over').classList.remove('d-none');
        countdown.classList.add('pay-countdown-ended');
        if (button) { button.disabled = true; }
      } else if (left <= 300) {
        countdown.classList.add('pay-countdown-soon');
      }
    };
    var timer = setInterval(tick, 1000);
    tick();
  }

  // --- What is being paid for, after a live "buy now" -------------------------------------------
  var summary = document.getElementById('pay-summary');
  if (summary && summary.dataset.src && !summary.children.length) {
    fetch(summary.dataset.src, {credentials: 'same-origin'})
      .then(function (r) { return r.status === 200 ? r.text() : ''; })
      .then(function (html) {
        if (!html) { return; }
        summary.innerHTML = html;
        if (summary.dataset.addressJs) {  // the address form's 省/市/区 lists (address.js)
          var script = document.createElement('script');
          script.src = summary.dataset.addressJs;
          document.body.appendChild(script);
        }
      })
      .catch(function () {});
  }

  // --- 取消订单 asks first -----------------------------------------------------------------------
  var cancel = document.getElementById('pay-cancel');
  if (cancel) {
    cancel.addEventListener('submit', function (event) {
      if (cancel.dataset.confirm && !window.confirm(cancel.dataset.confirm)) { event.preventDefault(); }
    });
  }

  // --- Paying ---------------------------------------------------------------------------------
  if (!form || typeof Stripe === 'undefined') { return; }
  var text = document.getElementById('payment-messages').dataset;
  var declines = {};
  try { declines = JSON.parse(text.declines || '{}'); } catch (err) { declines = {}; }
  var stripe = Stripe(form.dataset.publishableKey);
  var card = stripe.elements().create('card', {hidePostalCode: true});
  card.mount('#card-element');
  var errorBox = document.getElementById('payment-error');
  var label = button.textContent;

  // Stripe.js's own refusals: by decline code, then code; otherwise ``fallback``.
  function messageFor(error, fallback) {
    if (error && error.decline_code && declines[error.decline_code]) { return declines[error.decline_code]; }
    if (error && error.code && declines[error.code]) { return declines[error.code]; }
    return fallback || text.failed;
  }

  function fail(message) {
    errorBox.textContent = message || text.failed;
    errorBox.classList.remove('d-none');
    button.disabled = countdown ? countdown.classList.contains('pay-countdown-ended') : false;
    button.textContent = label;
  }

  function csrf() { return form.querySelector('[name=csrfmiddlewaretoken]').value; }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    if (button.disabled) { return; }
    errorBox.classList.add('d-none');
    errorBox.textContent = '';
    button.disabled = true;
    button.textContent = text.paying;
    try {
      var made = await stripe.createPaymentMethod({type: 'card', card: card});
      if (!made || made.error || !made.paymentMethod) {
        return fail(messageFor(made && made.error, text.incomplete));
      }
      var response = await fetch(form.dataset.confirmUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf()},
        body: JSON.stringify({payment_method: made.paymentMethod.id})
      });
      var body = await response.json().catch(function () { return {}; });
      if (body.client_secret) { form.dataset.clientSecret = body.client_secret; }
      if (!response.ok || body.error) { return fail(body.error); }
      if (body.status === 'requires_action') {
        var clientSecret = body.client_secret;
        var action = stripe.handleNextAction
          ? await stripe.handleNextAction({clientSecret: clientSecret})
          : await stripe.confirmCardPayment(clientSecret);
        if (action.error) { return fail(messageFor(action.error)); }
      }
      window.location.assign(body.next || form.dataset.doneUrl);
    } catch (err) {
      fail(text.failed);
    }
  });

  form.querySelectorAll('[data-method]').forEach(function (other) {
    other.addEventListener('click', async function () {
      errorBox.classList.add('d-none');
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
      if (result && result.error) { fail(messageFor(result.error)); }
    });
  });
})();
