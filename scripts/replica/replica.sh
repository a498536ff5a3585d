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

# shellcheck source=../lib/mariadb.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/mariadb.sh"

node_cnf() {
  base_cnf "$1"
  cat <<CNF
server_id=$1
log_bin=$DIR/node$1/data/binlog
log_slave_updates=ON
skip-slave-start
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
  if [[ -d $DIR ]]; then stop_nodes; fi
  prepare node_cnf
  for n in "${NODES[@]}"; do
    install_db "$n"
    mariadbd --defaults-file="$DIR/node$n.cnf" >/dev/null 2>&1 &
  done
  for n in "${NODES[@]}"; do
    wait_up "$n" 60
  done
  # The tests connect as root over TCP without a password; the replica's
  # setup is its own (not replicated), then it starts from the primary's
  # current position.
  for n in "${NODES[@]}"; do
    tcp_root "$n" "SET sql_log_bin=0;"
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

case "${1:-}" in
start) start ;;
stop) stop_nodes ;;
dsns) dsns ;;
*) echo "usage: $0 start|stop|dsns" >&2; exit 2 ;;
esac
