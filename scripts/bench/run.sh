#!/usr/bin/env bash
# Speed check, opt-in (CI does not run it): how many SMS turns a second the
# bot takes against how many transactions a second PostgreSQL runs of the
# same statements (scripts/bench/turn.sql), on a throwaway database of the
# machine's cluster.
#
#   bash scripts/bench/run.sh
#
# BENCH_CLIENTS (16) conversations and pgbench clients at once, for
# BENCH_SECONDS (20) each. BENCH_PGHOST (/var/run/postgresql) is the
# cluster's socket directory; PGBENCH the pgbench to use (found on $PATH or
# under /usr/lib/postgresql).
set -euo pipefail
cd "$(dirname "$0")/../.."

clients=${BENCH_CLIENTS:-16}
seconds=${BENCH_SECONDS:-20}
host=${BENCH_PGHOST:-/var/run/postgresql}

pgbench=${PGBENCH:-$(command -v pgbench || ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1 || true)}
if [ -z "$pgbench" ] || [ ! -x "$pgbench" ]; then
  echo "bench: pgbench not found (Debian: apt-get install postgresql-contrib, or set PGBENCH)" >&2
  exit 1
fi

# Start the machine's cluster if it is down, and let this user in, as
# .ci/run does.
if command -v pg_lsclusters >/dev/null 2>&1 && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
  read -r ver name _ < <(pg_lsclusters -h | head -n 1)
  pg_ctlcluster "$ver" "$name" start >/dev/null 2>&1 || true
  for _ in $(seq 1 30); do
    pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1==v && $2==n {print $4}' | grep -q online && break
    sleep 1
  done
  me=$(id -un)
  if [ "$me" = root ]; then
    runuser -u postgres -- psql -qtAc "select 1 from pg_roles where rolname = '$me'" | grep -q 1 \
      || runuser -u postgres -- createuser --superuser "$me"
  fi
fi

db="infopass_bench_$$"
psql -h "$host" -d postgres -qXc "CREATE DATABASE $db" >/dev/null
trap 'psql -h "$host" -d postgres -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT

export DATABASE_URL="postgres:///$db?host=$host"
DATA_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
export DATA_KEY
go run ./cmd/infopass migrate >/dev/null

# pgbench's numbers: one participant with an open conversation per client.
psql -h "$host" -d "$db" -qX -v ON_ERROR_STOP=1 -v clients="$clients" >/dev/null <<'SQL'
INSERT INTO participants (phone_idx, phone, language, created_at)
SELECT 'pgbench-' || i, 'v1.pgbench.' || md5(i::text), 'en', now() FROM generate_series(0, :clients - 1) i;
INSERT INTO conversations (phone_idx, open, step, state, channel, created_at, updated_at)
SELECT 'pgbench-' || i, true, 'email', '', 'sms', now(), now() FROM generate_series(0, :clients - 1) i;
ANALYZE;
SQL

echo "== pgbench: the statements of one SMS turn (scripts/bench/turn.sql), $clients clients, ${seconds}s"
pgbench_out=$("$pgbench" -h "$host" -n -c "$clients" -j 2 -T "$seconds" -M prepared -f scripts/bench/turn.sql "$db" 2>&1) || {
  echo "$pgbench_out" >&2
  exit 1
}
echo "$pgbench_out" | grep -E '^(number of (transactions actually processed|failed transactions)|latency average|tps)'
tps=$(echo "$pgbench_out" | awk '/^tps = / {print $3; exit}')

echo
echo "== infopass bench: $clients conversations over HTTP, ${seconds}s"
bench_out=$(go run ./cmd/infopass bench -c "$clients" -d "${seconds}s" 2>&1) || {
  echo "$bench_out" >&2
  exit 1
}
echo "$bench_out"
turns=$(echo "$bench_out" | awk '$1 == "turns/s" {print $2; exit}')

echo
awk -v t="$turns" -v p="$tps" 'BEGIN {
  printf "bot turns/s %.1f / pgbench tps %.1f = %.2f\n", t, p, (p > 0 ? t / p : 0)
}'
