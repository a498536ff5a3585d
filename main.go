// Command shanhai is the consumption-assistance mall backend. `shanhai help`
// lists its commands (the command line is parsed at the end of this file).
//
// main.go is the wiring (config → database → redis → store → cache layer →
// services → router → serve) and the command line; the rules live below it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/term"

	"shanhai/api"
	"shanhai/config"
	"shanhai/model"
	"shanhai/model/blobdir"
	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/service/account"
	"shanhai/service/audit"
	"shanhai/service/catalog"
	"shanhai/service/credit"
	"shanhai/service/demo"
	"shanhai/service/geo"
	"shanhai/service/imports"
	"shanhai/service/media"
	"shanhai/service/order"
	"shanhai/service/org"
	"shanhai/service/payment"
	"shanhai/service/procure"
	"shanhai/service/record"
	"shanhai/service/register"
	"shanhai/service/stats"
	"shanhai/service/stock"
)

// loadDemo loads the demo data when the configuration asks for it (by default
// only when SHANHAI_DB is not set at all) and the database has no user yet. Its
// accounts share a published password, so the log says so loudly.
func loadDemo(ctx context.Context, cfg *config.Config, st *store.Store) (bool, error) {
	if !cfg.Demo {
		return false, nil
	}
	loaded, err := demo.Load(ctx, st, time.Now())
	if err != nil {
		return false, fmt.Errorf("demo data: %w", err)
	}
	if !loaded {
		slog.Info("demo data not loaded: the database already has users or demo data")
		return false, nil
	}
	slog.Warn("DEMO DATA LOADED: demo accounts (among them the admin \"admin\") share the published password " +
		"\"shanhai-demo\"; never keep real data in this database. Set SHANHAI_DB for a real install " +
		"(demo data is then off) and create the first admin with SHANHAI_BOOTSTRAP_ADMIN or `shanhai user add`.")
	return true, nil
}

// newMedia is the media service over the blob store SHANHAI_BLOBS names.
func newMedia(cfg *config.Config, st *store.Store, changed media.Changed) (*media.Service, error) {
	blobs, err := blobStore(cfg, st)
	if err != nil {
		return nil, err
	}
	return media.New(st, blobs, changed, media.CacheBytes), nil
}

// blobStore is the blob store SHANHAI_BLOBS names: the database, or a directory.
func blobStore(cfg *config.Config, st *store.Store) (media.Blobs, error) {
	if dir, ok := strings.CutPrefix(cfg.Blobs, "dir:"); ok {
		d, err := blobdir.New(dir)
		if err != nil {
			return nil, fmt.Errorf("SHANHAI_BLOBS: %w", err)
		}
		return d, nil
	}
	return st, nil
}

// bootstrapAdmin creates SHANHAI_BOOTSTRAP_ADMIN's admin when no admin exists.
func bootstrapAdmin(ctx context.Context, cfg *config.Config, accounts *account.Service) error {
	if cfg.BootstrapAdmin == "" {
		return nil
	}
	user, pass, _ := strings.Cut(cfg.BootstrapAdmin, ":")
	created, err := accounts.Bootstrap(ctx, user, pass)
	if err != nil {
		return fmt.Errorf("SHANHAI_BOOTSTRAP_ADMIN: %w", err)
	}
	slog.Info("bootstrap admin", "username", user, "created", created)
	return nil
}

func serve() error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	go func() {
		// after the first signal, a second one ends the process at once
		<-ctx.Done()
		stop()
	}()
	a, err := build(ctx, cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		a.close()
		return err
	}
	return a.run(ctx, ln)
}

// app is a built shanhai: the router and what it needs, kept so that a stop
// can take it down in order (drain, listener, workers, then Redis and the
// database).
type app struct {
	cfg     *config.Config
	handler *gin.Engine
	// draining makes /readyz answer 503 from the moment a stop begins.
	draining atomic.Bool
	// stopWorkers tells the background workers to stop; workers is closed
	// once every one of them has returned.
	stopWorkers context.CancelFunc
	workers     chan struct{}
	// closers run in reverse order after the workers stopped (the database
	// last).
	closers []func() error
	// step, when set (tests), hears each stage of a stop as it happens.
	step func(string)
	// drainWait waits out the drain period; a test replaces it.
	drainWait func(context.Context)
}

