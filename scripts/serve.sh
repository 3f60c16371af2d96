#!/bin/sh
# `make run` / `make serve`: the web server, and — on the embedded defaults, when no broker is configured — a
# Celery worker with beat on a broker that needs no server (kombu's filesystem transport under var/broker/), so
# that score runs, reports and imports run in the background as they do with Redis. The worker stops with the
# server; it does not reload when the code changes (the web server does): restart after changing background
# work. With CELERY_BROKER_URL set (e.g. Redis), start your own worker and beat (README).
# Usage: scripts/serve.sh HOST PORT [runserver options, e.g. --noreload]
set -eu
host=$1 port=$2
shift 2
bin=.venv/bin
var=${SMARTGOV_VAR_DIR:-var}
[ -n "${CELERY_BROKER_URL:-}" ] && exec "$bin/python" manage.py runserver "$host:$port" "$@"

export CELERY_BROKER_URL=filesystem://
mkdir -p "$var/log"
# A worker left behind by a server that was killed outright would take the messages meant for this one: stop it.
stale=$(cat "$var/worker.pid" 2>/dev/null || true)
if [ -n "$stale" ] && tr '\0' ' ' <"/proc/$stale/cmdline" 2>/dev/null | grep -q "celery -A smartgov worker"; then
  kill "$stale" && sleep 2
fi
# A pool of threads, not of processes: Ctrl-C or a signal to the whole process group (as `kill -- -PGID` sends)
# would also reach prefork's children, and a prefork worker whose children died that way can hang on its way out.
# No `-Q`: it consumes every queue of CELERY_TASK_QUEUES, the default one (scores…) and the reports one (PDFs).
"$bin/celery" -A smartgov worker --beat --pool=threads --concurrency=2 --loglevel=INFO \
  --pidfile="$var/worker.pid" --schedule="$var/celerybeat-schedule" >"$var/log/worker.log" 2>&1 &
worker=$!
echo "  Background worker (scores, reports, imports) started; its log: $var/log/worker.log"
# The server runs in the background of this shell so that a signal to the shell reaches the trap at once; such a
# child ignores Ctrl-C, hence the trap stops both.
"$bin/python" manage.py runserver "$host:$port" "$@" &
server=$!
stop() {
  trap - EXIT INT TERM
  kill "$server" "$worker" 2>/dev/null || true
  # The worker finishes its running task first (warm shutdown); one still there after 30 s is killed (its job's
  # lease gives the work back to the next worker).
  (sleep 30; kill -9 "$worker" 2>/dev/null) &
  watchdog=$!
  wait "$server" "$worker" 2>/dev/null || true
  kill "$watchdog" 2>/dev/null || true
}
trap 'stop' EXIT
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
wait "$server"
