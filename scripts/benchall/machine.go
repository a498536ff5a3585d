package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// machine is what the run measured on, and with which versions.
type machine struct {
	nproc              string
	cpuModel           string
	memTotal           string
	kernel             string
	goVersion          string
	mariadb, redis     string
	loadStart, loadEnd string
}

func describeMachine(ctx context.Context) machine {
	m := machine{
		nproc:     first(output(ctx, "nproc"), strconv.Itoa(runtime.NumCPU())),
		cpuModel:  procField("/proc/cpuinfo", "model name"),
		memTotal:  memTotal(),
		kernel:    first(output(ctx, "uname", "-srm"), strings.TrimSpace(readFile("/proc/sys/kernel/osrelease"))),
		goVersion: first(output(ctx, "go", "version"), runtime.Version()),
		mariadb:   first(output(ctx, lookPath("mariadbd", "/usr/sbin/mariadbd", "/usr/local/sbin/mariadbd"), "--version"), "mariadbd not found"),
		redis:     first(output(ctx, lookPath("redis-server", "/usr/bin/redis-server", "/usr/local/bin/redis-server"), "--version"), "redis-server not found"),
		loadStart: loadAvg(),
	}
	return m
}

func (m machine) summary() string {
	return fmt.Sprintf("%s CPUs (%s), %s, %s", m.nproc, m.cpuModel, m.memTotal, m.kernel)
}

// output is a command's trimmed stdout, "" when it fails.
func output(ctx context.Context, name string, args ...string) string {
	if name == "" {
		return ""
	}
	out, err := exec.CommandContext(ctx, name, args...).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// lookPath is name on $PATH, else the first of the paths that exists.
func lookPath(name string, paths ...string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return "unknown"
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// procField is the first "key : value" line's value for key in a /proc file.
func procField(path, key string) string {
	for _, line := range strings.Split(readFile(path), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// memTotal is MemTotal from /proc/meminfo in GiB.
func memTotal() string {
	f := strings.Fields(procField("/proc/meminfo", "MemTotal")) // "24684032 kB"
	if len(f) == 0 {
		return "unknown memory"
	}
	kb, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return "unknown memory"
	}
	return fmt.Sprintf("%.1f GiB RAM", kb/(1<<20))
}

// loadAvg is the 1, 5 and 15 minute load averages.
func loadAvg() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
