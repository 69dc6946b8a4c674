"""Run localstripe, the local Stripe API server used by the demo and the tests.

    python -m orders.payments.localstripe_server --port 8420 \
        --webhook-url http://127.0.0.1:8000/payments/stripe/webhook/ --webhook-secret whsec_…

localstripe's own command binds every interface and keeps its store in /tmp/localstripe.pickle,
rewritten at every call. This starts the same aiohttp app on one host (127.0.0.1 by default), with
the store in a file of our choosing (``--state``) or in memory only, and registers our webhook.

Its Stripe.js stand-in lacks ``createPaymentMethod`` (a no-op there), the call our payment page
makes. We complete it: the script it serves gains that function, and ``POST /v1/payment_methods``
accepts the publishable key, as Stripe's own API does. Nothing else of localstripe is changed.
"""

import argparse
import logging
import pickle
import re
import socket
from pathlib import Path

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError
from localstripe.webhooks import register_webhook

CREATE_PAYMENT_METHOD_JS = """
// Added by orders/payments/localstripe_server.py: Stripe.js's createPaymentMethod for a card.
(function () {
  const makeStripe = Stripe;
  Stripe = (apiKey, options) => {
    const stripe = makeStripe(apiKey, options);
    stripe.createPaymentMethod = async (data) => {
      const element = data.card || data.element;
      const card = (element && element.value && element.value.card) || {};
      const response = await fetch(`${LOCALSTRIPE_BASE_API}/v1/payment_methods`, {
        method: 'POST',
        body: JSON.stringify({key: apiKey, type: 'card', card: card,
                              billing_details: data.billing_details || {}}),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 200 || body.error) {
        return {error: body.error || {message: 'Your card number is incomplete.'}};
      }
      return {paymentMethod: body};
    };
    return stripe;
  };
})();
"""

PUBLIC_PATHS = re.compile(r"^/v1/payment_methods$")


def use_state_file(path):
    """Keep localstripe's store in ``path``, or only in memory when ``path`` is None."""

    def dump(store):
        if path is not None:
            tmp = Path(f"{path}.tmp")
            with tmp.open("wb") as f:
                pickle.dump(dict(store), f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)

    def load(store):
        if path is not None and Path(path).exists():
            with Path(path).open("rb") as f:
                dict.update(store, pickle.load(f))  # noqa: S301 (our own file)

    resources.Store.dump_to_disk = dump
    resources.Store.try_load_from_disk = load


@web.middleware
async def publishable_key_payment_methods(request, handler):
    """Let Stripe.js create a card payment method with the publishable key, as Stripe does."""
    if request.method == "POST" and PUBLIC_PATHS.match(request.path):
        data = await server.get_post_data(request, remove_auth=False) or {}
        if str(data.get("key", "")).startswith("pk_"):
            for field in ("key", "payment_user_agent", "referrer"):
                data.pop(field, None)
            try:
                method = resources.PaymentMethod._api_create(**data)
            except UserError as error:
                return error.to_response()
            return server.json_response(method._export())
    if request.path == "/js.stripe.com/v3/":
        response = await handler(request)
        return web.Response(
            text=response.text + CREATE_PAYMENT_METHOD_JS, content_type="application/javascript"
        )
    return await handler(request)


def make_app():
    app = server.app
    app.middlewares.insert(0, publishable_key_payment_methods)
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--state", help="file that keeps the store between runs (default: none)")
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-secret")
    args = parser.parse_args(argv)

    use_state_file(args.state)
    resources.store.try_load_from_disk()
    if args.webhook_url:
        register_webhook("jingmeng", args.webhook_url, args.webhook_secret, None)

    logging.basicConfig(level=logging.INFO, format="localstripe %(message)s")
    sock = socket.socket(
        socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM
    )
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    print(f"localstripe on http://{args.host}:{sock.getsockname()[1]}", flush=True)
    web.run_app(make_app(), sock=sock, print=None, access_log=logging.getLogger("aiohttp.access"))


if __name__ == "__main__":
    main()
