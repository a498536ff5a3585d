package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// Server is a subprocess serving HTTP on a loopback port; its output goes to
// a log file, not the console.
type Server struct {
	Name string
	Base string // "http://127.0.0.1:<port>"
	Log  string // the log file

	cmd    *exec.Cmd
	exited chan error
}

// Start starts cmd, which serves on addr, with its output to logPath, and
// waits until its /readyz answers 200.
func Start(ctx context.Context, name string, cmd *exec.Cmd, addr, logPath string) (*Server, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	s := &Server{Name: name, Base: "http://" + addr, Log: logPath, cmd: cmd, exited: make(chan error, 1)}
	go func() {
		s.exited <- cmd.Wait()
		logFile.Close()
	}()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	Logf("%s ready on %s (pid %d, log %s)", name, addr, cmd.Process.Pid, logPath)
	return s, nil
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// waitReady polls /readyz until it answers 200.
func (s *Server) waitReady(ctx context.Context, limit time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(limit)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Base+"/readyz", nil)
		if resp, err := client.Do(req); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("%s exited before it was ready (%v):\n%s", s.Name, err, tail(s.Log, 20))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s:\n%s", s.Name, limit, tail(s.Log, 20))
		}
	}
}

// Stop sends SIGTERM and waits for a graceful exit, killing after 15s. A
// server that exited before, or not cleanly, is an error.
func (s *Server) Stop() error {
	select {
	case err := <-s.exited:
		return fmt.Errorf("%s exited during the run (%v):\n%s", s.Name, err, tail(s.Log, 20))
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			return fmt.Errorf("%s: %v after SIGTERM:\n%s", s.Name, err, tail(s.Log, 20))
		}
		return nil
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("%s ignored SIGTERM for 15s: killed", s.Name)
	}
}

// FreeAddr is a loopback address whose port is free right now.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// tail is the last n lines of the file at path.
func tail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
