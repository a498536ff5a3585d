package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// CPU time per order, by process, read from /proc: on a small machine where
// the load generator, the server and MariaDB share the CPUs, what an order
// costs each of them says more than the rate alone, and it moves much less
// than the rate when other work shares the machine. MariaDB is counted by
// the threads serving the bench database's connections (processlist TID),
// so other databases' clients do not count; its background threads (purge,
// page cleaner) do not either.

// cpuSource is one thing whose CPU time a run samples: threads by id.
type cpuSource struct {
	name    string
	threads func() map[int]time.Duration
}

// processCPU is a whole process.
func processCPU(name string, pid int) cpuSource {
	return cpuSource{name, func() map[int]time.Duration {
		if t, ok := cpuTime("/proc/" + strconv.Itoa(pid) + "/stat"); ok {
			return map[int]time.Duration{pid: t}
		}
		return nil
	}}
}

// mariadbCPU is the threads of a local MariaDB serving connections to dbName.
func mariadbCPU(ctx context.Context, db *sql.DB, pid int, dbName string) cpuSource {
	return cpuSource{"MariaDB", func() map[int]time.Duration {
		rows, err := db.QueryContext(ctx, "SELECT tid FROM information_schema.processlist WHERE db = ?", dbName)
		if err != nil {
			return nil
		}
		defer rows.Close()
		out := map[int]time.Duration{}
		for rows.Next() {
			var tid int
			if rows.Scan(&tid) == nil {
				if t, ok := cpuTime(fmt.Sprintf("/proc/%d/task/%d/stat", threadGroup(tid, pid), tid)); ok {
					out[tid] = t
				}
			}
		}
		return out
	}}
}

// threadGroup is the process of thread tid (several MariaDB servers may run
// here, e.g. a replica pair: the one serving the bench is the one whose
// thread it is), or def when /proc does not say.
func threadGroup(tid, def int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return def
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Tgid:"); ok {
			if pid, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return pid
			}
		}
	}
	return def
}

// cpuTime is the user + system CPU time in a /proc stat file.
func cpuTime(path string) (time.Duration, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold spaces
	if i < 0 || i+2 > len(b) {
		return 0, false
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 13 {
		return 0, false
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64) // field 14, utime
	st, err2 := strconv.ParseInt(f[12], 10, 64) // field 15, stime
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(ut+st) * 10 * time.Millisecond, true // USER_HZ is 100 on Linux
}

type cpuSample map[string]map[int]time.Duration

func sampleCPU(srcs []cpuSource) cpuSample {
	s := cpuSample{}
	for _, src := range srcs {
		s[src.name] = src.threads()
	}
	return s
}

// since is the CPU time each source used from s0 to s, over the threads
// in both: a connection opened in between is missed (the warm-up opens the
// pools first), and MariaDB hands a new connection a cached thread with its
// past CPU time, which must not count.
func (s cpuSample) since(s0 cpuSample) cpuUse {
	out := cpuUse{}
	for name, threads := range s {
		var d time.Duration
		for tid, t := range threads {
			if t0, ok := s0[name][tid]; ok {
				d += t - t0
			}
		}
		out[name] = d
	}
	return out
}

// cpuUse is CPU time by source.
type cpuUse map[string]time.Duration

// localMariaDB is the pid of a MariaDB or MySQL server on this machine, or
// 0 (a remote server, or none visible).
func localMariaDB() int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil {
			continue
		}
		switch strings.TrimSpace(string(comm)) {
		case "mariadbd", "mysqld":
			return pid
		}
	}
	return 0
}

// perOrder is "server 1.20 + MariaDB 0.80 + bench 0.30 = 2.30 ms", in the
// order of srcs, for n orders.
func (u cpuUse) perOrder(srcs []cpuSource, n int) string {
	if n == 0 || len(u) == 0 {
		return "—"
	}
	var parts []string
	var total time.Duration
	for _, src := range srcs {
		if v, ok := u[src.name]; ok {
			parts = append(parts, fmt.Sprintf("%s %.2f", src.name, msPer(v, n)))
			total += v
		}
	}
	return fmt.Sprintf("%s = %.2f ms", strings.Join(parts, " + "), msPer(total, n))
}

func msPer(d time.Duration, n int) float64 {
	return float64(d) / float64(time.Millisecond) / float64(n)
}

// total is the CPU time of every source.
func (u cpuUse) total() time.Duration {
	var t time.Duration
	for _, v := range u {
		t += v
	}
	return t
}