// build wires everything: config → database → redis → store → cache layer →
// services → router, and starts the background workers.
func build(ctx context.Context, cfg *config.Config) (a *app, err error) {
	a = &app{cfg: cfg, workers: make(chan struct{})}
	a.drainWait = func(context.Context) { time.Sleep(cfg.Drain) }
	built := a // a is nil once an error is returned
	defer func() {
		if err != nil {
			built.close()
		}
	}()
	// Tracing only when OTEL_EXPORTER_OTLP_ENDPOINT is set; otherwise no
	// hook, callback or middleware is installed at all. Its provider closes
	// last, flushing the spans of the stop itself.
	var tp trace.TracerProvider
	if cfg.OTLPEndpoint != "" {
		sdk, err := newTracing(ctx, cfg.OTLPEndpoint)
		if err != nil {
			return nil, err
		}
		a.onClose("tracing", func() error {
			flush, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return sdk.Shutdown(flush)
		})
		tp = sdk
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a.onClose("database", st.Close)
	// Read replicas (SHANHAI_DB_READ) serve the statistics and the
	// catalogue's pages and lists while they keep up; nothing that decides
	// stock, money, credit or authorization reads from them.
	reads, err := store.OpenReads(st, cfg.DBRead, cfg.DBMaxOpen, cfg.DBReadMaxLag)
	if err != nil {
		return nil, err
	}
	if len(cfg.DBRead) > 0 {
		a.onClose("read replicas", reads.Close)
	}
	if tp != nil {
		if err := st.Trace(tp); err != nil {
			return nil, err
		}
	}
	demoLoaded, err := loadDemo(ctx, cfg, st)
	if err != nil {
		return nil, err
	}

	deps := api.Deps{
		Checks: map[string]func(context.Context) error{
			"database": st.Ready,
			// from SIGTERM on, load balancers are told to send no more
			"accepting": func(context.Context) error {
				if a.draining.Load() {
					return errors.New("shutting down")
				}
				return nil
			},
		},
		DB:             st.DB(),
		CatalogDBReads: st,

		TrustedProxies: cfg.TrustedProxies,
		Build:          api.BuildInfo{Version: buildVersion(), Revision: vcsRevision()},
		Ops:            st,
		Tracer:         tp,
	}
	// Catalogue reads and the writes that change them go through the cache
	// layer when Redis is configured; everything else goes to the store.
	var catalogStore interface {
		catalog.Reads
		catalog.Writes
		geo.Pairings
	} = st
	var writers *cache.Writers // who wrote lately, for every process
	if len(cfg.DBRead) > 0 {
		// With Redis the cache layer fills from the primary instead: a fill
		// from a replica just after an invalidation would keep the old page.
		catalogStore = catalogReads{Store: st, reads: reads}
	}
	var stockMover cache.StockMover = st
	var imagesChanged media.Changed // the cache layer's, when there is one
	counter := account.Fallback{Local: account.NewMemory()}
	// Statistics answers are cached in Redis when there is one; the ledger
	// moves the cache's generation after each rollup batch.
	statsCache := cache.NewStats(nil)
	if cfg.Redis != "" {
		cache.LogToSlog()
		rdb, err := cache.NewClient(cfg.Redis)
		if err != nil {
			return nil, err
		}
		a.onClose("redis", rdb.Close)
		if tp != nil {
			cache.Trace(rdb, tp)
		}
		cached := cache.New(st, rdb, cache.Options{})
		a.onClose("cache", cached.Close) // stops the invalidation subscriber, before rdb closes
		catalogStore = cached
		deps.Checks["redis"] = cached.Ping
		deps.Cache = cached.Stats
		counter.Primary = cache.NewCounter(rdb)
		statsCache = cache.NewStats(rdb)
		writers = cache.NewWriters(rdb)
		stockMover = cached.Stock(st)
		imagesChanged = cached.ImagesChanged
		if err := cached.Ping(ctx); err != nil {
			slog.Warn("redis is not answering; serving from the database until it does", "err", err.Error())
		}
	}
	if len(cfg.DBRead) > 0 {
		deps.Replicas = readReplicas{Reads: reads, writers: writers}
	}
	// The user behind each token is read through a 2 s in-process cache;
	// user changes go through it too, so this replica drops them at once.
	users := userCached{Store: st, users: cache.NewUsers(st)}
	// stock.Service is the one owner of on-hand and reserved: supplier
	// adjustments and orders both move units through it.
	stk := stock.New(stockMover, st, cfg.SKUCap)
	stk.SetHoldShare(cfg.HoldShare)
	deps.Catalog = catalog.New(catalogStore, st, catalogStore, stk)
	if deps.Media, err = newMedia(cfg, st, imagesChanged); err != nil {
		return nil, err
	}
	deps.Accounts = account.New(users, cfg.JWTSecret, counter, cfg.RateLogin)
	deps.Accounts.SetSessions(cfg.AccessTTL, cfg.RefreshTTL)
	sms, err := account.NewProvider(cfg.SMS, cfg.SMSSecret)
	if err != nil {
		return nil, err
	}
	deps.Accounts.SetSMS(sms)
	if sms == nil {
		slog.Warn("no SMS provider (SHANHAI_SMS): sign-up by mobile number answers 503 sms_unavailable")
	}
	deps.Orgs = org.New(users)
	deps.Geo = geo.New(st, catalogStore)
	deps.Audit = audit.New(st)
	// Sales credited to a pairing are counted in process as their
	// transaction commits (shanhai_credited_cents_total), with no query.
	credited := creditCounted{Store: st, cents: new(atomic.Int64)}
	deps.CreditedCents = credited.cents.Load
	deps.Ledger = credit.New(credited, statsCache)
	// The certified-product register holds the mall's certifications too;
	// off-platform records are credited in the same ledger.
	deps.Register = register.New(registerStore{Store: st, writes: catalogStore})
	deps.Catalog.SetRegister(deps.Register)
	scans, err := blobStore(cfg, st)
	if err != nil {
		return nil, err
	}
	deps.Records = record.New(st, scans, deps.Ledger)
	// Bulk imports are worked in every replica, in chunks claimed with a lease.
	host, _ := os.Hostname()
	deps.Imports = imports.New(st, deps.Records, deps.Register, imports.DefaultLimits, fmt.Sprintf("%s:%d", host, os.Getpid()))
	deps.Years = credit.NewYears(st)
	// Invoice scans are private blobs, kept where the record scans are.
	deps.Procure = procure.New(procureStore{Store: st, blobs: scans})
	// Regions and pairings are read at most once a second per replica, for
	// the statistics' scopes and each order line's pairing preview.
	geography := cache.NewGeography(st, time.Second)
	deps.Stats = stats.New(statsReads{Store: st, reads: reads}, statsCache, geography)
	deps.Orders = order.New(st, geography, stk, deps.Ledger, payment.NewSandbox(cfg.PaymentSecret), counter, order.Limits{
		UnpaidTTL: cfg.UnpaidTTL, OrgUnpaidTTL: cfg.OrgUnpaidTTL, ApprovalTTL: cfg.ApprovalTTL,
		AutoAccept: cfg.AutoAccept, ReturnWindow: cfg.ReturnWindow, ReturnAutoApprove: cfg.ReturnAutoApprove,
		RateOrders: cfg.RateOrders,
	})
	batch, err := orderBatch(ctx, cfg, st)
	if err != nil {
		return nil, err
	}
	deps.Orders.SetBatch(batch)
	if demoLoaded {
		// Demo products get generated image tiles; without them the
		// catalogue still works.
		if n, err := demo.Images(ctx, st, deps.Media); err != nil {
			slog.Warn("demo images not made", "err", err.Error())
		} else {
			slog.Info("demo images", "made", n)
		}
		// The demo's first day of trade, so the statistics show figures; a
		// failure leaves the catalogue as it is and the mall still starts.
		if n, err := demo.Orders(ctx, st, deps.Orders, deps.Ledger, time.Now()); err != nil {
			slog.Warn("demo orders not placed", "err", err.Error())
		} else {
			slog.Info("demo orders", "placed", n)
		}
		// The off-platform records officials count most of all.
		if n, err := demo.Records(ctx, st, deps.Records, time.Now()); err != nil {
			slog.Warn("demo records not written", "err", err.Error())
		} else {
			slog.Info("demo records", "verified", n)
		}
	}
	if err := bootstrapAdmin(ctx, cfg, deps.Accounts); err != nil {
		return nil, err
	}

	// The workers run until a stop tells them to, not until the signal: the
	// requests still in flight after it may need them.
	workCtx, stopWorkers := context.WithCancel(context.WithoutCancel(ctx))
	a.stopWorkers = stopWorkers
	a.startWorkers(workCtx, map[string]func(context.Context){
		// Deadlines are swept in every replica; each step is a compare-and-set.
		"order timers": func(ctx context.Context) { deps.Orders.RunTimers(ctx, time.Second) },
		// The rollups are fed in every replica; each entry is counted once.
		"rollups": func(ctx context.Context) { deps.Ledger.Run(ctx, time.Second) },
		// Import jobs are worked in every replica; each chunk is claimed with a lease.
		"imports": func(ctx context.Context) { deps.Imports.Run(ctx, time.Second) },
		// Each replica's lag is checked every second (none: returns at once).
		"read replicas": reads.Run,
		// Orders are priced from in-memory copies of the catalogue: read them
		// now rather than one order at a time.
		"catalogue copies": func(ctx context.Context) {
			start := time.Now()
			n, err := deps.Orders.WarmCatalogue(ctx)
			if err != nil {
				slog.Warn("catalogue copies not read", "err", err.Error())
				return
			}
			slog.Info("catalogue copies read", "skus", n, "ms", time.Since(start).Milliseconds())
		},
	})
	a.handler = api.New(deps)
	return a, nil
}

// newTracing is the OpenTelemetry provider exporting over OTLP/HTTP to
// endpoint (OTEL_EXPORTER_OTLP_ENDPOINT, the spans going to its /v1/traces;
// the exporter reads the other OTEL_EXPORTER_OTLP_* variables, headers and
// timeouts, itself), as service "shanhai" unless OTEL_SERVICE_NAME says
// otherwise.
func newTracing(ctx context.Context, endpoint string) (*sdktrace.TracerProvider, error) {
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(strings.TrimRight(endpoint, "/")+"/v1/traces"))
	if err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	name := "shanhai"
	if v := os.Getenv("OTEL_SERVICE_NAME"); v != "" {
		name = v
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", name), attribute.String("service.version", buildVersion())))
	if err != nil {
		return nil, err
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { slog.Warn("tracing", "err", err.Error()) }))
	slog.Info("tracing on", "endpoint", endpoint)
	return sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)), nil
}

