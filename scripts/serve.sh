#!/bin/sh
# `make serve`: with REDIS_URL set, JOB_WORKERS queue workers (`flask jobs worker`) and the
# PDF cache warmed after the deploy (`flask jobs warm`); what is kept only for a set time is
# deleted (`flask purge`, also worth a daily timer); then gunicorn with the given arguments.
# Without Redis every web worker builds PDFs in a thread of its own (the embedded queue).
set -eu
FLASK="${FLASK:-.venv/bin/flask --app school}"
GUNICORN="${GUNICORN:-.venv/bin/gunicorn}"
pids=""
stop() {
  [ -z "$pids" ] || kill $pids 2>/dev/null || true
}
trap stop EXIT INT TERM
if [ -n "${REDIS_URL:-}" ] && [ "${JOB_QUEUE:-redis}" = "redis" ]; then
  i=0
  while [ "$i" -lt "${JOB_WORKERS:-1}" ]; do
    $FLASK jobs worker &
    pids="$pids $!"
    i=$((i + 1))
  done
  $FLASK jobs warm
fi
$FLASK purge
$GUNICORN "$@"
