package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// tally counts what one scenario's load was told, attempt by attempt, and
// keeps every 5xx with its time so it can be set against the outage window.
type tally struct {
	requests, ok, c4xx, c5xx, c503, errs, timeouts atomic.Int64

	mu    sync.Mutex
	fives []fiveXX
	other map[string]int // 4xx by method path status code, for the log
	slow  []string       // the requests that ran into the client timeout
}

type fiveXX struct {
	start, end time.Time
	status     int
	jsonErr    bool // the body is {"error":{"code":...}}
	what       string
}

func newTally() *tally { return &tally{other: map[string]int{}} }

// client talks to the replicas round-robin and retries a request, with the
// same Idempotency-Key, on a network error or a 503.
type client struct {
	bases []string
	rr    atomic.Uint64
	http  *http.Client
	tally atomic.Pointer[tally]
	retry time.Duration // give up retrying after this long
}

func newClient(bases []string, timeout time.Duration) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = 256, 64
	c := &client{bases: bases, http: &http.Client{Timeout: timeout, Transport: tr}, retry: 40 * time.Second}
	c.tally.Store(newTally())
	return c
}

// errGaveUp is a request that still failed (network or 503) when retrying
// stopped.
var errGaveUp = errors.New("gave up retrying")

// call sends the request to the next replica, retrying on a network error
// or a 503 (to the next replica, same body, same key) for up to c.retry.
// out, when not nil, receives the 2xx body.
func (c *client) call(ctx context.Context, token, method, path string, body any, key string, out any) (int, []byte, error) {
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return 0, nil, err
		}
	}
	first := time.Now()
	for {
		base := c.bases[c.rr.Add(1)%uint64(len(c.bases))]
		status, resp, err := c.once(ctx, base, token, method, path, raw, key, true)
		if err == nil && status != http.StatusServiceUnavailable {
			if status/100 == 2 && out != nil {
				if err := json.Unmarshal(resp, out); err != nil {
					return status, resp, fmt.Errorf("%s %s: decode: %w", method, path, err)
				}
			}
			return status, resp, nil
		}
		if ctx.Err() != nil {
			return status, resp, ctx.Err()
		}
		if time.Since(first) > c.retry {
			return status, resp, fmt.Errorf("%s %s: %w (last: %d %v)", method, path, errGaveUp, status, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// once is one attempt against base; count says whether it goes in the tally.
func (c *client) once(ctx context.Context, base, token, method, path string, raw []byte, key string, count bool) (int, []byte, error) {
	var rd io.Reader
	if raw != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	t := c.tally.Load()
	start := time.Now()
	resp, err := c.http.Do(req)
	var b []byte
	if err == nil {
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !count {
		if err != nil {
			return 0, nil, err
		}
		return resp.StatusCode, b, nil
	}
	t.requests.Add(1)
	if err != nil {
		if ctx.Err() == nil {
			t.errs.Add(1)
			var ne interface{ Timeout() bool }
			if errors.As(err, &ne) && ne.Timeout() {
				t.timeouts.Add(1)
				t.mu.Lock()
				t.slow = append(t.slow, fmt.Sprintf("%s %s%s at %s", method, base, route(path), time.Now().Format("15:04:05.000")))
				t.mu.Unlock()
			}
		}
		return 0, nil, err
	}
	switch s := resp.StatusCode; {
	case s/100 == 2:
		t.ok.Add(1)
	case s/100 == 4:
		t.c4xx.Add(1)
		t.mu.Lock()
		t.other[fmt.Sprintf("%s %s %d %s", method, route(path), s, errCode(b))]++
		t.mu.Unlock()
	default:
		t.c5xx.Add(1)
		if s == http.StatusServiceUnavailable {
			t.c503.Add(1)
		}
		t.mu.Lock()
		t.fives = append(t.fives, fiveXX{start: start, end: time.Now(), status: s, jsonErr: errCode(b) != "",
			what: fmt.Sprintf("%s %s%s → %d %.200s (X-Request-ID %s, after %d ms)", method, base, path, s, b,
				resp.Header.Get("X-Request-ID"), time.Since(start).Milliseconds())})
		t.mu.Unlock()
	}
	return resp.StatusCode, b, nil
}

// errCode is the code of an error body, "" when the body is not one.
func errCode(b []byte) string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil {
		return ""
	}
	return e.Error.Code
}

// route folds ids out of a path, for grouping 4xx in the log.
func route(path string) string {
	var out []byte
	digits := false
	for i := 0; i < len(path); i++ {
		ch := path[i]
		if ch == '?' {
			break
		}
		if ch >= '0' && ch <= '9' {
			if !digits {
				out = append(out, '#')
			}
			digits = true
			continue
		}
		digits = false
		out = append(out, ch)
	}
	return string(out)
}
