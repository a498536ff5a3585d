// Command mutants is the mutation check: it plants one small, plausible bug
// at a time in the crediting, statistics, stock, idempotency and ordering
// code, runs the tests that should catch it, and prints the score.
//
//	go run ./scripts/mutants                 # every mutant (a few minutes)
//	go run ./scripts/mutants -run 'cert|rollup'
//	go run ./scripts/mutants -list
//	go run ./scripts/mutants -check          # only: is every original text still there, once?
//
// Run it from the repository. The tree (untracked and uncommitted files
// included, .git left out) is copied once into a temp dir; each mutant is
// applied to that copy, its tests run there, and the file is put back. The
// working tree is never written. Tests run on SQLite only
// (SHANHAI_TEST_MYSQL and SHANHAI_TEST_REDIS are removed from their
// environment), one package at a time (go test -p 1), so two cores shared
// with others are not starved.
//
// A mutant is (file, exact original text, replacement, the go test packages
// and -run pattern that should kill it), listed in mutants.go. When code moves
// and the original text is no longer in the file, or is there more than once,
// the mutant is reported as such and the run fails: it never passes silently.
// Before the mutants, every test command runs once on the unmutated copy; a
// command that fails there makes every kill meaningless, so the run stops.
//
// Exit status: 0 when every mutant selected was killed, 1 otherwise.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"
)

// mutant is one planted bug.
type mutant struct {
	name string
	file string   // relative to the repository root
	from string   // the exact original text, found exactly once in file
	to   string   // what replaces it
	pkgs []string // go test packages, e.g. "./service/credit/"
	run  string   // go test -run pattern ("" for every test of pkgs)
	why  string   // the wrong number it would produce
}

// outcome of one mutant.
const (
	killed   = "killed"
	survived = "SURVIVED"
	notFound = "ORIGINAL TEXT NOT FOUND"
	ambig    = "ORIGINAL TEXT NOT UNIQUE"
	noBuild  = "DID NOT COMPILE"
)

func main() {
	var (
		runPat  = flag.String("run", "", "only the mutants whose name matches this regexp")
		list    = flag.Bool("list", false, "list the mutants and exit")
		keep    = flag.Bool("keep", false, "keep the temp copy of the tree")
		verbose = flag.Bool("v", false, "print the test output of every survivor")
		timeout = flag.Duration("timeout", 10*time.Minute, "go test -timeout of each run")
		skipBL  = flag.Bool("no-baseline", false, "skip running the test commands on the unmutated copy first")
		check   = flag.Bool("check", false, "only check that every mutant's original text is found once, run nothing")
	)
	flag.Parse()
	log.SetFlags(0)

	selected := mutants
	if *runPat != "" {
		re, err := regexp.Compile(*runPat)
		if err != nil {
			log.Fatalf("-run: %v", err)
		}
		selected = nil
		for _, m := range mutants {
			if re.MatchString(m.name) {
				selected = append(selected, m)
			}
		}
	}
	if *list {
		w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "MUTANT\tFILE\tTESTS\tWHY")
		for _, m := range selected {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.name, m.file, testSpec(m), m.why)
		}
		w.Flush()
		return
	}
	if len(selected) == 0 {
		log.Fatal("no mutant matches -run")
	}
	root, err := moduleRoot()
	if err != nil {
		log.Fatal(err)
	}
	if *check {
		bad := 0
		for _, m := range selected {
			res := "found once"
			b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(m.file)))
			switch n := strings.Count(string(b), m.from); {
			case err != nil || n == 0:
				res, bad = notFound, bad+1
			case n > 1:
				res, bad = ambig, bad+1
			}
			fmt.Printf("mutant %s: %s in %s\n", m.name, res, m.file)
		}
		if bad > 0 {
			os.Exit(1)
		}
		return
	}
	tmp, err := os.MkdirTemp("", "shanhai-mutants-")
	if err != nil {
		log.Fatal(err)
	}
	if *keep {
		log.Printf("the copy stays in %s", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	if err := copyTree(root, tmp); err != nil {
		log.Fatalf("copy the tree: %v", err)
	}
	start := time.Now()

	if !*skipBL {
		done := map[string]bool{}
		for _, m := range selected {
			spec := testSpec(m)
			if done[spec] {
				continue
			}
			done[spec] = true
			log.Printf("baseline: go test %s", spec)
			if out, err := goTest(tmp, m, *timeout); err != nil {
				os.Stderr.Write(out)
				log.Fatalf("baseline: go test %s fails on the unmutated tree (%v): fix it first", spec, err)
			}
		}
	}

	results := make([]string, len(selected))
	for i, m := range selected {
		results[i] = try(tmp, m, *timeout, *verbose)
		log.Printf("[%d/%d] %-32s %s", i+1, len(selected), m.name, results[i])
	}

	n := 0
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "\nMUTANT\tRESULT\tFILE\tTESTS")
	for i, m := range selected {
		if results[i] == killed {
			n++
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.name, results[i], m.file, testSpec(m))
	}
	w.Flush()
	fmt.Printf("\nscore: %d of %d mutants killed (%s)\n", n, len(selected), time.Since(start).Round(time.Second))
	for i, m := range selected {
		switch results[i] {
		case killed:
		case notFound, ambig:
			fmt.Printf("mutant %s: %s in %s: update its definition in scripts/mutants/mutants.go\n", m.name,
				strings.ToLower(results[i]), m.file)
		case noBuild:
			fmt.Printf("mutant %s: the replacement does not compile: fix its definition\n", m.name)
		default:
			fmt.Printf("mutant %s survived: %s\n", m.name, m.why)
		}
	}
	if n != len(selected) {
		os.Exit(1)
	}
}