// onClose adds a resource to close after the workers stopped; the last
// added is closed first.
func (a *app) onClose(name string, close func() error) {
	a.closers = append(a.closers, func() error {
		err := close()
		a.report(name + " closed")
		return err
	})
}

// startWorkers runs each worker in its goroutine; a.workers is closed when
// all have returned.
func (a *app) startWorkers(ctx context.Context, workers map[string]func(context.Context)) {
	var wg sync.WaitGroup
	for name, run := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(ctx)
			slog.Debug("worker stopped", "worker", name)
		}()
	}
	go func() {
		wg.Wait()
		close(a.workers)
	}()
}

func (a *app) report(step string) {
	slog.Info("shutdown", "step", step)
	if a.step != nil {
		a.step(step)
	}
}

// close stops the workers (if any started), waits for them, then closes
// Redis and the database.
func (a *app) close() error {
	if a.stopWorkers != nil {
		a.stopWorkers()
		<-a.workers
		a.report("workers stopped")
	}
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	return errors.Join(errs...)
}

// run serves on ln until ctx is done (SIGTERM), then stops in order: /readyz
// answers 503 for the drain period so load balancers take this replica out;
// the listener closes and requests in flight finish (bounded by the
// shutdown timeout); the workers stop and are waited for; Redis and the
// database close last.
func (a *app) run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() {
		slog.Info("listening", "addr", ln.Addr().String())
		errc <- srv.Serve(ln)
	}()
	var serveErr error
	select {
	case serveErr = <-errc:
	case <-ctx.Done():
		a.draining.Store(true)
		a.report("draining")
		a.drainWait(context.Background())
		shutCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		a.report("listener closing")
		if err := srv.Shutdown(shutCtx); err != nil {
			serveErr = fmt.Errorf("shutdown: requests still running after %s: %w", a.cfg.ShutdownTimeout, err)
		}
		cancel()
		a.report("requests finished")
	}
	return errors.Join(serveErr, a.close())
}

