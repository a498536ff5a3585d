// Command shanhai is the consumption-assistance mall backend. `shanhai help`
// lists its commands (cli.go parses the command line).
//
// main.go is wiring only: config → database → redis → store → cache layer →
// services → router → serve.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
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
	"shanhai/service/audit"
	"shanhai/service/catalog"
	"shanhai/service/credit"
	"shanhai/service/demo"
	"shanhai/service/geo"
	"shanhai/service/order"
	"shanhai/service/org"
	"shanhai/service/payment"
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
	demoLoaded, err := loadDemo(ctx, cfg, st)
	if err != nil {
		return err
	}

	deps := api.Deps{
		Checks: map[string]func(context.Context) error{"database": st.Ping},
		DB:     st.DB(),

		TrustedProxies: cfg.TrustedProxies,
	}
	// Catalogue reads and the writes that change them go through the cache
	// layer when Redis is configured; everything else goes to the store.
	var catalogStore interface {
		catalog.Reads
		catalog.Writes
		geo.Pairings
	} = st
	var stockMover cache.StockMover = st
	counter := account.Fallback{Local: account.NewMemory()}
	// Statistics answers are cached in Redis when there is one; the ledger
	// moves the cache's generation after each rollup batch.
	statsCache := cache.NewStats(nil)
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
		statsCache = cache.NewStats(rdb)
		stockMover = cached.Stock(st)
		if err := cached.Ping(ctx); err != nil {
			slog.Warn("redis is not answering; serving from the database until it does", "err", err.Error())
		}
	}
	// The user behind each token is read through a 2 s in-process cache;
	// user changes go through it too, so this replica drops them at once.
	users := userCached{Store: st, users: cache.NewUsers(st)}
	// stock.Service is the one owner of on-hand and reserved: supplier
	// adjustments and orders both move units through it.
	stk := stock.New(stockMover, st, cfg.SKUCap)
	deps.Catalog = catalog.New(catalogStore, st, catalogStore, stk)
	deps.Accounts = account.New(users, cfg.JWTSecret, counter, cfg.RateLogin)
	deps.Orgs = org.New(users)
	deps.Geo = geo.New(st, catalogStore)
	deps.Audit = audit.New(st)
	deps.Ledger = credit.New(st, statsCache)
	// Regions and pairings are read at most once a second per replica, for
	// the statistics' scopes and each order line's pairing preview.
	geography := cache.NewGeography(st, time.Second)
	deps.Stats = stats.New(st, statsCache, geography)
	deps.Orders = order.New(st, geography, stk, deps.Ledger, payment.NewSandbox(cfg.PaymentSecret), counter, order.Limits{
		UnpaidTTL: cfg.UnpaidTTL, OrgUnpaidTTL: cfg.OrgUnpaidTTL, ApprovalTTL: cfg.ApprovalTTL,
		AutoAccept: cfg.AutoAccept, ReturnWindow: cfg.ReturnWindow, ReturnAutoApprove: cfg.ReturnAutoApprove,
		RateOrders: cfg.RateOrders,
	})
	if demoLoaded {
		// The demo's first day of trade, so the statistics show figures; a
		// failure leaves the catalogue as it is and the mall still starts.
		if n, err := demo.Orders(ctx, st, deps.Orders, deps.Ledger, time.Now()); err != nil {
			slog.Warn("demo orders not placed", "err", err.Error())
		} else {
			slog.Info("demo orders", "placed", n)
		}
	}
	// Deadlines are swept in every replica; each step is a compare-and-set.
	go deps.Orders.RunTimers(ctx, time.Second)
	// The rollups are fed in every replica; each entry is counted once.
	go deps.Ledger.Run(ctx, time.Second)
	// Orders are priced from in-memory copies of the catalogue: read them
	// now rather than one order at a time.
	go func() {
		start := time.Now()
		n, err := deps.Orders.WarmCatalogue(ctx)
		if err != nil {
			slog.Warn("catalogue copies not read", "err", err.Error())
			return
		}
		slog.Info("catalogue copies read", "skus", n, "ms", time.Since(start).Milliseconds())
	}()
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
