"""A minimal canned Stripe API for throughput runs (never for correctness tests).

localstripe writes its whole store to disk at every request, which caps a benchmark at its pace,
not the store's. This answers the few calls the store makes while selling, from memory:

    POST /v1/payment_intents             -> a new requires_payment_method intent (idempotent by
                                            the Idempotency-Key header, as Stripe is)
    GET  /v1/payment_intents/<id>        -> the intent; "succeeded" once marked paid
    POST /v1/payment_intents/<id>/cancel -> canceled
    POST /_bench/paid                    -> body: intent ids, one per line; marks them succeeded
    GET  /_bench/stats                   -> {"created": n, "idempotent_replays": n}

    python bench/canned_stripe.py --port 8431
"""

import argparse
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

LOCK = threading.Lock()
INTENTS: dict[str, dict] = {}
BY_KEY: dict[str, str] = {}
STATS = {"created": 0, "idempotent_replays": 0}


def new_intent(form: dict) -> dict:
    intent_id = "pi_" + secrets.token_hex(12)
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": int(form.get("amount", 0)),
        "currency": form.get("currency", "cny"),
        "status": "requires_payment_method",
        "client_secret": f"{intent_id}_secret_{secrets.token_hex(8)}",
        "created": int(time.time()),
        "livemode": False,
        "metadata": {
            key[len("metadata[") : -1]: value
            for key, value in form.items()
            if key.startswith("metadata[")
        },
        "payment_method_types": ["card"],
        "last_payment_error": None,
    }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The headers and the body are written separately: with Nagle's algorithm on, the body waits
    # for the client's delayed ACK, and every call took 40 ms more than it costs (Stripe itself
    # answers a keep-alive connection without that stall).
    disable_nagle_algorithm = True

    def log_message(self, *args):  # quiet
        pass

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: dict):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(6))
        self.end_headers()
        self.wfile.write(data)

    def _missing(self):
        self._send(404, {"error": {"type": "invalid_request_error", "message": "No such object"}})

    def do_GET(self):
        if self.path == "/_bench/stats":
            return self._send(200, {**STATS, "intents": len(INTENTS)})
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) == 3 and parts[:2] == ["v1", "payment_intents"]:
            intent = INTENTS.get(parts[2])
            return self._send(200, intent) if intent else self._missing()
        return self._missing()

    def do_POST(self):
        body = self._body()
        path = self.path.split("?")[0].strip("/").split("/")
        if path == ["_bench", "paid"]:
            with LOCK:
                for intent_id in body.decode().split():
                    if intent_id in INTENTS:
                        INTENTS[intent_id]["status"] = "succeeded"
            return self._send(200, {"ok": True})
        form = dict(parse_qsl(body.decode()))
        if path == ["v1", "payment_intents"]:
            key = self.headers.get("Idempotency-Key")
            with LOCK:
                if key and key in BY_KEY:
                    STATS["idempotent_replays"] += 1
                    return self._send(200, INTENTS[BY_KEY[key]])
                intent = new_intent(form)
                INTENTS[intent["id"]] = intent
                if key:
                    BY_KEY[key] = intent["id"]
                STATS["created"] += 1
            return self._send(200, intent)
        if len(path) == 4 and path[:2] == ["v1", "payment_intents"] and path[3] == "cancel":
            intent = INTENTS.get(path[2])
            if not intent:
                return self._missing()
            intent["status"] = "canceled"
            return self._send(200, intent)
        return self._missing()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8431)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    print(f"canned Stripe API on http://127.0.0.1:{args.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
