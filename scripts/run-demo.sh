#!/usr/bin/env bash
# `make run`: the demo store and what it needs, started together and stopped together (Ctrl-C).
#   localstripe   a local Stripe API server on 127.0.0.1:$STRIPE_PORT, with our webhook registered,
#                 its data kept in var/localstripe.pickle beside the demo database
#   Celery        a worker with beat (the abandoned-order sweep) when Redis answers on 127.0.0.1;
#                 without Redis, tasks run in-process and the sweep is `manage.py
#                 cancel_abandoned_orders`
#   Django        runserver on $HOST:$PORT
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
STRIPE_PORT=${STRIPE_PORT:-8420}
DEMO_REDIS=${DEMO_REDIS:-redis://127.0.0.1:6379/1}

export DEBUG=true
export STRIPE_API_BASE="http://127.0.0.1:${STRIPE_PORT}"
export STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-whsec_localstripe_demo}

pids=()
cleanup() {
    trap - EXIT INT TERM
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

mkdir -p var
"$BIN/python" -m orders.payments.localstripe_server --port "$STRIPE_PORT" \
    --state var/localstripe.pickle \
    --webhook-url "http://${HOST}:${PORT}/payments/stripe/webhook/" \
    --webhook-secret "$STRIPE_WEBHOOK_SECRET" &
pids+=($!)

if [ -z "${CELERY_BROKER_URL:-}" ] && "$BIN/python" - "$DEMO_REDIS" <<'PY' 2>/dev/null
import sys, redis
sys.exit(0 if redis.Redis.from_url(sys.argv[1], socket_timeout=1).ping() else 1)
PY
then
    export CELERY_BROKER_URL="$DEMO_REDIS" CELERY_QUEUE=jingmeng-demo
    "$BIN/celery" -A shop worker --beat --pool solo --loglevel WARNING \
        --schedule var/celerybeat-schedule &
    pids+=($!)
    echo "Celery worker + beat on $DEMO_REDIS"
else
    echo "Redis not found: Celery tasks run in-process; no beat (see README)"
fi

echo "Jingmeng Market: http://${HOST}:${PORT}/  (dashboard: /dashboard/, Ctrl-C to stop)"
echo "Stripe test card: 4242 4242 4242 4242 (localstripe on ${STRIPE_API_BASE})"
"$BIN/python" manage.py runserver --noreload "${HOST}:${PORT}" &
pids+=($!)
wait -n