// creditCounted is the store as the ledger sees it, adding the cents of the
// sales it credits to a pairing (acceptances only: returns and corrections
// move credit, they do not make new sales) once their transaction commits.
type creditCounted struct {
	*store.Store
	cents *atomic.Int64
}

func (c creditCounted) AddCredits(ctx context.Context, entries []*model.Credit) error {
	if err := c.Store.AddCredits(ctx, entries); err != nil {
		return err
	}
	var sum int64
	for _, e := range entries {
		if e.Source == model.SourceAcceptance && e.Credited() && e.AmountCents > 0 {
			sum += e.AmountCents
		}
	}
	if sum > 0 {
		c.Store.AfterCommit(ctx, func() { c.cents.Add(sum) })
	}
	return nil
}

// userCached is the store with its user read and user writes going through
// the user cache (model/cache.Users).
type userCached struct {
	*store.Store
	users *cache.Users
}

func (u userCached) User(ctx context.Context, id int64) (*model.User, error) {
	return u.users.User(ctx, id)
}

func (u userCached) UpdateUser(ctx context.Context, id int64, p model.UserPatch) error {
	return u.users.UpdateUser(ctx, id, p)
}

// ---------------------------------------------------------------- the command line

// The command line: every command answers -h/--help (exit 0), refuses
// unknown flags and arguments before doing anything (exit 2), writes its
// result on standard output and its logs on standard error (serve logs on
// standard output, as a service's log stream).

