#!/usr/bin/env bash
# Start `make run` on embedded defaults in a scratch instance folder, check the
# login page (served by gunicorn, not Flask's development server), a demo login
# and /healthz, then stop it with Ctrl-C (SIGINT) and check everything shut down
# (gunicorn, in a process group of its own, too). Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${SMOKE_PORT:-5099}"
INSTANCE="$(mktemp -d)"
LOG="$INSTANCE/run.log"
export DASHBOARD_INSTANCE_PATH="$INSTANCE" PORT
unset DATABASE_URL REDIS_URL

setsid make run >"$LOG" 2>&1 &
PGID=$!
cleanup() { kill -INT -- "-$PGID" 2>/dev/null || true; }
trap cleanup EXIT

for _ in $(seq 1 120); do
  grep -q "is running at" "$LOG" && break
  sleep 1
done
grep -q "is running at" "$LOG" || { cat "$LOG"; echo "make run did not start"; exit 1; }

BASE="http://127.0.0.1:$PORT"
PAGE="$INSTANCE/page.html"
# Each page goes to a file before it is searched: `curl | grep -q` fails under pipefail
# when grep stops reading at the first match of a page bigger than the pipe's buffer.
fetch() { curl -fsS -o "$PAGE" "$@"; }
HEADERS="$INSTANCE/headers"
fetch -D "$HEADERS" "$BASE/login"
grep -q "Log in" "$PAGE"
if grep -qi "^Server: *Werkzeug" "$HEADERS"; then cat "$HEADERS"; echo "make run serves with Werkzeug's development server"; exit 1; fi
grep -qi "^Server: *gunicorn" "$HEADERS" || { cat "$HEADERS"; echo "make run does not serve with gunicorn"; exit 1; }
[ "$(stat -c %a "$INSTANCE/secret_key")" = 600 ] || { echo "instance/secret_key missing or not mode 0600"; exit 1; }
fetch "$BASE/healthz"
grep -q '"status":"ok"' "$PAGE"
JAR="$INSTANCE/cookies"
fetch -c "$JAR" "$BASE/login"
TOKEN=$(sed -n '/name="csrf_token"/{s/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p;q;}' "$PAGE")
curl -fsS -b "$JAR" -c "$JAR" -o /dev/null -d "csrf_token=$TOKEN&username=frontdesk&password=clinic-demo" "$BASE/login"
fetch -b "$JAR" "$BASE/home"
grep -q "Sam Patel" "$PAGE"
fetch -b "$JAR" "$BASE/appointments/?view=upcoming"
grep -q "Appointments" "$PAGE"
fetch -b "$JAR" "$BASE/billing/"
grep -q "INV-" "$PAGE"
fetch -b "$JAR" "$BASE/inventory/"
grep -q "GLV-NIT-M" "$PAGE"

kill -INT -- "-$PGID"
trap - EXIT
for _ in $(seq 1 30); do
  kill -0 "$PGID" 2>/dev/null || break
  sleep 1
done
if kill -0 "$PGID" 2>/dev/null; then cat "$LOG"; echo "make run did not stop on Ctrl-C"; exit 1; fi
grep -q "^Stopped." "$LOG" || { cat "$LOG"; echo "make run did not stop cleanly"; exit 1; }
[ ! -S "$INSTANCE/redis.sock" ] || { echo "embedded Redis still running"; exit 1; }
! curl -s -o /dev/null "$BASE/healthz" || { echo "the web server still answers after Ctrl-C"; exit 1; }
echo "make run: login page, demo login, /healthz and a clean Ctrl-C all work"
rm -rf "$INSTANCE"
