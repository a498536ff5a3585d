package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestReadsRouting: reads go to a replica only while its last check found it
// within the lag bound; a dead or lagging replica is skipped; transactions,
// pinned contexts and callers who just wrote read from the primary.
func TestReadsRouting(t *testing.T) {
	dir := t.TempDir()
	primary, err := Open("sqlite:"+filepath.Join(dir, "p.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer primary.Close()
	rep, err := Open("sqlite:"+filepath.Join(dir, "r.db"), 1)
	if err != nil {
		t.Fatal(err)
	}
	r := NewReads(primary, []*Store{rep}, []string{"r:1"}, 2*time.Second)
	defer r.Close()
	var lag time.Duration
	var down error
	r.lagOf = func(context.Context, *Store) (time.Duration, error) { return lag, down }
	ctx := context.Background()

	if r.For(ctx) != primary {
		t.Fatal("before the first check, the primary answers")
	}
	r.Check(ctx)
	if r.For(ctx) != rep {
		t.Fatal("a replica within the bound answers")
	}
	if got := r.States(); len(got) != 1 || !got[0].InUse || got[0].Lag != 0 || got[0].Name != "r:1" {
		t.Fatalf("states %+v", got)
	}
	if r.For(Primary(ctx)) != primary {
		t.Fatal("a pinned context reads the primary")
	}
	_ = primary.InTx(ctx, func(tx context.Context) error {
		if r.For(tx) != primary {
			t.Error("a transaction reads the primary")
		}
		return nil
	})
	if r.For(r.ForUser(ctx, 7)) != rep {
		t.Fatal("a caller who did not write reads the replica")
	}
	r.Wrote(7)
	if r.For(r.ForUser(ctx, 7)) != primary {
		t.Fatal("a caller who just wrote reads the primary")
	}
	if r.For(r.ForUser(ctx, 8)) != rep {
		t.Fatal("another caller still reads the replica")
	}

	lag = 3 * time.Second
	r.Check(ctx)
	if r.For(ctx) != primary {
		t.Fatal("a replica over the bound is skipped")
	}
	if got := r.States(); got[0].InUse || got[0].Lag != 3*time.Second {
		t.Fatalf("states %+v", got)
	}
	lag, down = 0, errors.New("dead")
	r.Check(ctx)
	if r.For(ctx) != primary {
		t.Fatal("a dead replica is skipped")
	}
	if got := r.States(); got[0].InUse || got[0].Lag >= 0 {
		t.Fatalf("states %+v", got)
	}
	down = nil
	r.Check(ctx)
	if r.For(ctx) != rep {
		t.Fatal("a replica back within the bound answers again")
	}

	var none *Reads
	if none.For(ctx) != nil || NewReads(primary, nil, nil, time.Second).For(ctx) != primary {
		t.Fatal("without replicas the primary answers")
	}
}

func TestReplicaName(t *testing.T) {
	for dsn, want := range map[string]string{
		"mysql:root:pw@tcp(10.0.0.2:3306)/shanhai?parseTime=true": "10.0.0.2:3306",
		"mysql:root@tcp(db-r1)/x":                                 "db-r1",
	} {
		if got := replicaName(dsn); got != want {
			t.Errorf("%s: %s, want %s", dsn, got, want)
		}
	}
}
