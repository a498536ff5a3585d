package main

// The Galera section: orders/s with three replicas on one node of a
// three-node Galera cluster and on three, side by side. It runs the fault
// program's Galera mode with only its two load scenarios (a1: the three
// replicas on node 1; a: one replica per node) and its Markdown report; the
// fault program starts its own cluster with scripts/galera/cluster.sh (its
// own data directory and ports, GALERA_PORT_BASE) and its own Redis, and
// stops exactly those at exit. Without galera-4 (or rsync, which its state
// transfers need) the section says it was not measured.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// galeraMissing names what the cluster needs and this machine lacks ("" when
// nothing).
func galeraMissing() string {
	provider := os.Getenv("GALERA_PROVIDER")
	if provider == "" {
		provider = "/usr/lib/galera/libgalera_smm.so"
	}
	if _, err := os.Stat(provider); err != nil {
		return "galera-4 is not installed (" + provider + ")"
	}
	for _, bin := range []string{"rsync", "mariadbd", "redis-server"} {
		if _, err := exec.LookPath(bin); err != nil {
			return bin + " is not installed"
		}
	}
	return ""
}

// galeraSection runs the fault program's two Galera load scenarios: 15 s
// each (8 s with -quick), about two and a half minutes in all with the
// cluster's start and stop.
func galeraSection(ctx context.Context, o options, root, tmp string) (section, error) {
	dur := 15 * time.Second
	if o.quick {
		dur = 8 * time.Second
	}
	args := []string{"-galera", "-only", "a1,a", "-duration", dur.String(), "-markdown"}
	if missing := galeraMissing(); missing != "" {
		note := "Not measured: " + missing + ". Install Debian's galera-4, rsync and mariadb-server to get orders/s on one Galera node and on three."
		return section{name: "faults", args: strings.Join(args, " "), markdown: note}, nil
	}
	bin := filepath.Join(tmp, "faults")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./scripts/faults")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return section{}, fmt.Errorf("go build -o %s ./scripts/faults: %v\n%s", bin, err, out)
	}
	return runBench(ctx, root, bin, "faults", args, nil)
}
