package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// proc is one server process seen under orderbench, with its peak RSS.
type proc struct {
	pid   int
	label string // "server" or "server (redis)", from its SHANHAI_REDIS
	hwm   int64  // VmHWM, bytes: the kernel's peak resident set size
	rss   int64  // VmRSS at the last poll, bytes
	polls int
}

// rssWatch finds the server processes orderbench starts (its descendants
// named shanhai) and keeps each one's VmHWM. VmHWM is the peak the kernel
// recorded over the process's life, so the last poll before the process
// ends holds its peak up to that moment; polls are 200 ms apart.
type rssWatch struct {
	mu   sync.Mutex
	peak map[int]*proc
}

func (w *rssWatch) watch(ctx context.Context, pid int) {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		w.poll(pid)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *rssWatch) poll(root int) {
	for _, pid := range descendants(root) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "shanhai" {
			continue
		}
		rss, hwm, err := memOf(pid)
		if err != nil {
			continue // gone meanwhile
		}
		w.mu.Lock()
		p := w.peak[pid]
		if p == nil {
			p = &proc{pid: pid, label: label(pid)}
			w.peak[pid] = p
		}
		p.hwm = max(p.hwm, hwm)
		p.rss = rss
		p.polls++
		w.mu.Unlock()
	}
}

// label tells the server runs apart by their environment.
func label(pid int) string {
	env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	for _, kv := range bytes.Split(env, []byte{0}) {
		if bytes.HasPrefix(kv, []byte("SHANHAI_REDIS=")) && len(kv) > len("SHANHAI_REDIS=") {
			return "server (redis)"
		}
	}
	return "server"
}

// descendants are the processes under root, from /proc/*/stat.
func descendants(root int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 2 {
			continue
		}
		if ppid, err := strconv.Atoi(f[1]); err == nil {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// memOf is a process's VmRSS and VmHWM in bytes.
func memOf(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "123456 kB"
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	return rss, hwm, nil
}

// mib is "123.4 MiB".
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
