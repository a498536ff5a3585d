package bench

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Host is the machine the figures were measured on.
type Host struct {
	CPUs, GOMAXPROCS int
	CPUModel         string
	GoVersion        string
}

// ThisHost describes this machine and Go.
func ThisHost() Host {
	return Host{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPUModel: cpuModel(), GoVersion: runtime.Version()}
}

// String is "8 CPUs (model), GOMAXPROCS 8, go1.26 linux/amd64".
func (h Host) String() string {
	return fmt.Sprintf("%d CPUs (%s), GOMAXPROCS %d, %s %s/%s", h.CPUs, h.CPUModel, h.GOMAXPROCS, h.GoVersion, runtime.GOOS, runtime.GOARCH)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
