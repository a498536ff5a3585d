#!/usr/bin/env bash
# A three-node MariaDB Galera cluster on loopback, for tests and the fault
# program: `cluster.sh start` bootstraps node 1 and joins nodes 2 and 3, each
# with its own data directory and ports, and waits until all three are
# Synced; `cluster.sh stop` stops only the nodes this script started (their
# pid files) and removes their data; `cluster.sh kill N` SIGKILLs node N and
# `cluster.sh restart N` starts it again (it rejoins by incremental state
# transfer); `cluster.sh dsns` prints the three DSNs.
#
# Needs Debian's mariadb-server, galera-4 and rsync (state transfer runs as
# the mysql user, so the data directories belong to it). Where: GALERA_DIR
# (default /tmp/shanhai-galera); ports 3311-3313 (SQL), 4167/4267/4367
# (replication), 4168/4268/4368 (IST), 4144/4244/4344 (SST). GALERA_PORT_BASE
# (default 3310) moves them all: node N's SQL port is GALERA_PORT_BASE+N and
# the others shift by GALERA_PORT_BASE-3310, so a second cluster (the fault
# program's) can run beside the first.
#
# `cluster.sh isolate N` cuts node N off from the others (gmcast.isolate=1:
# it drops its group connections and leaves the primary component; no root
# network tools needed) and `cluster.sh heal N` lets it back in.
set -euo pipefail

DIR=${GALERA_DIR:-/tmp/shanhai-galera}
PROVIDER=${GALERA_PROVIDER:-/usr/lib/galera/libgalera_smm.so}
NODES=(1 2 3)

BASE=${GALERA_PORT_BASE:-3310}
[[ $BASE =~ ^[0-9]+$ ]] && ((BASE >= 1024 && BASE <= 60000)) || { echo "GALERA_PORT_BASE=$BASE: want a port number" >&2; exit 2; }
OFF=$((BASE - 3310))
sql_port() { echo $((BASE + $1)); }
repl_port() { echo $((4067 + 100 * $1 + OFF)); }
ist_port() { echo $((4068 + 100 * $1 + OFF)); }
sst_port() { echo $((4044 + 100 * $1 + OFF)); }
members() { echo "gcomm://127.0.0.1:$(repl_port 1),127.0.0.1:$(repl_port 2),127.0.0.1:$(repl_port 3)"; }

port() { sql_port "$1"; }

# shellcheck source=../lib/mariadb.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/mariadb.sh"

node_cnf() {
  local n=$1
  base_cnf "$n"
  cat <<CNF
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$PROVIDER
wsrep_cluster_name=shanhai_test
wsrep_cluster_address=$(members)
wsrep_node_name=node$n
wsrep_node_address=127.0.0.1:$(repl_port "$n")
wsrep_provider_options="gmcast.listen_addr=tcp://127.0.0.1:$(repl_port "$n");ist.recv_addr=127.0.0.1:$(ist_port "$n");gcache.size=64M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;evs.install_timeout=PT6S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(sst_port "$n")
wsrep_slave_threads=2
CNF
}

status() { # status N: wsrep_local_state_comment, or empty
  mariadb --protocol=tcp -h127.0.0.1 -P"$(sql_port "$1")" -uroot -Nse \
    "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}'
}

wait_synced() { # wait_synced N seconds
  local n=$1 left=${2:-90}
  while ((left > 0)); do
    [[ $(status "$n") == Synced ]] && return 0
    sleep 1
    left=$((left - 1))
  done
  echo "node $n is not Synced; its log:" >&2
  tail -n 40 "$DIR/node$n/error.log" >&2 || true
  return 1
}

start_node() { # start_node N [--wsrep-new-cluster]
  local n=$1
  shift
  mariadbd --defaults-file="$DIR/node$n.cnf" "$@" >/dev/null 2>&1 &
}

# recovered_position N: the last committed position (uuid:seqno) in node N's
# InnoDB, which a node killed hard has not written to grastate.dat; started
# with it, the node asks the others for the missing write-sets only (IST)
# instead of a full copy (SST). What mysqld_safe's and systemd's
# --wsrep-recover step does.
recovered_position() {
  local n=$1 log="$DIR/node$1/recover.log"
  rm -f "$log"
  mariadbd --defaults-file="$DIR/node$n.cnf" --wsrep-recover --log-error="$log" >/dev/null 2>&1 || true
  sed -n 's/.*WSREP: Recovered position: *//p' "$log" 2>/dev/null | tail -n 1
}

restart_node() {
  local n=$1 pos
  pos=$(recovered_position "$n")
  if [[ -n $pos ]]; then
    start_node "$n" --wsrep_start_position="$pos"
  else
    start_node "$n"
  fi
  wait_synced "$n" 120
}

start() {
  [[ -f $PROVIDER ]] || { echo "$PROVIDER missing: apt-get install galera-4" >&2; exit 1; }
  command -v rsync >/dev/null || { echo "rsync missing: apt-get install rsync" >&2; exit 1; }
  if [[ -d $DIR ]]; then stop_nodes; fi
  prepare node_cnf
  # Only the first node is initialised; the others receive its data by SST.
  install_db 1
  start_node 1 --wsrep-new-cluster
  wait_synced 1 60
  tcp_root 1 # replicated to the nodes that join
  for n in 2 3; do
    start_node "$n"
    wait_synced "$n" 120
  done
  echo "galera: 3 nodes Synced ($(dsns | tr '\n' ' '))"
}

case "${1:-}" in
start) start ;;
stop) stop_nodes ;;
dsns) dsns ;;
kill) kill -9 "$(cat "$DIR/node$2/mysqld.pid")" ;;
restart) restart_node "$2" ;;
isolate | heal) # isolate N / heal N
  v=1
  [[ $1 == heal ]] && v=0
  mariadb --protocol=tcp -h127.0.0.1 -P"$(sql_port "$2")" -uroot -e \
    "SET GLOBAL wsrep_provider_options='gmcast.isolate=$v'"
  ;;
status) for n in "${NODES[@]}"; do echo "node$n: $(status "$n")"; done ;;
*) echo "usage: $0 start|stop|status|dsns|kill N|restart N|isolate N|heal N" >&2; exit 2 ;;
esac
