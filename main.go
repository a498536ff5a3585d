// Command shanhai is the consumption-assistance mall backend.
//
//	shanhai [serve]   run the HTTP API (migrates first, loads demo data when SHANHAI_DEMO is on)
//	shanhai migrate   apply the database migrations and exit
//	shanhai version   print the version
//
// main.go is wiring only: config → database → redis → store → cache layer →
// services → router → serve.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"shanhai/api"
	"shanhai/config"
	"shanhai/model"
	"shanhai/model/cache"
	"shanhai/model/store"
	"shanhai/service/account"
	"shanhai/service/admin"
	"shanhai/service/catalog"
	"shanhai/service/demo"
	"shanhai/service/filing"
	"shanhai/service/order"
	"shanhai/service/payment"
	"shanhai/service/seller"
)

// version is set at build time: -ldflags "-X main.version=..."
var version = "dev"

func main() {
	slog.SetDefault(slog.New(api.LogHandler(slog.NewJSONHandler(os.Stdout, nil))))
	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve()
	case "migrate":
		err = migrate()
	case "user":
		err = userCommand(os.Args[2:])
	case "version":
		fmt.Println("shanhai", version)
	default:
		fmt.Fprintf(os.Stderr, "usage: shanhai [serve|migrate|version|user add]\nunknown command %q\n", cmd)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shanhai:", err)
		os.Exit(1)
	}
}

func loadConfig() (*config.Config, error) {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return nil, err
	}
	slog.Info("config", "version", version, "config", cfg)
	for _, w := range cfg.Warnings {
		slog.Warn(w)
	}
	return cfg, nil
}

// openStore opens and migrates the database.
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	st, err := store.Open(cfg.DB, cfg.DBMaxOpen)
	if err != nil {
		return nil, err
	}
	n, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	slog.Info("database migrated", "dialect", st.Dialect(), "applied", n)
	return st, nil
}

func migrate() error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	st, err := openStore(context.Background(), cfg)
	if err != nil {
		return err
	}
	return st.Close()
}

// userCommand is `shanhai user add -username NAME [-role admin] [-org ID]
// [-supplier ID] [-region CODE]`, the password read from standard input so
// it stays out of the shell history and the process list.
func userCommand(args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: shanhai user add -username NAME [-role admin] [-org ID] [-supplier ID] [-region CODE] < password")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	username := fs.String("username", "", "login name")
	role := fs.String("role", model.RoleAdmin, "role: "+strings.Join(model.Roles, ", "))
	org := fs.Int64("org", 0, "org id (buyer, approver, org_admin)")
	supplier := fs.Int64("supplier", 0, "supplier id (supplier)")
	region := fs.String("region", "", "region code (officer scope; a consumer's own region)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "password (one line on standard input):")
	line, err := bufio.NewReader(os.Stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("no password on standard input")
	}
	in := account.NewUser{Username: *username, Password: strings.TrimRight(line, "\r\n"), Role: *role}
	if *org != 0 {
		in.OrgID = org
	}
	if *supplier != 0 {
		in.SupplierID = supplier
	}
	if *region != "" {
		in.RegionCode = region
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := account.New(st, cfg.JWTSecret, nil, 0).Provision(ctx, in)
	if err != nil {
		return err
	}
	fmt.Printf("created user %d %s (%s)\n", u.ID, u.Username, u.Role)
	return nil
}

func serve() error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	if cfg.Demo {
		loaded, err := demo.Load(ctx, st, time.Now())
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		slog.Info("demo data", "loaded", loaded)
	}

	deps := api.Deps{
		Checks: map[string]func(context.Context) error{"database": st.Ping},
		DB:     st.DB(),

		TrustedProxies: cfg.TrustedProxies,
	}
	// Catalogue reads and the writes that change them go through the cache
	// layer when Redis is configured; everything else goes to the store.
	var catalogStore interface {
		catalog.Store
		admin.Catalog
		seller.Catalog
	} = st
	var stock order.Stock = st
	counter := account.Fallback{Local: account.NewMemory()}
	if cfg.Redis != "" {
		rdb, err := cache.NewClient(cfg.Redis)
		if err != nil {
			return err
		}
		defer rdb.Close()
		cached := cache.New(st, rdb, cache.Options{})
		defer cached.Close() // stops the invalidation subscriber, before rdb closes
		catalogStore = cached
		deps.Checks["redis"] = cached.Ping
		deps.Cache = cached.Stats
		counter.Primary = cache.NewCounter(rdb)
		stock = cached.Stock(st)
		if err := cached.Ping(ctx); err != nil {
			slog.Warn("redis is not answering; serving from the database until it does", "err", err.Error())
		}
	}
	deps.Catalog = catalog.New(catalogStore)
	deps.Accounts = account.New(st, cfg.JWTSecret, counter, cfg.RateLogin)
	deps.Admin = admin.New(st, catalogStore)
	deps.Seller = seller.New(st, catalogStore)
	deps.Filings = filing.New(st)
	deps.Orders = order.New(st, stock, payment.NewSandbox(cfg.PaymentSecret), counter, order.Limits{
		UnpaidTTL: cfg.UnpaidTTL, OrgUnpaidTTL: cfg.OrgUnpaidTTL, ApprovalTTL: cfg.ApprovalTTL,
		AutoAccept: cfg.AutoAccept, ReturnWindow: cfg.ReturnWindow, ReturnAutoApprove: cfg.ReturnAutoApprove,
		RateOrders: cfg.RateOrders, SKUCap: cfg.SKUCap,
	})
	// Deadlines are swept in every replica; each step is a compare-and-set.
	go deps.Orders.RunTimers(ctx, time.Second)
	if cfg.BootstrapAdmin != "" {
		user, pass, _ := strings.Cut(cfg.BootstrapAdmin, ":")
		created, err := deps.Accounts.Bootstrap(ctx, user, pass)
		if err != nil {
			return fmt.Errorf("SHANHAI_BOOTSTRAP_ADMIN: %w", err)
		}
		slog.Info("bootstrap admin", "username", user, "created", created)
	}

	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           api.New(deps),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	errc := make(chan error, 1)
	go func() {
		slog.Info("listening", "addr", cfg.Addr)
		errc <- srv.ListenAndServe()
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// SIGTERM: stop accepting, let in-flight requests finish.
	slog.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
