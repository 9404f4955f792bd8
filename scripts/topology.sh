#!/usr/bin/env bash
# The production topology on one machine, loopback only: nginx on one port
# proxying to three `infopass serve` replicas; each PostgreSQL server behind
# its own PgBouncer in transaction pooling mode; a primary and a streaming
# hot standby with synchronous commit. cmd/infopass/topology_test.go drives
# it (INFOPASS_TOPOLOGY=1); run it by hand to look around:
#
#   bash scripts/topology.sh            # up, print the addresses, wait for Ctrl-C, down
#   bash scripts/topology.sh up DIR     # start everything in DIR (created, must be new or empty)
#   bash scripts/topology.sh failover DIR   # stop the primary hard, promote the standby
#   bash scripts/topology.sh down DIR   # stop what up started, remove DIR
#
# Ports are TOPOLOGY_BASE_PORT (18400) and up: +0 nginx, +1 primary, +2
# standby, +3 PgBouncer of the primary, +4 PgBouncer of the standby, +11..+13
# the replicas. TWILIO_API_URL, when set, is where the replicas send texts
# (a fake, in tests); without it outbound texts are off. OIDC_ISSUER,
# OIDC_CLIENT_ID and OIDC_CLIENT_SECRET, when set, are the replicas' single
# sign-on (a test's OpenID provider on loopback). up makes a staff API
# client, "topology", whose token is API_TOKEN in DIR/topology.env. Everything up
# starts is recorded in DIR/*.pid and stopped by down, and nothing else.
#
# The replicas' DATABASE_URL lists both PgBouncers with
# target_session_attrs=read-write: a PgBouncer knows one server, so the
# client picks the one whose server is writable (the standby refuses, until
# it is promoted). MIGRATE_DATABASE_URL goes to the servers directly, because
# tern's session-level advisory lock does not hold under transaction
# pooling. PgBouncer before 1.21 cannot keep named prepared statements
# across transactions, so with it DATABASE_URL sets
# default_query_exec_mode=exec; from 1.21 PgBouncer keeps them
# (max_prepared_statements) and pgx keeps its default. docs/deploy.md
# explains the choices.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export PATH="$PATH:/usr/local/go/bin"

pgbin=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
base=${TOPOLOGY_BASE_PORT:-18400}
nginx_port=$base
primary_port=$((base + 1))
standby_port=$((base + 2))
bouncer_a_port=$((base + 3))
bouncer_b_port=$((base + 4))
replica_ports=($((base + 11)) $((base + 12)) $((base + 13)))