// version is set at build time (-ldflags "-X main.version=..."); without it
// the VCS revision Go embeds is shown.
var version = "dev"

func buildVersion() string {
	if version != "dev" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return version
	}
	var rev, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev == "" {
		return version
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	return "dev-" + rev + dirty
}

// vcsRevision is the commit Go embedded at build time ("" when unknown,
// e.g. a Docker build without .git: pass -X main.version instead).
func vcsRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" {
			return s.Value
		}
	}
	return ""
}

// command is one of shanhai's commands.
type command struct {
	name  string // as typed: "serve", "user add", "migrate status"
	args  string // what follows the name, for the usage line
	about string
	run   func(args []string) error
}

// commands is filled in init: the commands' own usage refers back to it.
var commands []command

func init() {
	commands = []command{
		{"serve", "", "run the HTTP API (migrates first; demo data only when SHANHAI_DB is not set)", serveCommand},
		{"migrate", "", "apply the database migrations and exit", migrateCommand},
		{"migrate status", "", "list the migrations, applied or pending, without applying any", migrateStatusCommand},
		{"user add", "-username NAME [-role ROLE] [-org ID] [-supplier ID] [-region CODE] < password", "create a user (the password from standard input, not echoed on a terminal)", userAddCommand},
		{"stats", "[-year YYYY] [-month M]", "print the per-pairing statistics and the not-credited totals", statsCommand},
		{"rollup rebuild", "", "recompute every statistics rollup from the ledger; report and correct differences", rollupCommand},
		{"search rebuild", "", "add every product's missing catalogue search grams (after a rolling upgrade across migration 0045)", searchCommand},
		{"healthcheck", "[-url URL]", "exit 0 when the server on SHANHAI_ADDR answers /readyz with 200 (for container health checks)", healthcheckCommand},
		{"version", "", "print the version", versionCommand},
		{"help", "", "this list", nil},
	}
}

