#!/usr/bin/env bash
# Start `make run` on embedded defaults in a scratch instance folder, check the
# login page, a demo login and /healthz, then stop it with Ctrl-C (SIGINT) and
# check everything shut down. Used by .ci/run.
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
curl -fsS "$BASE/login" | grep -q "Log in"
curl -fsS "$BASE/healthz" | grep -q '"status":"ok"'
JAR="$INSTANCE/cookies"
TOKEN=$(curl -fsS -c "$JAR" "$BASE/login" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
curl -fsS -b "$JAR" -c "$JAR" -o /dev/null -d "csrf_token=$TOKEN&username=frontdesk&password=clinic-demo" "$BASE/login"
curl -fsS -b "$JAR" "$BASE/home" | grep -q "Sam Patel"

kill -INT -- "-$PGID"
trap - EXIT
for _ in $(seq 1 30); do
  kill -0 "$PGID" 2>/dev/null || break
  sleep 1
done
if kill -0 "$PGID" 2>/dev/null; then cat "$LOG"; echo "make run did not stop on Ctrl-C"; exit 1; fi
grep -q "^Stopped." "$LOG" || { cat "$LOG"; echo "make run did not stop cleanly"; exit 1; }
[ ! -S "$INSTANCE/redis.sock" ] || { echo "embedded Redis still running"; exit 1; }
echo "make run: login page, demo login, /healthz and a clean Ctrl-C all work"
rm -rf "$INSTANCE"