// try applies m to the copy in dir, runs its tests and puts the file back.
func try(dir string, m mutant, timeout time.Duration, verbose bool) string {
	path := filepath.Join(dir, filepath.FromSlash(m.file))
	orig, err := os.ReadFile(path)
	if err != nil {
		log.Printf("mutant %s: %v", m.name, err)
		return notFound
	}
	switch strings.Count(string(orig), m.from) {
	case 0:
		return notFound
	case 1:
	default:
		return ambig
	}
	mutated := strings.Replace(string(orig), m.from, m.to, 1)
	if err := os.WriteFile(path, []byte(mutated), 0o644); err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			log.Fatal(err)
		}
	}()
	out, err := goTest(dir, m, timeout)
	switch {
	case err == nil:
		if verbose {
			os.Stdout.Write(out)
		}
		return survived
	case bytes.Contains(out, []byte("[build failed]")) || bytes.Contains(out, []byte("[setup failed]")):
		if verbose {
			os.Stdout.Write(out)
		}
		return noBuild
	}
	return killed
}

func testSpec(m mutant) string {
	s := strings.Join(m.pkgs, " ")
	if m.run != "" {
		s = "-run '" + m.run + "' " + s
	}
	return s
}

// goTest runs m's tests in dir on SQLite, one package at a time.
func goTest(dir string, m mutant, timeout time.Duration) ([]byte, error) {
	args := []string{"test", "-count=1", "-p", "1", "-timeout", timeout.String()}
	if m.run != "" {
		args = append(args, "-run", m.run)
	}
	args = append(args, m.pkgs...)
	ctx, cancel := context.WithTimeout(context.Background(), timeout+time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SHANHAI_TEST_MYSQL=") && !strings.HasPrefix(kv, "SHANHAI_TEST_REDIS=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// moduleRoot is the directory above the current one holding go.mod with
// "module shanhai".
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.HasPrefix(b, []byte("module shanhai\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the shanhai repository (no go.mod of module shanhai above here)")
		}
		dir = parent
	}
}

// copyTree copies the repository's files into dst, leaving out .git and
// local databases.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		for _, suffix := range []string{".db", ".db-wal", ".db-shm", ".test"} {
			if strings.HasSuffix(path, suffix) {
				return nil
			}
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(filepath.Join(dst, rel))
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