// usageError is a command line shanhai does not understand: exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: shanhai [command] [flags]   (no command: serve)")
	fmt.Fprintln(w)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.about)
		if c.args != "" {
			fmt.Fprintf(w, "  %-16s   %s %s\n", "", c.name, c.args)
		}
	}
	fmt.Fprintln(w, "\nconfiguration: SHANHAI_* environment variables (README.md); every command takes -h")
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		args = []string{"serve"}
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return 0
	}
	cmd, rest := find(args)
	if cmd == nil {
		fmt.Fprintf(stderr, "shanhai: unknown command %q\n\n", strings.Join(args, " "))
		printUsage(stderr)
		return 2
	}
	logOutput = stdout
	if cmd.name != "serve" {
		// results go to stdout; logs, the configuration line among them, not
		logOutput = stderr
	}
	slog.SetDefault(newLogger(logOutput, "json", slog.LevelInfo))
	err := cmd.run(rest)
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "shanhai %s: %s\nusage: shanhai %s %s\n", cmd.name, ue.msg, cmd.name, cmd.args)
		return 2
	default:
		fmt.Fprintln(stderr, "shanhai:", err)
		return 1
	}
}

// find is the command args name: the longest name made of the first words.
func find(args []string) (*command, []string) {
	for n := min(2, len(args)); n >= 1; n-- {
		name := strings.Join(args[:n], " ")
		for i := range commands {
			if commands[i].name == name && commands[i].run != nil {
				return &commands[i], args[n:]
			}
		}
	}
	return nil, nil
}

// parse parses a command's flags: -h prints its usage on stdout
// (flag.ErrHelp, exit 0); a bad flag or any argument left over is a
// usageError, before anything runs.
func parse(name string, fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(os.Stdout)
		for _, c := range commands {
			if c.name == name {
				fmt.Printf("usage: shanhai %s %s\n%s\n", c.name, c.args, c.about)
			}
		}
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// noFlags is parse for a command that takes nothing.
func noFlags(name string, args []string) error {
	return parse(name, flag.NewFlagSet(name, flag.ContinueOnError), args)
}

// logOutput is where the command's logs go (standard output for serve).
var logOutput io.Writer = os.Stderr

// newLogger is the log stream: JSON (or text) lines at level and above, each
// logged with a request's context carrying its request id.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "text" {
		return slog.New(api.LogHandler(slog.NewTextHandler(w, opts)))
	}
	return slog.New(api.LogHandler(slog.NewJSONHandler(w, opts)))
}

func loadConfig() (*config.Config, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	slog.SetDefault(newLogger(logOutput, cfg.LogFormat, cfg.LogLevel))
	slog.Info("config", "version", buildVersion(), "config", cfg)
	for _, w := range cfg.Warnings {
		slog.Warn(w)
	}
	return cfg, nil
}

// orderBatch is the group commit's batch size: SHANHAI_ORDER_BATCH, or
// unset order.DefaultBatch, except on a Galera node, where a batch's
// transaction fails certification against the other nodes' writes and is
// retried whole (off: each placement in its own transaction).
func orderBatch(ctx context.Context, cfg *config.Config, st *store.Store) (int, error) {
	if cfg.OrderBatch != config.AutoOrderBatch {
		return cfg.OrderBatch, nil
	}
	galera, err := st.Galera(ctx)
	if err != nil {
		return 0, fmt.Errorf("group commit: is the database a Galera node? %w", err)
	}
	if galera {
		slog.Info("group commit of placements off: the database is a Galera node (SHANHAI_ORDER_BATCH unset)")
		return 0, nil
	}
	return order.DefaultBatch, nil
}