log() { echo "topology: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# as_pg runs a command as the postgres user when we are root: PostgreSQL
# and PgBouncer refuse to run as root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# wait_until tries a command every 0.1 s for at most $1 seconds.
wait_until() {
  local seconds=$1
  shift
  for _ in $(seq 1 $((seconds * 10))); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# psql_on runs SQL as postgres on the server of port $1 over its socket.
psql_on() {
  local port=$1
  shift
  as_pg "$pgbin/psql" -X -q -t -A -v ON_ERROR_STOP=1 -h "$dir/run" -p "$port" -U postgres -d postgres "$@"
}

check_tools() {
  [ -x "$pgbin/initdb" ] || die "no PostgreSQL binaries (Debian: apt-get install postgresql; or set PGBIN)"
  command -v nginx >/dev/null || die "no nginx (Debian: apt-get install nginx)"
  command -v pgbouncer >/dev/null || die "no pgbouncer (Debian: apt-get install pgbouncer)"
  command -v curl >/dev/null || die "no curl"
  for port in "$nginx_port" "$primary_port" "$standby_port" "$bouncer_a_port" "$bouncer_b_port" "${replica_ports[@]}"; do
    if port_open "$port"; then
      die "port $port is taken: set TOPOLOGY_BASE_PORT to a free range of 14 ports"
    fi
  done
}

password() { head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9'; }

# standby_is reports whether the primary sees the standby with column $1
# of pg_stat_replication equal to $2.
standby_is() {
  [ "$(psql_on "$primary_port" -c "SELECT $1 FROM pg_stat_replication WHERE application_name = 'standby'")" = "$2" ]
}

pgbouncer_version() { pgbouncer --version | awk 'NR == 1 {print $2}'; }

# prepared_statements reports whether the installed PgBouncer can carry
# named prepared statements across transactions (1.21 and later).
prepared_statements() {
  [ "$(printf '%s\n1.21\n' "$(pgbouncer_version)" | sort -V | head -n 1)" = 1.21 ]
}

start_postgres() {
  local name=$1 port=$2
  cat >>"$dir/$name/postgresql.conf" <<EOF

# topology.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 100
wal_level = replica
max_wal_senders = 4
hot_standby = on
wal_keep_size = 256MB
log_line_prefix = '%m [%p] $name '
EOF
  as_pg "$pgbin/pg_ctl" -D "$dir/$name" -l "$dir/$name.log" -w -t 60 start >/dev/null
}

pgbouncer_config() {
  local name=$1 port=$2 server_port=$3
  cat >"$dir/$name.ini" <<EOF
[databases]
infopass = host=127.0.0.1 port=$server_port dbname=infopass

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
; A server connection serves a client for one transaction only: the service
; keeps no session state (no advisory locks, SET, LISTEN or named prepared
; statements) on a DATABASE_URL connection.
pool_mode = transaction
; Fewer server connections than the three replicas' pools may hold, so
; that transactions of different clients really share them.
default_pool_size = 6
max_client_conn = 200
; Fail fast when the server is gone: a new client is refused at once
; (server_login_retry), so that pgx moves on to the next host, and a client
; whose idle connection was kept is cut after query_wait_timeout, within
; the turn's 4.5 s, so that its pool drops it.
server_connect_timeout = 2
server_login_retry = 1
query_wait_timeout = 2
; The service asks for its timeouts when it connects, which PgBouncer
; would refuse; the role sets them on the server instead.
ignore_startup_parameters = statement_timeout,lock_timeout,idle_in_transaction_session_timeout
logfile = $dir/$name.log
pidfile = $dir/$name.pid
EOF
  if prepared_statements; then
    echo "max_prepared_statements = 200" >>"$dir/$name.ini"
  fi
  chown postgres: "$dir/$name.ini" 2>/dev/null || true
}

cmd_up() {
  [ -n "$dir" ] || die "usage: topology.sh up DIR"
  check_tools
  mkdir -p "$dir"
  [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
  dir=$(cd "$dir" && pwd)
  chmod 755 "$dir"
  mkdir -p "$dir/run" "$dir/primary" "$dir/standby"
  chmod 700 "$dir/primary" "$dir/standby"
  if [ "$(id -u)" = 0 ]; then
    # PostgreSQL and PgBouncer run as postgres and write their logs and pid
    # files here.
    chown postgres: "$dir" "$dir/run" "$dir/primary" "$dir/standby"
  fi
  trap 'rc=$?; if [ $rc -ne 0 ]; then log "up failed; logs:"; tail -n 20 "$dir"/*.log >&2 || true; cmd_down; fi' EXIT

  log "building infopass"
  (cd "$root" && go build -o "$dir/infopass" ./cmd/infopass)

  local app_pw repl_pw
  app_pw=$(password)
  repl_pw=$(password)
  data_key=${DATA_KEY:-$(head -c 32 /dev/urandom | base64 | tr -d '\n')}
  # Like Twilio's: hex (twilio-go refuses other characters).
  token=${TWILIO_AUTH_TOKEN:-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')}

  log "primary on 127.0.0.1:$primary_port"
  as_pg "$pgbin/initdb" -D "$dir/primary" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log"
  cat >"$dir/primary/pg_hba.conf" <<EOF
local all         all                      trust
host  replication replicator 127.0.0.1/32 scram-sha-256
host  all         infopass   127.0.0.1/32 scram-sha-256
EOF
  start_postgres primary "$primary_port"
  psql_on "$primary_port" <<EOF
CREATE ROLE infopass LOGIN PASSWORD '$app_pw';
-- PgBouncer passes no timeouts from its clients (ignore_startup_parameters
-- below): the role carries the service's (bot/postgres Timeouts).
ALTER ROLE infopass SET statement_timeout = '5s';
ALTER ROLE infopass SET lock_timeout = '2s';
ALTER ROLE infopass SET idle_in_transaction_session_timeout = '10s';
CREATE ROLE replicator REPLICATION LOGIN PASSWORD '$repl_pw';
CREATE DATABASE infopass OWNER infopass;
EOF

  log "standby on 127.0.0.1:$standby_port (pg_basebackup -R)"
  as_pg env PGPASSWORD="$repl_pw" "$pgbin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U replicator \
    -D "$dir/standby" -R -X stream -c fast
  # The standby copied the primary's settings: give it its own port and a
  # name the primary sees it by.
  cat >>"$dir/standby/postgresql.auto.conf" <<EOF
primary_conninfo = 'host=127.0.0.1 port=$primary_port user=replicator password=$repl_pw application_name=standby'
EOF
  sed -i "s/^port = $primary_port\$/port = $standby_port/" "$dir/standby/postgresql.conf"
  sed -i "s/ primary '\$/ standby '/" "$dir/standby/postgresql.conf"
  as_pg "$pgbin/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w -t 60 start >/dev/null
  wait_until 30 standby_is state streaming || die "the standby does not stream"
  # Synchronous commit on the primary only (ALTER SYSTEM is not
  # replicated): a commit returns once the standby has the WAL on disk, so a
  # failover loses nothing that was acknowledged. The standby, once
  # promoted, must not wait for a standby of its own.
  psql_on "$primary_port" -c "ALTER SYSTEM SET synchronous_standby_names = 'standby'" -c "SELECT pg_reload_conf()" >/dev/null
  wait_until 30 standby_is sync_state sync || die "the standby did not become synchronous"

  log "PgBouncer $(pgbouncer_version) on 127.0.0.1:$bouncer_a_port (primary) and :$bouncer_b_port (standby), transaction pooling"
  printf '"infopass" "%s"\n' "$app_pw" >"$dir/userlist.txt"
  chmod 600 "$dir/userlist.txt"
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$dir/userlist.txt"
  fi
  pgbouncer_config pgbouncer-a "$bouncer_a_port" "$primary_port"
  pgbouncer_config pgbouncer-b "$bouncer_b_port" "$standby_port"
  as_pg pgbouncer -d -q "$dir/pgbouncer-a.ini"
  as_pg pgbouncer -d -q "$dir/pgbouncer-b.ini"
  wait_until 10 port_open "$bouncer_a_port" || die "PgBouncer of the primary does not listen"
  wait_until 10 port_open "$bouncer_b_port" || die "PgBouncer of the standby does not listen"

  local hosts_pooled="127.0.0.1:$bouncer_a_port,127.0.0.1:$bouncer_b_port"
  local hosts_direct="127.0.0.1:$primary_port,127.0.0.1:$standby_port"
  local exec_mode=exec
  if prepared_statements; then
    exec_mode=cache_statement # pgx's default
  fi
  database_url="postgres://infopass:$app_pw@$hosts_pooled/infopass?target_session_attrs=read-write&default_query_exec_mode=$exec_mode"
  migrate_url="postgres://infopass:$app_pw@$hosts_direct/infopass?target_session_attrs=read-write"
  public_url="http://127.0.0.1:$nginx_port"
  cat >"$dir/topology.env" <<EOF
PUBLIC_URL='$public_url'
DATABASE_URL='$database_url'
MIGRATE_DATABASE_URL='$migrate_url'
DATA_KEY='$data_key'
TWILIO_AUTH_TOKEN='$token'
PRIMARY_PORT='$primary_port'
STANDBY_PORT='$standby_port'
REPLICA_PORTS='${replica_ports[*]}'
PGBOUNCER_VERSION='$(pgbouncer_version)'
QUERY_EXEC_MODE='$exec_mode'
EOF
  chmod 600 "$dir/topology.env"

  log "migrating over MIGRATE_DATABASE_URL"
  replica_env "${replica_ports[0]}"
  env "${replica_vars[@]}" "$dir/infopass" migrate >"$dir/migrate.log" 2>&1 || die "migrate failed: $(cat "$dir/migrate.log")"
  log "staff API client \"topology\" (infopass api-token create)"
  local api_token
  api_token=$(env "${replica_vars[@]}" "$dir/infopass" api-token create topology -expires 1d 2>>"$dir/migrate.log" | tail -n 1) ||
    die "api-token create failed: $(cat "$dir/migrate.log")"
  echo "API_TOKEN='$api_token'" >>"$dir/topology.env"

  local i=0
  for port in "${replica_ports[@]}"; do
    i=$((i + 1))
    log "replica $i on 127.0.0.1:$port"
    replica_env "$port"
    env "${replica_vars[@]}" "$dir/infopass" serve >"$dir/replica-$i.log" 2>&1 &
    echo $! >"$dir/replica-$i.pid"
  done
  for port in "${replica_ports[@]}"; do
    wait_until 30 curl -fsS "http://127.0.0.1:$port/readyz" || die "the replica on $port is not ready"
  done

  log "nginx on $public_url"
  mkdir -p "$dir/nginx/tmp"
  if [ "$(id -u)" = 0 ]; then
    chown www-data: "$dir/nginx/tmp" 2>/dev/null || chown nobody: "$dir/nginx/tmp"
  fi
  local upstreams=""
  for port in "${replica_ports[@]}"; do
    upstreams+="    server 127.0.0.1:$port max_fails=0;"$'\n'
  done
  local user_line=""
  if [ "$(id -u)" = 0 ]; then
    user_line="user $(id -un www-data 2>/dev/null || echo nobody);"
  fi
  cat >"$dir/nginx/nginx.conf" <<EOF
$user_line
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log $dir/nginx-access.log;
  client_body_temp_path $dir/nginx/tmp/body;
  proxy_temp_path $dir/nginx/tmp/proxy;
  fastcgi_temp_path $dir/nginx/tmp/fastcgi;
  uwsgi_temp_path $dir/nginx/tmp/uwsgi;
  scgi_temp_path $dir/nginx/tmp/scgi;
  upstream infopass {
$upstreams    keepalive 32;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    # Twilio's forms and the staff API's bodies are capped at 64 KiB by the
    # service; let a little more through so that it answers 413 itself.
    client_max_body_size 128k;
    location / {
      proxy_pass http://infopass;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      # Webhooks are idempotent (MessageSid, CallSid and step): a request a
      # replica could not take goes to the next one, POST included.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      # Twilio waits 15 s; a turn answers within 5.
      proxy_read_timeout 14s;
    }
  }
}
EOF
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf" -t -q
  nginx -p "$dir/nginx" -c "$dir/nginx/nginx.conf"
  wait_until 10 curl -fsS "$public_url/healthz" || die "nginx does not answer"
  if [ -n "${TOPOLOGY_OWNER_PID:-}" ]; then
    # Whatever becomes of the owner (a test killed by its timeout), stop
    # everything once it is gone.
    nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; rm -f "$2/watchdog.pid"; exec bash "$3" down "$2"' \
      _ "$TOPOLOGY_OWNER_PID" "$dir" "$root/scripts/topology.sh" >/dev/null 2>&1 &
    echo $! >"$dir/watchdog.pid"
  fi
  trap - EXIT
  log "up: $dir (DATABASE_URL and the rest in $dir/topology.env)"
}

# replica_env sets replica_vars to the environment of the replica on port
# $1 (env's arguments).
replica_env() {
  replica_vars=(
    -u TWILIO_FROM -u TWILIO_API_URL
    -u STAFF_TOKEN -u STAFF_SESSION_KEY -u OIDC_ISSUER -u OIDC_CLIENT_ID -u OIDC_CLIENT_SECRET -u OIDC_ALLOWED_GROUPS
    DATABASE_URL="$database_url" MIGRATE_DATABASE_URL="$migrate_url" DATA_KEY="$data_key"
    LISTEN_HOST=127.0.0.1 PORT="$1" PUBLIC_URL="$public_url" TRUSTED_PROXIES=127.0.0.1
    TWILIO_AUTH_TOKEN="$token" TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000
  )
  if [ -n "${OIDC_ISSUER:-}" ]; then
    replica_vars+=(OIDC_ISSUER="$OIDC_ISSUER" OIDC_CLIENT_ID="$OIDC_CLIENT_ID" OIDC_CLIENT_SECRET="$OIDC_CLIENT_SECRET")
  fi
  if [ -n "${TWILIO_API_URL:-}" ]; then
    replica_vars+=(TWILIO_FROM=+18005550100 TWILIO_API_URL="$TWILIO_API_URL")
  fi
}

cmd_failover() {
  [ -n "$dir" ] && [ -d "$dir/standby" ] || die "usage: topology.sh failover DIR (a DIR that up started)"
  local t0 t1 t2
  t0=$(date +%s%N)
  # Hard: no shutdown checkpoint, connections cut, as when the machine dies.
  as_pg "$pgbin/pg_ctl" -D "$dir/primary" -m immediate -w stop >/dev/null
  t1=$(date +%s%N)
  as_pg "$pgbin/pg_ctl" -D "$dir/standby" -w -t 60 promote >/dev/null
  t2=$(date +%s%N)
  log "primary stopped in $(((t1 - t0) / 1000000)) ms; standby promoted in $(((t2 - t1) / 1000000)) ms"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

# stop_pids sends signal $1 to the processes of the pid files that follow,
# all at once, waits for them (15 s, then SIGKILL) and removes the files.
stop_pids() {
  local sig=$1 file pid
  shift
  local pids=()
  for file in "$@"; do
    [ -f "$file" ] || continue
    pid=$(cat "$file")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -s "$sig" "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$file"
  done
  for pid in "${pids[@]}"; do
    wait_until 15 gone "$pid" || kill -s KILL "$pid" 2>/dev/null || true
  done
}

cmd_down() {
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  stop_pids TERM "$dir/watchdog.pid"
  stop_pids QUIT "$dir/nginx.pid"
  stop_pids TERM "$dir"/replica-*.pid
  stop_pids TERM "$dir"/pgbouncer-*.pid # immediate: its clients are gone
  for name in primary standby; do
    if [ -f "$dir/$name/postmaster.pid" ]; then
      as_pg "$pgbin/pg_ctl" -D "$dir/$name" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  if [ -z "${TOPOLOGY_KEEP:-}" ]; then
    rm -rf "$dir"
  fi
}

cmd_demo() {
  dir=$(mktemp -d /var/tmp/infopass-topology.XXXXXX)
  trap cmd_down EXIT
  trap 'exit 130' INT TERM
  cmd_up
  cat "$dir/topology.env"
  log "Ctrl-C stops it all. Try: TWILIO_AUTH_TOKEN=$token go run ./cmd/infopass chat -url $public_url"
  while true; do sleep 3600; done
}

dir=${2:-}
case "${1:-demo}" in
up) cmd_up ;;
failover) cmd_failover ;;
down) cmd_down ;;
demo) cmd_demo ;;
*) die "usage: topology.sh [up DIR | failover DIR | down DIR | demo]" ;;
esac
