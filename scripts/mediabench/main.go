// Command mediabench measures GET /media/{hash} for a hot product image
// against a bare Gin handler serving the same bytes, in one process and one
// run, so the ratio does not depend on the machine.
//
// One run:
//
//  1. opens a scratch database (SQLite in a temp dir by default; -mysql DSN
//     for a MariaDB server, where it creates and drops its own database),
//     migrates it, adds a supplier and a product, and uploads one 1600×1200
//     photo-like JPEG through the media service (its 800 px version is the
//     hot image);
//
//  2. serves the real router (api.New, request logs formatted as JSON and
//     discarded) and a bare Gin engine whose one handler writes the same
//     bytes with the same headers, each on its own loopback port;
//
//  3. drives each with -concurrency keep-alive clients for -warmup, then
//     -duration measured, alternating bare, real, bare, real (-rounds) and
//     keeping each side's best round;
//
//  4. prints requests/s, p50 and p99 of both and the ratio real/bare, with
//     PASS/MISS against the target (≥ 0.5×).
//
//     go run ./scripts/mediabench
//     go run ./scripts/mediabench -duration 5s -mysql 'root@tcp(127.0.0.1:3306)/'
package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/service/media"
)

const target = 0.5

func main() {
	duration := flag.Duration("duration", 3*time.Second, "measured time per round and side")
	warmup := flag.Duration("warmup", time.Second, "unmeasured time before each round")
	rounds := flag.Int("rounds", 2, "rounds per side (the best is kept)")
	conc := flag.Int("concurrency", 32, "concurrent keep-alive clients")
	mysqlDSN := flag.String("mysql", "", "a MariaDB DSN where the bench may create and drop a database (default: SQLite in a temp dir)")
	flag.Parse()
	if err := run(*duration, *warmup, *rounds, *conc, *mysqlDSN); err != nil {
		fmt.Fprintln(os.Stderr, "mediabench:", err)
		os.Exit(1)
	}
}

func run(duration, warmup time.Duration, rounds, conc int, mysqlDSN string) error {
	ctx := context.Background()
	slog.SetDefault(slog.New(slog.NewJSONHandler(io.Discard, nil)))
	st, cleanup, err := openStore(ctx, mysqlDSN)
	if err != nil {
		return err
	}
	defer cleanup()

	sup := &model.Supplier{Name: "bench supplier", RegionCode: "511113", Status: model.SupplierActive, CreatedAt: time.Now()}
	if err := st.CreateSupplier(ctx, sup); err != nil {
		return err
	}
	p := &model.Product{SupplierID: sup.ID, Name: "bench product", CategoryCode: "tea", OriginCode: "511113", OnSale: true}
	if err := st.CreateProduct(ctx, p, []model.SKU{{Spec: "500g", Unit: "袋", PriceCents: 1000, OnHand: 10}}); err != nil {
		return err
	}
	svc := media.New(st, st, nil, media.CacheBytes)
	actor := &model.User{ID: 1, Role: model.RoleSupplier, SupplierID: &sup.ID}
	img, err := svc.Upload(ctx, actor, p.ID, photo(1600, 1200))
	if err != nil {
		return fmt.Errorf("upload: %w", err)
	}
	blob, err := svc.Public(ctx, img.Hash)
	if err != nil {
		return err
	}
	path := "/media/" + img.Hash

	real := api.New(api.Deps{Media: svc})
	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	bare.GET("/media/:hash", func(c *gin.Context) {
		c.Header("ETag", `"`+blob.Hash+`"`)
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
		c.Data(http.StatusOK, blob.ContentType, blob.Data)
	})
	realURL, stopReal, err := serve(real)
	if err != nil {
		return err
	}
	defer stopReal()
	bareURL, stopBare, err := serve(bare)
	if err != nil {
		return err
	}
	defer stopBare()

	var best [2]result
	for r := 0; r < rounds; r++ {
		for i, base := range []string{bareURL, realURL} {
			drive(base+path, conc, warmup, len(blob.Data))
			res, err := drive(base+path, conc, duration, len(blob.Data))
			if err != nil {
				return err
			}
			if res.rps > best[i].rps {
				best[i] = res
			}
		}
	}
	cart, err := cartReads(ctx, st, p.ID, sup.ID)
	if err != nil {
		return err
	}
	ratio := best[1].rps / best[0].rps
	verdict := "PASS"
	if ratio < target {
		verdict = "MISS"
	}
	backend := "SQLite"
	if mysqlDSN != "" {
		backend = "MariaDB"
	}
	fmt.Printf("mediabench: a hot %d-byte %s image, %d clients, best of %d × %s, blobs in %s\n\n",
		len(blob.Data), blob.ContentType, conc, rounds, duration, backend)
	fmt.Printf("| scenario | requests/s | p50 | p99 | ratio to bare Gin |\n|---|---:|---:|---:|---:|\n")
	fmt.Printf("| bare Gin, same bytes | %.0f | %s | %s | 1.00× |\n", best[0].rps, ms(best[0].p50), ms(best[0].p99))
	fmt.Printf("| GET /media/{hash} | %.0f | %s | %s | %.2f× (target ≥ %.1f×: %s) |\n",
		best[1].rps, ms(best[1].p50), ms(best[1].p99), ratio, target, verdict)
	fmt.Printf("\nThe store reads behind GET /cart (a cart of %d lines), %d sequential calls each, in the same run:\n\n", cartLines, cartCalls)
	fmt.Printf("| read | p50 | p99 |\n|---|---:|---:|\n")
	fmt.Printf("| un-enriched: Cart (sku_id, quantity) | %s | %s |\n", ms(cart[0].p50), ms(cart[0].p99))
	fmt.Printf("| enriched: CartLines (product, supplier, stock, tiers, thumbnail) | %s | %s |\n", ms(cart[1].p50), ms(cart[1].p99))
	fmt.Printf("\nGET /orders adds no read: the names are columns of the order, written at placement.\n")
	return nil
}