// openStore opens and migrates the database.
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(cfg.DB, cfg.DBMaxOpen)
	if err != nil {
		return nil, err
	}
	st.LogSQL(cfg.SlowSQL)
	st.SetCatalogReadLimit(cfg.CatalogDBReads)
	n, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	slog.Info("database migrated", "dialect", st.Dialect(), "applied", n)
	return st, nil
}

// withStore runs a command against the configured database, opened and
// migrated, and closes it after.
func withStore(run func(ctx context.Context, cfg *config.Config, st *store.Store) error) error {
	return withStoreOf(func(*config.Config) {}, run)
}

// withStoreOf is withStore with the configuration adjusted first.
func withStoreOf(adjust func(*config.Config), run func(ctx context.Context, cfg *config.Config, st *store.Store) error) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	adjust(cfg)
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(ctx, cfg, st)
}

func serveCommand(args []string) error {
	if err := noFlags("serve", args); err != nil {
		return err
	}
	return serve()
}

func versionCommand(args []string) error {
	if err := noFlags("version", args); err != nil {
		return err
	}
	fmt.Println("shanhai", buildVersion())
	return nil
}

func migrateCommand(args []string) error {
	if err := noFlags("migrate", args); err != nil {
		return err
	}
	return withStore(func(context.Context, *config.Config, *store.Store) error { return nil })
}

