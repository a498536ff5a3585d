package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"shanhai/model"
	"shanhai/model/store/storetest"
)

// The audit trail between two China dates, both whole days included, as a
// page or as a csv / xlsx file; a bad date or format is a 422 naming it.
func TestAuditRangeExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, b storetest.Backend) {
		h := newHarness(t, b)
		w := seedWorld(t, h)
		admin := w.token(t, model.RoleAdmin)
		china := func(s string) time.Time {
			v, err := time.ParseInLocation(time.DateTime, s, model.China)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		// entity ids tell the records apart; the edges of March 2026, China time
		for _, r := range []struct{ id, at string }{
			{"before", "2026-02-28 23:59:59"},
			{"first", "2026-03-01 00:00:00"},
			{"last", "2026-03-31 23:59:59"},
			{"after", "2026-04-01 00:00:00"},
		} {
			if err := h.store.AddAudit(context.Background(), &model.Audit{Action: "range.test", Entity: "rangetest",
				EntityID: r.id, Before: "null", After: `{"note":"=1+1"}`, Reason: "边界", RequestID: "req-" + r.id,
				CreatedAt: china(r.at).UTC()}); err != nil { // as NowFunc writes it
				t.Fatal(err)
			}
		}
		march := v1 + "/admin/audit?entity=rangetest&from=2026-03-01&to=2026-03-31"

		list := decode[page[auditBody]](t, h.call(t, http.MethodGet, march, admin, ""))
		var ids []string
		for _, a := range list.Items {
			ids = append(ids, a.EntityID)
		}
		if !slices.Equal(ids, []string{"last", "first"}) {
			t.Errorf("March, newest first: got %v, want [last first]", ids)
		}
		from := decode[page[auditBody]](t, h.call(t, http.MethodGet, v1+"/admin/audit?entity=rangetest&from=2026-04-01", admin, ""))
		if from.Total != 1 || from.Items[0].EntityID != "after" {
			t.Errorf("from April: %+v", from.Items)
		}

		res := h.call(t, http.MethodGet, march+"&format=csv", admin, "")
		if res.Status != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(res.Header.Get("Content-Disposition"), "shanhai-audit-2026-03-01-to-2026-03-31.csv") {
			t.Fatalf("csv: %d %v", res.Status, res.Header)
		}
		body, ok := bytes.CutPrefix(res.Body, []byte("\ufeff"))
		if !ok {
			t.Error("csv without a byte-order mark")
		}
		rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][0] != "id" || rows[1][5] != "first" || rows[2][5] != "last" {
			t.Fatalf("csv rows: %v", rows)
		}
		if rows[1][1] != "2026-03-01 00:00:00" || rows[1][6] != "边界" || rows[1][7] != "req-first" {
			t.Errorf("csv row: %v, want China time, reason and request id", rows[1])
		}
		if rows[1][9] != `{"note":"=1+1"}` {
			t.Errorf("after column %q", rows[1][9])
		}

		res = h.call(t, http.MethodGet, march+"&format=xlsx", admin, "")
		if res.Status != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
			t.Fatalf("xlsx: %d %v", res.Status, res.Header)
		}
		x, err := excelize.OpenReader(bytes.NewReader(res.Body))
		if err != nil {
			t.Fatalf("xlsx: %v", err)
		}
		sheet := x.GetSheetName(0)
		got, _ := x.GetRows(sheet)
		if len(got) != 3 || got[2][5] != "last" || got[2][1] != "2026-03-31 23:59:59" {
			t.Errorf("xlsx rows: %v", got)
		}

		for _, tc := range []struct{ query, field string }{
			{"from=2026-02-30", "from"},
			{"from=yesterday", "from"},
			{"to=2026-3-1", "to"},
			{"from=2026-03-02&to=2026-03-01", "to"},
			{"format=pdf", "format"},
		} {
			res := h.callBad(t, http.MethodGet, v1+"/admin/audit?"+tc.query, admin, "")
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), `"`+tc.field+`"`) {
				t.Errorf("%s: %d %s, want a 422 naming %s", tc.query, res.Status, res.Body, tc.field)
			}
		}
		// the export is the admins' as the trail is
		if res := h.call(t, http.MethodGet, march+"&format=csv", w.token(t, model.RoleOrgAdmin), ""); res.Status != http.StatusForbidden {
			t.Errorf("org admin export: %d", res.Status)
		}
	})
}