const (
	cartLines = 10
	cartCalls = 2000
)

// cartReads times Cart against CartLines over one user's cart of
// cartLines SKUs of product productID.
func cartReads(ctx context.Context, st *store.Store, productID, supplierID int64) ([2]result, error) {
	var out [2]result
	const userID = 424242
	skus := make([]model.SKU, cartLines)
	for i := range skus {
		skus[i] = model.SKU{Spec: fmt.Sprintf("%d kg", i+1), Unit: "箱", PriceCents: int64(1000 + i), OnHand: 100,
			Tiers: []model.Tier{{MinQty: 5, PriceCents: 900}}}
	}
	p := &model.Product{SupplierID: supplierID, Name: "bench cart product", CategoryCode: "tea", OriginCode: "511113", OnSale: true}
	if err := st.CreateProduct(ctx, p, skus); err != nil {
		return out, err
	}
	items := make([]model.CartItem, len(skus))
	for i, k := range skus {
		items[i] = model.CartItem{UserID: userID, SKUID: k.ID, Quantity: 2}
	}
	if err := st.ReplaceCart(ctx, userID, items); err != nil {
		return out, err
	}
	for i, read := range []func() error{
		func() error { _, err := st.Cart(ctx, userID); return err },
		func() error { _, err := st.CartLines(ctx, userID); return err },
	} {
		lat := make([]time.Duration, 0, cartCalls)
		for j := 0; j < cartCalls; j++ {
			t0 := time.Now()
			if err := read(); err != nil {
				return out, err
			}
			lat = append(lat, time.Since(t0))
		}
		sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
		out[i] = result{p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}
	}
	return out, nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

// photo is a JPEG with a gradient and noise, so it compresses like a photo.
func photo(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	seed := uint32(7)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed = seed*1664525 + 1013904223
			n := uint8(seed >> 27)
			img.Set(x, y, color.RGBA{uint8(x*255/w) + n, uint8(y*255/h) + n, 120 + n, 255})
		}
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	return buf.Bytes()
}

func openStore(ctx context.Context, mysqlDSN string) (*store.Store, func(), error) {
	if mysqlDSN == "" {
		dir, err := os.MkdirTemp("", "mediabench")
		if err != nil {
			return nil, nil, err
		}
		st, err := store.Open("sqlite:"+filepath.Join(dir, "bench.db"), 8)
		if err != nil {
			return nil, nil, err
		}
		if _, err := st.Migrate(ctx); err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close(); os.RemoveAll(dir) }, nil
	}
	name := fmt.Sprintf("shanhai_mediabench_%d", time.Now().UnixNano())
	admin, err := sql.Open("mysql", mysqlDSN)
	if err != nil {
		return nil, nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return nil, nil, err
	}
	dsn := strings.Replace(mysqlDSN, ")/", ")/"+name, 1)
	st, err := store.Open("mysql:"+dsn, 16)
	if err == nil {
		_, err = st.Migrate(ctx)
	}
	drop := func() {
		if st != nil {
			st.Close()
		}
		admin.ExecContext(context.Background(), "DROP DATABASE "+name)
		admin.Close()
	}
	if err != nil {
		drop()
		return nil, nil, err
	}
	return st, drop, nil
}

func serve(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

type result struct {
	rps      float64
	p50, p99 time.Duration
}

// drive sends GETs of url from conc keep-alive clients for d; every answer
// must be a 200 of size bytes.
func drive(url string, conc int, d time.Duration, size int) (result, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	var (
		mu     sync.Mutex
		lat    []time.Duration
		n      atomic.Int64
		failed atomic.Pointer[error]
		wg     sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for i := 0; i < conc; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				res, err := client.Get(url)
				if err == nil {
					var body []byte
					body, err = io.ReadAll(res.Body)
					res.Body.Close()
					if err == nil && (res.StatusCode != http.StatusOK || len(body) != size) {
						err = fmt.Errorf("GET %s: %d with %d bytes", url, res.StatusCode, len(body))
					}
				}
				if err != nil {
					failed.Store(&err)
					return
				}
				mine = append(mine, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if e := failed.Load(); e != nil {
		return result{}, *e
	}
	if len(lat) == 0 {
		return result{}, errors.New("no request completed")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	elapsed := time.Since(start)
	return result{rps: float64(n.Load()) / elapsed.Seconds(), p50: lat[len(lat)/2], p99: lat[len(lat)*99/100]}, nil
}
