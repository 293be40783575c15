#!/usr/bin/env bash
# Entrypoint of the App Engine "worker" service (worker.yaml): the django-q2 cluster, plus a stub
# web server on $PORT (deploy/worker_http.py) because App Engine expects every instance to answer
# HTTP. When either process ends, the other is stopped and the script exits, so App Engine
# replaces the instance.
set -uo pipefail

gunicorn -b ":${PORT:-8080}" --workers 1 --pythonpath deploy worker_http:application &
web=$!
python manage.py qcluster &
cluster=$!

stop() {
    kill -TERM "$web" "$cluster" 2>/dev/null
    wait "$web" "$cluster" 2>/dev/null
}
trap 'stop; exit 0' TERM INT

wait -n "$web" "$cluster"
status=$?
echo "worker: a process ended (exit $status); stopping the instance" >&2
stop
exit "$status"