// migrateStatusCommand lists every migration of the database's dialect and
// whether it is applied; it applies nothing.
func migrateStatusCommand(args []string) error {
	if err := noFlags("migrate status", args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	st, err := store.Open(cfg.DB, cfg.DBMaxOpen)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.MigrationStatus(context.Background())
	if err != nil {
		return err
	}
	pending := 0
	for _, m := range list {
		state := "applied " + m.AppliedAt
		if m.AppliedAt == "" {
			state, pending = "pending", pending+1
		}
		fmt.Printf("%04d  %-32s %s\n", m.Version, m.Name, state)
	}
	fmt.Printf("%d migrations, %d pending\n", len(list), pending)
	return nil
}

// userAddCommand is `shanhai user add`, the password read from standard
// input so it stays out of the shell history and the process list; on a
// terminal it is not echoed.
func userAddCommand(args []string) error {
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	username := fs.String("username", "", "login name")
	role := fs.String("role", model.RoleAdmin, "role: "+strings.Join(model.Roles, ", "))
	org := fs.Int64("org", 0, "org id (buyer, approver, org_admin)")
	supplier := fs.Int64("supplier", 0, "supplier id (supplier)")
	region := fs.String("region", "", "region code (officer scope; a consumer's own region)")
	if err := parse("user add", fs, args); err != nil {
		return err
	}
	if *username == "" {
		return usageError{"-username is required"}
	}
	password, err := readPassword(os.Stdin, os.Stderr)
	if err != nil {
		return err
	}
	in := account.NewUser{Username: *username, Password: password, Role: *role}
	if *org != 0 {
		in.OrgID = org
	}
	if *supplier != 0 {
		in.SupplierID = supplier
	}
	if *region != "" {
		in.RegionCode = region
	}
	return withStore(func(ctx context.Context, cfg *config.Config, st *store.Store) error {
		u, err := account.New(st, cfg.JWTSecret, nil, 0).Provision(ctx, in)
		if err != nil {
			return err
		}
		fmt.Printf("created user %d %s (%s)\n", u.ID, u.Username, u.Role)
		return nil
	})
}

// readPassword reads one line: without echo from a terminal, as is from a
// pipe.
func readPassword(in *os.File, prompt io.Writer) (string, error) {
	if term.IsTerminal(int(in.Fd())) {
		fmt.Fprint(prompt, "password: ")
		b, err := term.ReadPassword(int(in.Fd()))
		fmt.Fprintln(prompt)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// rollupCommand is `shanhai rollup rebuild`: every rollup recomputed from
// the ledger; differences are corrected and reported. Safe while replicas run.
func rollupCommand(args []string) error {
	if err := noFlags("rollup rebuild", args); err != nil {
		return err
	}
	// its statements over a large ledger outlast the server's 30 s read timeout
	longStatements := func(cfg *config.Config) { cfg.DB = store.LongStatements(cfg.DB) }
	return withStoreOf(longStatements, func(ctx context.Context, cfg *config.Config, st *store.Store) error {
		// answers cached before the rebuild are dropped when it corrects anything
		moved := cache.NewStats(nil)
		if cfg.Redis != "" {
			rdb, err := cache.NewClient(cfg.Redis)
			if err != nil {
				return err
			}
			defer rdb.Close()
			moved = cache.NewStats(rdb)
		}
		rep, err := credit.New(st, moved).Rebuild(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("ledger entries counted: %d (still pending for a worker: %d)\n", rep.Entries, rep.Pending)
		fmt.Printf("rollup rows compared: %d; rows that differed and were corrected: %d\n", rep.Rows, rep.Corrected)
		for _, d := range rep.Diffs {
			fmt.Println("  corrected:", d)
		}
		return nil
	})
}

// searchCommand is `shanhai search rebuild`: the search grams of every
// product's text that the index lacks are added (a product a replica of an
// older release wrote has none). Grams the text no longer holds only make a
// product a candidate that the search's exact match then drops. Safe while
// replicas run.
func searchCommand(args []string) error {
	if err := noFlags("search rebuild", args); err != nil {
		return err
	}
	return withStore(func(ctx context.Context, _ *config.Config, st *store.Store) error {
		if err := st.RebuildSearchIndex(ctx); err != nil {
			return err
		}
		fmt.Println("search index: every product's grams are present")
		return nil
	})
}

// statsCommand is `shanhai stats -year 2026 [-month 3]`: the per-pairing
// table on standard output.
func statsCommand(args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	year := fs.Int("year", time.Now().In(model.China).Year(), "year (China time)")
	month := fs.Int("month", 0, "month 1-12 (default: the whole year)")
	programme := fs.String("programme", "", "east_west or mountain_sea (default: both)")
	if err := parse("stats", fs, args); err != nil {
		return err
	}
	q := stats.Query{Period: stats.Period{Year: *year, Month: *month}, Programme: *programme}
	return withStore(func(ctx context.Context, _ *config.Config, st *store.Store) error {
		return stats.New(st, nil, st).WriteText(ctx, os.Stdout, q)
	})
}

// healthcheckCommand asks the server on SHANHAI_ADDR (or -url) for /readyz;
// exit 0 on 200, 1 otherwise. It reads no other configuration, so it works
// in a container whatever else is set.
func healthcheckCommand(args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	url := fs.String("url", "", "readiness URL (default: /readyz on SHANHAI_ADDR, loopback)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := parse("healthcheck", fs, args); err != nil {
		return err
	}
	if *url == "" {
		*url = readyURL(os.Getenv("SHANHAI_ADDR"))
	}
	client := &http.Client{Timeout: *timeout}
	res, err := client.Get(*url)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", *url, res.Status)
	}
	fmt.Println("ready")
	return nil
}

// readyURL is /readyz on the listen address, reached over loopback when the
// address listens on every interface.
func readyURL(addr string) string {
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr + "/readyz"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/readyz"
}

// registerStore is the register's database, revoking certifications through
// the catalogue's cache layer so the products' pages drop them.
// procureStore is the database, with blobs in the configured blob store.
type procureStore struct {
	*store.Store
	blobs media.Blobs
}

func (p procureStore) PutBlob(ctx context.Context, b model.Blob) error {
	return p.blobs.PutBlob(ctx, b)
}

func (p procureStore) Blob(ctx context.Context, class, hash string) (*model.Blob, error) {
	return p.blobs.Blob(ctx, class, hash)
}

type registerStore struct {
	*store.Store
	writes interface {
		RevokeCertification(ctx context.Context, productID int64) error
	}
}

func (r registerStore) RevokeCertification(ctx context.Context, productID int64) error {
	return r.writes.RevokeCertification(ctx, productID)
}
