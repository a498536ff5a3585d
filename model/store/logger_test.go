package store_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"shanhai/model"
	"shanhai/model/store"
)

// captured is a slog handler keeping each record with its context's request id.
type captured struct {
	mu   sync.Mutex
	recs []capturedRec
}

type capturedRec struct {
	level     slog.Level
	msg       string
	attrs     map[string]any
	requestID string
}

func (c *captured) Enabled(context.Context, slog.Level) bool { return true }
func (c *captured) WithAttrs([]slog.Attr) slog.Handler       { return c }
func (c *captured) WithGroup(string) slog.Handler            { return c }
func (c *captured) Handle(ctx context.Context, r slog.Record) error {
	rec := capturedRec{level: r.Level, msg: r.Message, attrs: map[string]any{}, requestID: model.RequestID(ctx)}
	r.Attrs(func(a slog.Attr) bool { rec.attrs[a.Key] = a.Value.Any(); return true })
	c.mu.Lock()
	c.recs = append(c.recs, rec)
	c.mu.Unlock()
	return nil
}

// A statement slower than the threshold is a warning with its SQL, its
// duration and the request id of the context it ran in.
func TestSlowSQLLogged(t *testing.T) {
	h := &captured{}
	old := slog.Default()
	defer slog.SetDefault(old)
	slog.SetDefault(slog.New(h))

	st, err := store.Open("sqlite:"+filepath.Join(t.TempDir(), "x.db"), 4)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	st.LogSQL(time.Nanosecond) // every statement is slow
	ctx := model.WithRequestID(context.Background(), "slow-req-1")
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Audits(ctx, model.AuditFilter{}, 1, 10); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range h.recs {
		if r.msg != "slow sql" {
			continue
		}
		sql, _ := r.attrs["sql"].(string)
		if r.level == slog.LevelWarn && r.requestID == "slow-req-1" && sql != "" && r.attrs["ms"] != nil {
			found = true
		}
	}
	if !found {
		t.Fatalf("no warn-level slow sql record with the SQL, ms and request id: %+v", h.recs)
	}

	// above a high threshold nothing is slow, and at info nothing is logged
	h.recs = nil
	st.LogSQL(time.Hour)
	if _, err := st.Audits(ctx, model.AuditFilter{}, 1, 10); err != nil {
		t.Fatal(err)
	}
	for _, r := range h.recs {
		if strings.Contains(r.msg, "sql") && r.level >= slog.LevelInfo {
			t.Errorf("logged under the threshold: %+v", r)
		}
	}
}
