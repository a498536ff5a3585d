package stats

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"shanhai/model"
)

// system is the caller of the command line: it sees everything.
var system = &model.User{Role: model.RoleAdmin, Username: "shanhai stats"}

// WriteText prints the per-pairing table of the query for the command
// line: aligned columns in yuan, then the not-credited totals by reason. It
// sees everything, as an admin does.
func (s *Service) WriteText(ctx context.Context, w io.Writer, q Query) error {
	r, err := s.Pairings(ctx, system, q)
	if err != nil {
		return err
	}
	return FormatText(w, r)
}

// FormatText prints r as WriteText does.
func FormatText(w io.Writer, r *PairingReport) error {
	title := fmt.Sprintf("山海 shanhai — 结对统计 %d", r.Year)
	switch {
	case r.From != "":
		title = fmt.Sprintf("山海 shanhai — 结对统计 %s – %s", r.From, r.To)
	case r.Month != 0:
		title += fmt.Sprintf("-%02d", r.Month)
	}
	if r.Programme != "" {
		title += " " + programmeNames[r.Programme]
	}
	rows := [][]string{{"pairing", "target", "credited", "county part", "direct", "assisted", "completion", "orders"}}
	for _, it := range r.Items {
		p := it.Pairing
		rows = append(rows, []string{
			fmt.Sprintf("#%d %s→%s (%s %s)", p.ID, p.Helper.Name, p.Partner.Name, p.Programme, p.Level),
			dash(optCents(it.TargetCents)), cents(it.CreditedCents), cents(it.CountyCents), cents(it.DirectCents),
			cents(it.AssistedCents), dash(ratio(it.Completion)), num(it.Orders)})
	}
	var b strings.Builder
	b.WriteString(title + " (amounts in yuan)\n\n")
	writeAligned(&b, rows)
	b.WriteString("\nnot credited\n")
	nc := [][]string{{"reason", "amount"}}
	for _, x := range r.NotCredited {
		nc = append(nc, []string{x.Reason + " " + reasonName(x.Reason), cents(x.Cents)})
	}
	nc = append(nc, []string{"total", cents(r.NotCreditedCents)})
	writeAligned(&b, nc)
	_, err := io.WriteString(w, b.String())
	return err
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeAligned pads the first column on the right and the others on the
// left, counting a CJK character as two columns, as terminals show them.
func writeAligned(b *strings.Builder, rows [][]string) {
	widths := map[int]int{}
	for _, row := range rows {
		for i, c := range row {
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, row := range rows {
		for i, c := range row {
			gap := strings.Repeat(" ", widths[i]-displayWidth(c))
			if i == 0 {
				b.WriteString(c + gap)
			} else {
				b.WriteString("  " + gap + c)
			}
		}
		b.WriteString("\n")
	}
}

func displayWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) ||
			(r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) ||
			(r >= 0xffe0 && r <= 0xffe6)) {
			n += 2
		} else {
			n++
		}
	}
	return n
}
