#!/usr/bin/env bash
# A MariaDB primary and one asynchronous read replica on loopback, for the
# read-replica tests: `replica.sh start` starts a primary with a binary log
# (port 3321, server_id 1) and a replica of it (port 3322, server_id 2,
# replicating by GTID), each with its own data directory, and waits until
# the replica's threads run; `replica.sh stop` stops only the servers this
# script started (their pid files) and removes their data; `replica.sh dsns`
# prints the two DSNs (primary first). Where: REPLICA_DIR (default
# /tmp/shanhai-replica); REPLICA_PORT_BASE (default 3320) moves the ports.
set -euo pipefail

DIR=${REPLICA_DIR:-/tmp/shanhai-replica}
BASE=${REPLICA_PORT_BASE:-3320}
[[ $BASE =~ ^[0-9]+$ ]] && ((BASE >= 1024 && BASE <= 60000)) || { echo "REPLICA_PORT_BASE=$BASE: want a port number" >&2; exit 2; }
NODES=(1 2)
port() { echo $((BASE + $1)); }
sqlc() { local n=$1; shift; mariadb --protocol=tcp -h127.0.0.1 -P"$(port "$n")" -uroot "$@"; }

node_cnf() {
  local n=$1 d="$DIR/node$1"
  cat >"$d.cnf" <<CNF
[mysqld]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
port=$(port "$n")
bind-address=127.0.0.1
log-error=$d/error.log
user=mysql
server_id=$n
log_bin=$d/data/binlog
binlog_format=ROW
log_slave_updates=ON
default_storage_engine=InnoDB
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
max_connections=151
skip-name-resolve
skip-slave-start
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
CNF
}

wait_up() { # wait_up N seconds
  local n=$1 left=${2:-60}
  while ((left > 0)); do
    sqlc "$n" -e "SELECT 1" >/dev/null 2>&1 && return 0
    sleep 1
    left=$((left - 1))
  done
  echo "server $n did not start; its log:" >&2
  tail -n 40 "$DIR/node$n/error.log" >&2 || true
  return 1
}

start() {
  command -v mariadbd >/dev/null || { echo "mariadbd missing: apt-get install mariadb-server" >&2; exit 1; }
  if [[ -d $DIR ]]; then stop; fi
  for n in "${NODES[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$(port "$n")") 2>/dev/null; then
      echo "port $(port "$n") is taken (another run? REPLICA_DIR=... $0 stop)" >&2
      exit 1
    fi
  done
  mkdir -p "$DIR"
  chmod 0755 "$DIR"
  for n in "${NODES[@]}"; do
    mkdir -p "$DIR/node$n/data"
    node_cnf "$n"
  done
  chown -R mysql:mysql "$DIR"
  for n in "${NODES[@]}"; do
    mariadb-install-db --no-defaults --datadir="$DIR/node$n/data" --user=mysql \
      --auth-root-authentication-method=normal >"$DIR/install$n.log" 2>&1 \
      || { cat "$DIR/install$n.log" >&2; exit 1; }
    mariadbd --defaults-file="$DIR/node$n.cnf" >/dev/null 2>&1 &
  done
  for n in "${NODES[@]}"; do
    wait_up "$n" 60
  done
  # The tests connect as root over TCP without a password; the replica's
  # setup is its own (not replicated), then it starts from the primary's
  # current position.
  for n in "${NODES[@]}"; do
    sqlc "$n" -e "SET sql_log_bin=0; CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" 2>/dev/null || true
  done
  local pos
  pos=$(sqlc 1 -Nse "SELECT @@gtid_binlog_pos")
  sqlc 2 -e "SET GLOBAL gtid_slave_pos='$pos'; CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$(port 1), MASTER_USER='root', MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos; START SLAVE;"
  local left=30
  while ((left > 0)); do
    if [[ $(sqlc 2 -e "SHOW SLAVE STATUS\G" | awk '/Slave_(IO|SQL)_Running:/ {print $2}' | sort -u) == Yes ]]; then
      echo "replica: primary $(port 1), replica $(port 2) replicating ($(dsns | tr '\n' ' '))"
      return 0
    fi
    sleep 1
    left=$((left - 1))
  done
  echo "the replica does not replicate:" >&2
  sqlc 2 -e "SHOW SLAVE STATUS\G" >&2 || true
  exit 1
}

stop() {
  for n in "${NODES[@]}"; do
    local pidf="$DIR/node$n/mysqld.pid"
    [[ -f $pidf ]] && kill "$(cat "$pidf")" 2>/dev/null || true
  done
  for n in "${NODES[@]}"; do
    local pidf="$DIR/node$n/mysqld.pid" i=0
    while [[ -f $pidf ]] && kill -0 "$(cat "$pidf" 2>/dev/null)" 2>/dev/null && ((i < 60)); do
      sleep 0.5
      i=$((i + 1))
    done
    [[ -f $pidf ]] && kill -9 "$(cat "$pidf")" 2>/dev/null || true
  done
  rm -rf -- "$DIR"
}

dsns() {
  for n in "${NODES[@]}"; do
    echo "root@tcp(127.0.0.1:$(port "$n"))/"
  done
}

case "${1:-}" in
start) start ;;
stop) stop ;;
dsns) dsns ;;
*) echo "usage: $0 start|stop|dsns" >&2; exit 2 ;;
esac
