#!/usr/bin/env bash
# Speed check, opt-in (CI does not run it): how many SMS turns a second the
# bot takes against how many transactions a second PostgreSQL runs of the
# same statements (scripts/bench/turn.sql), on a throwaway database of the
# machine's cluster.
#
#   bash scripts/bench/run.sh
#
# BENCH_CLIENTS (16) conversations and pgbench clients at once, for
# BENCH_SECONDS (15) each, BENCH_ROUNDS (3) times: pgbench and the bot take
# turns, so that both see the machine in the same state, and the ratio of
# each round is printed with the median of them.
#
# BENCH_LAYOUT is where the processes run:
#   split  (the default with 2 CPUs or more) PostgreSQL's processes on the
#          first half of the CPUs, the client on the other half: pgbench,
#          or infopass bench (the server and its load client). Each client
#          gets the same cores, and the database the same, as when the
#          service and its database run on machines of their own. The
#          cluster's processes get all CPUs back at the end.
#   shared every process on every CPU: the service's own work competes
#          with PostgreSQL's for the same cores.
#
# BENCH_PGHOST (/var/run/postgresql) is the cluster's socket directory;
# PGBENCH the pgbench to use (found on $PATH or under /usr/lib/postgresql).
#
# BENCH_DATABASE names a database of that cluster to run in, as it is,
# instead of a throwaway one (scripts/bench/scale.sh fills one): it is
# migrated, given pgbench's participants, and kept. DATA_KEY must then be
# the key it was sealed with. BENCH_INFOPASS is an infopass binary to use
# instead of building one; BENCH_SUMMARY a file to which each round's
# figures are appended, a line each: round, pgbench tps, bot turns/s,
# ratio, p50 ms, p99 ms, RSS MB, then the CPU columns of the table.
set -euo pipefail
cd "$(dirname "$0")/../.."

clients=${BENCH_CLIENTS:-16}
seconds=${BENCH_SECONDS:-15}
rounds=${BENCH_ROUNDS:-3}
host=${BENCH_PGHOST:-/var/run/postgresql}
cpus=$(nproc)
layout=${BENCH_LAYOUT:-$([ "$cpus" -ge 2 ] && echo split || echo shared)}
case $layout in
  split | shared) ;;
  *) echo "bench: BENCH_LAYOUT is split or shared, not $layout" >&2; exit 2 ;;
esac
if [ "$layout" = split ] && [ "$cpus" -lt 2 ]; then
  echo "bench: BENCH_LAYOUT=split needs 2 CPUs or more; this machine has $cpus" >&2
  exit 2
fi

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

work=$(mktemp -d)
db=${BENCH_DATABASE:-"infopass_bench_$$"}
postmaster=""
cleanup() {
  if [ -n "$postmaster" ]; then
    for p in $postmaster $(pgrep -P "$postmaster"); do taskset -a -cp "0-$((cpus - 1))" "$p" >/dev/null 2>&1 || true; done
  fi
  if [ -z "${BENCH_DATABASE:-}" ]; then
    psql -h "$host" -d postgres -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
if [ -z "${BENCH_DATABASE:-}" ]; then
  psql -h "$host" -d postgres -qXc "CREATE DATABASE $db" >/dev/null
  DATA_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
elif [ -z "${DATA_KEY:-}" ]; then
  echo "bench: BENCH_DATABASE needs the DATA_KEY its values are sealed with" >&2
  exit 2
fi
export DATABASE_URL="postgres:///$db?host=$host"
export DATA_KEY
if [ -n "${BENCH_INFOPASS:-}" ]; then
  cp "$BENCH_INFOPASS" "$work/infopass"
else
  # Built once, so that no compiler runs while the bench measures.
  go build -o "$work/infopass" ./cmd/infopass
fi
"$work/infopass" migrate >/dev/null

# pgbench's numbers: one participant with an open conversation per client
# (kept from an earlier run on BENCH_DATABASE).
psql -h "$host" -d "$db" -qX -v ON_ERROR_STOP=1 -v clients="$clients" >/dev/null <<'SQL'
INSERT INTO participants (phone_idx, phone, language, created_at)
SELECT 'pgbench-' || i, 'v1.pgbench.' || md5(i::text), 'en', now() FROM generate_series(0, :clients - 1) i
ON CONFLICT (phone_idx) DO NOTHING;
INSERT INTO conversations (phone_idx, open, step, state, channel, created_at, updated_at)
SELECT 'pgbench-' || i, true, 'email', '', 'sms', now(), now() FROM generate_series(0, :clients - 1) i
WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.phone_idx = 'pgbench-' || i AND c.open);
ANALYZE participants, conversations;
SQL

