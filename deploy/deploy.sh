#!/usr/bin/env bash
# Deploy InvoiceTracker to Google App Engine (standard). Step by step, first time included: docs/deploy.md.
#
#   deploy/deploy.sh worker   # web service + resident django-q2 worker (option A, recommended)
#   deploy/deploy.sh cron     # web service + App Engine cron calling /cron/run-due/ (option B)
#
# Environment (or defaults):
#   GOOGLE_CLOUD_PROJECT  project id              (default: gcloud config get-value project)
#   CLOUD_SQL_INSTANCE    project:region:instance (required; the Cloud SQL PostgreSQL instance)
#   SECRET_NAME           Secret Manager secret   (default: invoicetracker-env, as in app.yaml)
#   PYTHON                local Python with requirements.txt installed (default: .venv/bin/python)
#   PROXY_PORT            local port for the Cloud SQL Auth Proxy (default: 5433)
#
# What it does, stopping at the first error:
#   1. collectstatic (production storage: hashed, compressed files in staticfiles/, uploaded with the code);
#   2. reads the secret, starts the Cloud SQL Auth Proxy, and with the app's settings runs
#      `check --deploy`, `migrate` and `setup_schedules` against the production database;
#   3. gcloud app deploy app.yaml + worker.yaml (or cron.yaml).
set -euo pipefail

MODE="${1:-}"
case "$MODE" in
    worker) CONFIGS=(app.yaml worker.yaml) ;;
    cron) CONFIGS=(app.yaml cron.yaml) ;;
    *) echo "usage: deploy/deploy.sh worker|cron" >&2; exit 2 ;;
esac

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
PROJECT="${GOOGLE_CLOUD_PROJECT:-$(gcloud config get-value project 2>/dev/null)}"
SECRET_NAME="${SECRET_NAME:-invoicetracker-env}"
PROXY_PORT="${PROXY_PORT:-5433}"
: "${CLOUD_SQL_INSTANCE:?set CLOUD_SQL_INSTANCE=project:region:instance (gcloud sql instances describe NAME --format='value(connectionName)')}"
[ -n "$PROJECT" ] || { echo "set GOOGLE_CLOUD_PROJECT or run: gcloud config set project PROJECT_ID" >&2; exit 2; }
command -v gcloud >/dev/null || { echo "gcloud CLI not found: https://cloud.google.com/sdk/docs/install" >&2; exit 2; }
command -v cloud-sql-proxy >/dev/null || { echo "cloud-sql-proxy not found (docs/deploy.md, step 1)" >&2; exit 2; }
[ -x "$PYTHON" ] || { echo "no Python at $PYTHON: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt" >&2; exit 2; }

workdir="$(mktemp -d)"
proxy=""
cleanup() {
    [ -n "$proxy" ] && kill "$proxy" 2>/dev/null
    rm -rf "$workdir"
}
trap cleanup EXIT
chmod 700 "$workdir"

echo "==> 1/3 collectstatic"
# Production storage needs production mode; nothing else is read, so throwaway values do.
env -u INVOICETRACKER_TESTING DEBUG=false ALLOWED_HOSTS=localhost DATABASE_URL="sqlite:///$workdir/collect.sqlite3" \
    SECRET_KEY="collectstatic-only-$(head -c 48 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$PYTHON" manage.py collectstatic --noinput --clear -v 1

echo "==> 2/3 check, migrate, setup_schedules (project $PROJECT, secret $SECRET_NAME)"
gcloud secrets versions access latest --secret="$SECRET_NAME" --project="$PROJECT" > "$workdir/secret.env"
cloud-sql-proxy --port "$PROXY_PORT" "$CLOUD_SQL_INSTANCE" > "$workdir/proxy.log" 2>&1 &
proxy=$!
for _ in $(seq 1 30); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT") 2>/dev/null && break
    kill -0 "$proxy" 2>/dev/null || { cat "$workdir/proxy.log" >&2; exit 1; }
    sleep 1
done
run() {
    env -u INVOICETRACKER_TESTING "$PYTHON" deploy/run_with_env.py --yaml app.yaml --env-file "$workdir/secret.env" \
        --cloudsql-port "$PROXY_PORT" -- "$PYTHON" manage.py "$@"
}
run check --deploy --fail-level WARNING
run migrate --noinput
run setup_schedules
kill "$proxy" 2>/dev/null; proxy=""

echo "==> 3/3 gcloud app deploy ${CONFIGS[*]}"
gcloud app deploy "${CONFIGS[@]}" --project="$PROJECT" --quiet

echo "Done. Check: curl -s https://\$(gcloud app describe --project=$PROJECT --format='value(defaultHostname)')/healthz"
