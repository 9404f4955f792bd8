#!/usr/bin/env bash
# Cost as the work grows, opt-in (CI does not run it): the same
# measurements on a database holding nothing, then 100,000 and 1,000,000
# filed requests of a year of national volume.
#
#   bash scripts/bench/scale.sh
#
# For each level (SCALE_LEVELS, "0 100000 1000000"), on a throwaway
# database of the machine's cluster:
#   1. fill it (scripts/bench/scale fill: COPY of rows sealed as the
#      service seals them, from a conversation `infopass bench` files first),
#      printing the fill's time and the database's size;
#   2. the turn bench of scripts/bench/run.sh against it (pgbench of
#      turn.sql, then infopass bench; BENCH_* as run.sh takes them);
#   3. the console's pages and the staff API's lists, SCALE_CALLS (200)
#      calls each, through HTTP against `infopass serve`, signed in through
#      single sign-on (a mock identity provider) and with an API token;
#   4. the background jobs on the rows due a day after the fill, with
#      infopass bench texting meanwhile, against the same bench without
#      them.
# Then it prints one table of every level's figures and writes it as CSV
# (SCALE_OUT, scale-results/scale.csv, with each level's logs beside it).
# `go run ./scripts/bench/scale plot -csv scale-results/scale.csv -out docs`
# draws the plots of docs/scaling.md from it.
#
# The fill needs a superuser of the cluster (it loads with foreign-key
# triggers off); run.sh's split layout needs root. The 1,000,000 level
# takes about 13 GB of disk while it runs, and half an hour or more.
set -euo pipefail
cd "$(dirname "$0")/../.."

levels=${SCALE_LEVELS:-"0 100000 1000000"}
host=${BENCH_PGHOST:-/var/run/postgresql}
out=${SCALE_OUT:-scale-results}
calls=${SCALE_CALLS:-200}
mkdir -p "$out"
results="$out/results.tsv"
: >"$results"

work=$(mktemp -d)
db=""
cleanup() {
  if [ -n "$db" ] && [ -z "${SCALE_KEEP:-}" ]; then
    psql -h "$host" -d postgres -qXc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "scale: building infopass and the scale tool"
go build -o "$work/infopass" ./cmd/infopass
go build -o "$work/scale" ./scripts/bench/scale

# record appends a figure of this level.
record() { printf '%s\t%s\t%s\t%s\n' "$level" "$1" "$2" "$3" >>"$results"; }
# gather records the figures a command printed as "result<TAB>…" lines.
gather() { awk -F'\t' -v level="$level" '$1 == "result" { print level "\t" $2 "\t" $3 "\t" $4 }' "$1" >>"$results"; }
# load records the machine's load average now, for the phase named $1.
load() {
  local l
  l=$(awk '{print $1}' /proc/loadavg)
  record "load_$1" "$l" "load"
  echo "scale: level $level, $1: load average $l"
}

for level in $levels; do
  db="infopass_scale_$$_$level"
  logs="$out/level-$level"
  mkdir -p "$logs"
  psql -h "$host" -d postgres -qXc "CREATE DATABASE $db" >/dev/null
  export DATABASE_URL="postgres:///$db?host=$host"
  DATA_KEY=$(head -c 32 /dev/urandom | base64 | tr -d '\n')
  export DATA_KEY
  "$work/infopass" migrate >/dev/null

  echo
  echo "== level $level: fill"
  load fill
  began=$(date +%s.%N)
  if [ "$level" -gt 0 ]; then
    # Real turns to copy: a few conversations filed through the bot.
    "$work/infopass" bench -c 2 -d 3s -warmup 0s >"$logs/seed.txt"
  fi
  "$work/scale" fill -plan "$work/plan.json" -requests "$level" | tee "$logs/fill.txt"
  gather "$logs/fill.txt"
  record fill_wall_seconds "$(awk -v b="$began" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - b }')" s
  size=$(psql -h "$host" -d "$db" -qtAXc "SELECT pg_database_size(current_database())")
  record db_size_mb "$(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1048576 }')" MB
  if [ "$level" -gt 0 ]; then
    record db_bytes_per_request "$(awk -v s="$size" -v n="$level" 'BEGIN { printf "%.0f", s / n }')" bytes
  fi
  psql -h "$host" -d "$db" -qtAXF $'\t' -c "
    SELECT c.relname, pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid)
    FROM pg_class c WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
    ORDER BY 2 DESC" >"$logs/sizes.tsv"
  echo "scale: database $(awk -v s="$size" 'BEGIN { printf "%.0f MB", s / 1048576 }') after the fill"

  echo "== level $level: turns (scripts/bench/run.sh)"
  load turns
  : >"$work/turns"
  BENCH_DATABASE=$db BENCH_INFOPASS="$work/infopass" BENCH_SUMMARY="$work/turns" bash scripts/bench/run.sh | tee "$logs/turns.txt"
  # The median of the rounds of each column.
  for col in 2:turn_pgbench_tps:tps 3:turn_bot_rate:turns/s 4:turn_ratio:x 5:turn_p50:ms 6:turn_p99:ms; do
    IFS=: read -r n name unit <<<"$col"
    record "$name" "$(awk -v c="$n" '{print $c}' "$work/turns" | sort -g | awk '{ v[NR] = $1 } END { printf "%g", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')" "$unit"
  done

  echo "== level $level: console and API"
  load staff
  "$work/scale" staff -plan "$work/plan.json" -infopass "$work/infopass" -n "$calls" -log "$logs/serve.log" | tee "$logs/staff.txt"
  gather "$logs/staff.txt"

  echo "== level $level: the background jobs during turns"
  load purge
  "$work/scale" purge -plan "$work/plan.json" -infopass "$work/infopass" | tee "$logs/purge.txt"
  gather "$logs/purge.txt"

  if [ -z "${SCALE_KEEP:-}" ]; then
    psql -h "$host" -d postgres -qXc "DROP DATABASE $db WITH (FORCE)" >/dev/null
  else
    echo "scale: kept database $db (DATA_KEY $DATA_KEY)"
  fi
  db=""
done

echo
echo "== $(nproc) CPUs ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)), $(date -u +%Y-%m-%dT%H:%MZ)"
"$work/scale" report -results "$results" -csv "$out/scale.csv"
echo
echo "scale: the table is in $out/scale.csv; plots: go run ./scripts/bench/scale plot -csv $out/scale.csv -out docs"