# The cores of each side, as lists for taskset and /proc/stat.
if [ "$layout" = split ]; then
  half=$((cpus / 2))
  db_cpus="0-$((half - 1))"
  client_cpus="$half-$((cpus - 1))"
  # The postmaster is the parent of every PostgreSQL process, the
  # checkpointer's for one (the cluster runs on this machine:
  # BENCH_PGHOST is a socket directory).
  checkpointer=$(psql -h "$host" -d "$db" -qtAXc "select pid from pg_stat_activity where backend_type = 'checkpointer'")
  postmaster=$(awk '{print $4}' "/proc/$checkpointer/stat" 2>/dev/null || true)
  if [ -z "$postmaster" ]; then
    echo "bench: cannot find PostgreSQL's postmaster on this machine; BENCH_LAYOUT=shared" >&2
    exit 1
  fi
  # New backends inherit the postmaster's CPUs; those running now are
  # moved one by one.
  for p in $postmaster $(pgrep -P "$postmaster"); do
    if ! taskset -a -cp "$db_cpus" "$p" >/dev/null 2>&1; then
      echo "bench: cannot move PostgreSQL (pid $p) to CPUs $db_cpus; run as root, or BENCH_LAYOUT=shared" >&2
      exit 1
    fi
  done
  client=(taskset -c "$client_cpus")
else
  db_cpus="0-$((cpus - 1))"
  client_cpus=$db_cpus
  client=()
fi

# busy prints how many of the CPUs of list ($1, as 0-3) were busy on
# average between two samples of /proc/stat ($2 and $3), as 1.85.
busy() {
  awk -v list="$1" '
    BEGIN { split(list, r, "-"); lo = r[1]; hi = (2 in r) ? r[2] : r[1] }
    FNR == 1 { f++ }
    /^cpu[0-9]/ {
      n = substr($1, 4) + 0
      if (n < lo || n > hi) next
      idle = $5 + $6; all = 0
      for (i = 2; i <= 9; i++) all += $i
      if (f == 1) { i0 += idle; a0 += all } else { i1 += idle; a1 += all }
    }
    END { d = a1 - a0; printf "%.2f", (d > 0 ? (hi - lo + 1) * (1 - (i1 - i0) / d) : 0) }
  ' "$2" "$3"
}

# measure runs a command ($2...) into file $1, and sets db_busy and
# client_busy to how many CPUs the database's and the client's side kept
# busy meanwhile (in the shared layout both are the whole machine's).
# Each run starts from the same state of the database: nothing left for
# autovacuum to do (it would take CPU from the run), just checkpointed (so
# both runs write the same full pages to the WAL at their start).
measure() {
  local out=$1
  shift
  psql -h "$host" -d "$db" -qX -c "VACUUM ANALYZE" >/dev/null
  psql -h "$host" -d "$db" -qX -c "CHECKPOINT" >/dev/null 2>&1 || true # superusers and pg_checkpoint only
  cat /proc/stat >"$work/stat0"
  "$@" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
  cat /proc/stat >"$work/stat1"
  db_busy=$(busy "$db_cpus" "$work/stat0" "$work/stat1")
  client_busy=$(busy "$client_cpus" "$work/stat0" "$work/stat1")
  if [ "$layout" = split ]; then
    echo "cpu busy         database CPUs $db_cpus: $db_busy, client CPUs $client_cpus: $client_busy" >>"$out"
  else
    echo "cpu busy         all CPUs: $db_busy" >>"$out"
  fi
}

