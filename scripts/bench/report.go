package bench

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"
)

// Latencies are a run's request latencies, sorted.
type Latencies []time.Duration

// Pct is the p-th percentile (0 < p <= 100) by the nearest-rank method; 0
// without latencies.
func (l Latencies) Pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	return l[max(0, int(math.Ceil(p/100*float64(len(l))))-1)]
}

// Ms is d in milliseconds with decimals digits: "1.25 ms".
func Ms(d time.Duration, decimals int) string {
	return fmt.Sprintf("%.*f ms", decimals, float64(d)/float64(time.Millisecond))
}

// Reasons is "HTTP 503 ×3, EOF ×1", most frequent first.
func Reasons(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s ×%d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// Report prints results to W, as plain text or, with Markdown, as Markdown.
type Report struct {
	W        io.Writer
	Markdown bool
}

// Heading starts the report: "catalogue benchmark, <date and time>", or
// in Markdown "### Catalogue benchmark, <date>".
func (r Report) Heading(title string) {
	if r.Markdown {
		first, n := utf8.DecodeRuneInString(title)
		fmt.Fprintf(r.W, "### %c%s, %s\n\n", unicode.ToUpper(first), title[n:], time.Now().Format(time.DateOnly))
	} else {
		fmt.Fprintf(r.W, "\n%s, %s\n\n", title, time.Now().Format("2006-01-02 15:04"))
	}
}

// Line prints a line; a list item in Markdown.
func (r Report) Line(format string, args ...any) {
	if r.Markdown {
		fmt.Fprint(r.W, "- ")
	}
	fmt.Fprintf(r.W, format+"\n", args...)
}

// Table is a header and rows of cells.
type Table struct {
	Header []string
	Rows   [][]string
	// Right tells the columns Markdown aligns right; nil: none.
	Right func(col int) bool
}

// Add adds a row.
func (t *Table) Add(cells ...string) { t.Rows = append(t.Rows, cells) }

// Table prints t: columns aligned with spaces, or a Markdown table.
func (r Report) Table(t *Table) {
	if r.Markdown {
		fmt.Fprintln(r.W, "| "+strings.Join(t.Header, " | ")+" |")
		var sep strings.Builder
		sep.WriteString("|")
		for i := range t.Header {
			if t.Right != nil && t.Right(i) {
				sep.WriteString("---:|")
			} else {
				sep.WriteString("---|")
			}
		}
		fmt.Fprintln(r.W, sep.String())
		for _, row := range t.Rows {
			fmt.Fprintln(r.W, "| "+strings.Join(row, " | ")+" |")
		}
		return
	}
	tw := tabwriter.NewWriter(r.W, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Header, "\t")+"\t")
	for _, row := range t.Rows {
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
}
