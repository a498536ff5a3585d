package api

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"shanhai/model/store"
)

type noOps struct{}

func (noOps) RollupBacklog(context.Context) (int64, error) { return 0, nil }
func (noOps) OldestOverdue(context.Context, time.Time) (time.Time, bool, error) {
	return time.Time{}, false, nil
}

// metricName finds the metric names in a PromQL expression: ours and the
// Go client's (go_*, process_*); label values in quotes are skipped.
var metricName = regexp.MustCompile(`\b(?:shanhai|go|process)_[a-zA-Z0-9_]+\b`)
var quoted = regexp.MustCompile(`"[^"]*"`)

// Every metric deploy/alerts.yml uses is one /metrics exports (a histogram's
// _bucket, _sum and _count included), and every rule is complete.
func TestAlertRulesUseExportedMetrics(t *testing.T) {
	st, err := store.Open("sqlite:"+filepath.Join(t.TempDir(), "x.db"), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := newMetrics(Deps{DB: st.DB(), Cache: func() (uint64, uint64, uint64) { return 0, 0, 0 }, Ops: noOps{},
		Build: BuildInfo{Version: "test"}, CreditedCents: func() int64 { return 0 }})
	exported := map[string]bool{}
	for _, n := range m.names() {
		exported[n] = true
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			exported[n+suffix] = true
		}
	}
	for _, n := range []string{"shanhai_build_info", "shanhai_rollup_backlog", "shanhai_sweeper_lag_seconds",
		"shanhai_orders_placed_total", "shanhai_credited_cents_total", "shanhai_http_requests_total", "go_sql_in_use_connections"} {
		if !exported[n] {
			t.Errorf("%s is not registered", n)
		}
	}

	b, err := os.ReadFile("../deploy/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				For         string            `yaml:"for"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.UnmarshalWithOptions(b, &doc, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	rules, used := 0, map[string]bool{}
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			rules++
			if r.Alert == "" || strings.TrimSpace(r.Expr) == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("rule %+v: want alert, expr, a severity label and a summary", r)
			}
			if r.For != "" {
				if _, err := time.ParseDuration(r.For); err != nil {
					t.Errorf("%s: for %q: %v", r.Alert, r.For, err)
				}
			}
			names := metricName.FindAllString(quoted.ReplaceAllString(r.Expr, `""`), -1)
			if len(names) == 0 && !strings.Contains(r.Expr, "up{") {
				t.Errorf("%s uses no metric: %s", r.Alert, r.Expr)
			}
			for _, n := range names {
				used[n] = true
				if !exported[n] {
					t.Errorf("%s uses %s, which /metrics does not export", r.Alert, n)
				}
			}
		}
	}
	if rules < 5 {
		t.Errorf("only %d rules", rules)
	}
	for _, n := range []string{"shanhai_rollup_backlog", "shanhai_sweeper_lag_seconds", "shanhai_http_requests_total"} {
		if !used[n] {
			t.Errorf("no rule on %s", n)
		}
	}
	if !slices.Contains(m.names(), "shanhai_build_info") {
		t.Error("no build info")
	}
}