echo "bench: $cpus CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), layout $layout:"
if [ "$layout" = split ]; then
  echo "  PostgreSQL on CPUs $db_cpus; pgbench, and infopass bench, on CPUs $client_cpus"
fi
echo "  $rounds rounds of pgbench then infopass bench, $clients clients, ${seconds}s each"
summary="$work/summary"
for round in $(seq 1 "$rounds"); do
  echo
  echo "== round $round: pgbench, the statements of one SMS turn (scripts/bench/turn.sql)"
  measure "$work/pgbench" "${client[@]}" "$pgbench" -h "$host" -n -c "$clients" -j 2 -T "$seconds" -M prepared -f scripts/bench/turn.sql "$db"
  grep -E '^(number of (transactions actually processed|failed transactions)|latency average|tps|cpu busy)' "$work/pgbench"
  tps=$(awk '/^tps = / {print $3; exit}' "$work/pgbench")
  pg_db=$db_busy pg_client=$client_busy

  echo "== round $round: infopass bench, $clients conversations over HTTP"
  measure "$work/bot" "${client[@]}" "$work/infopass" bench -c "$clients" -d "${seconds}s"
  cat "$work/bot"
  # The CPU time a transaction or a turn took, in ms: of the database's
  # CPUs, and of the client's (in the shared layout, of the machine's).
  awk -v tps="$tps" -v round="$round" -v pgdb="$pg_db" -v pgc="$pg_client" -v botdb="$db_busy" -v botc="$client_busy" '
    $1 == "turns/s" { t = $2 }
    $1 == "latency" && $2 == "p50" { p50 = $3 }
    $1 == "latency" && $2 == "p99" { p99 = $3 }
    $1 == "memory" { rss = $3 }
    END {
      printf "%d %.1f %.1f %.2f %s %s %s %.2f %.2f %.2f %.2f\n", round, tps, t, (tps > 0 ? t / tps : 0), p50, p99, rss,
        (tps > 0 ? 1000 * pgdb / tps : 0), (t > 0 ? 1000 * botdb / t : 0), (tps > 0 ? 1000 * pgc / tps : 0), (t > 0 ? 1000 * botc / t : 0)
    }
  ' "$work/bot" >>"$summary"
done

echo
if [ "$layout" = split ]; then
  echo "round  pgbench tps  bot turns/s  ratio  p50 ms  p99 ms  RSS MB  db ms/txn  db ms/turn  client ms/txn  client ms/turn"
  awk '{ printf "%5d  %11.1f  %11.1f  %5.2f  %6.1f  %6.1f  %6.1f  %9.2f  %10.2f  %13.2f  %14.2f\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$summary"
  echo "(db ms: CPU time of the database's CPUs per pgbench transaction or bot turn; client ms: of the client's CPUs)"
else
  echo "round  pgbench tps  bot turns/s  ratio  p50 ms  p99 ms  RSS MB  cpu ms/txn  cpu ms/turn"
  awk '{ printf "%5d  %11.1f  %11.1f  %5.2f  %6.1f  %6.1f  %6.1f  %10.2f  %11.2f\n", $1, $2, $3, $4, $5, $6, $7, $8, $9 }' "$summary"
  echo "(cpu ms: CPU time of the whole machine per pgbench transaction or bot turn)"
fi
if [ -n "${BENCH_SUMMARY:-}" ]; then
  cat "$summary" >>"$BENCH_SUMMARY"
fi
sort -n -k4 "$summary" | awk '{ r[NR] = $4 } END {
  m = (NR % 2) ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
  printf "median ratio (bot turns/s / pgbench tps): %.2f over %d rounds, layout '"$layout"'\n", m, NR
}'
