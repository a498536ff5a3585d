# Shared by scripts/galera/cluster.sh and scripts/replica/replica.sh: MariaDB
# servers on loopback, each in its own directory under $DIR (nodeN/, with
# nodeN.cnf beside it), started by the calling script. Source it after
# setting DIR and NODES, and defining port N (a node's SQL port).

# base_cnf N: the [mysqld] settings every node shares; the caller appends
# its own (replication, Galera).
base_cnf() {
  local n=$1 d="$DIR/node$1"
  cat <<CNF
[mysqld]
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
port=$(port "$n")
bind-address=127.0.0.1
log-error=$d/error.log
user=mysql
binlog_format=ROW
default_storage_engine=InnoDB
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
max_connections=151
skip-name-resolve
character-set-server=utf8mb4
collation-server=utf8mb4_general_ci
CNF
}

# prepare CNF_FN: refuses taken ports, then makes every node's directory and
# writes its configuration with CNF_FN N; rsync state transfer and the
# servers run as the mysql user, so it owns them.
prepare() {
  local cnf=$1 n
  command -v mariadbd >/dev/null || { echo "mariadbd missing: apt-get install mariadb-server" >&2; exit 1; }
  for n in "${NODES[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$(port "$n")") 2>/dev/null; then
      echo "port $(port "$n") is taken (another run? $0 stop with the same settings)" >&2
      exit 1
    fi
  done
  mkdir -p "$DIR"
  chmod 0755 "$DIR"
  for n in "${NODES[@]}"; do
    mkdir -p "$DIR/node$n/data"
    "$cnf" "$n" >"$DIR/node$n.cnf"
  done
  chown -R mysql:mysql "$DIR"
}

# install_db N: a fresh data directory for node N, root without a password.
# The installer's bootstrap server has been seen to crash (a segmentation
# fault) once on a busy machine and not again in the same setup, so a
# failed install is retried twice from an empty directory; each failure's
# log is printed, and the third failure stops the script.
install_db() {
  local d="$DIR/node$1/data" try
  for try in 1 2 3; do
    if mariadb-install-db --no-defaults --datadir="$d" --user=mysql \
      --auth-root-authentication-method=normal >"$DIR/install$1.log" 2>&1; then
      return 0
    fi
    echo "node $1: mariadb-install-db failed (try $try of 3):" >&2
    tail -n 40 "$DIR/install$1.log" >&2
    rm -rf -- "$d"
    mkdir -p "$d"
    chown mysql:mysql "$d"
  done
  exit 1
}

# stop_nodes: stops only the servers started here (their pid files), waits,
# and removes their data.
stop_nodes() {
  local n pidf i
  for n in "${NODES[@]}"; do
    pidf="$DIR/node$n/mysqld.pid"
    [[ -f $pidf ]] && kill "$(cat "$pidf")" 2>/dev/null || true
  done
  for n in "${NODES[@]}"; do
    pidf="$DIR/node$n/mysqld.pid"
    i=0
    while [[ -f $pidf ]] && kill -0 "$(cat "$pidf" 2>/dev/null)" 2>/dev/null && ((i < 60)); do
      sleep 0.5
      i=$((i + 1))
    done
    [[ -f $pidf ]] && kill -9 "$(cat "$pidf")" 2>/dev/null || true
  done
  rm -rf -- "$DIR"
}

# dsns: each node's DSN for the tests, one a line.
dsns() {
  local n
  for n in "${NODES[@]}"; do
    echo "root@tcp(127.0.0.1:$(port "$n"))/"
  done
}

# tcp_root N [SQL]: lets root in over TCP from 127.0.0.1 without a password
# (the tests' DSNs); SQL runs first in the same session (e.g. to keep it out
# of the binary log).
tcp_root() {
  mariadb --protocol=tcp -h127.0.0.1 -P"$(port "$1")" -uroot -e \
    "${2:-} CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;" 2>/dev/null || true
}
