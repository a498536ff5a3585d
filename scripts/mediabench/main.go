// Command mediabench measures GET /media/{hash} for a hot product image
// against a bare Gin handler serving the same bytes, and the mobile client's
// two enriched lists (GET /api/v1/cart of 10 lines, GET /api/v1/orders of 20
// orders) against a bare Gin handler writing the same answers, in one process
// and one run, so the ratios do not depend on the machine.
//
// One run:
//
//  1. opens a scratch database (SQLite in a temp dir by default; -mysql DSN
//     for a MariaDB server, where it creates and drops its own database),
//     migrates it, adds a supplier and a product, and uploads one 1600×1200
//     photo-like JPEG through the media service (its 800 px version is the
//     hot image); then, through the store and the order and account
//     services, three products with images (10 SKUs), a consumer whose cart
//     holds the 10 SKUs, and an org buyer who has placed 24 orders, each
//     logged in for a bearer token;
//
//  2. serves the real router (api.New, request logs formatted as JSON and
//     discarded) and a bare Gin engine whose handlers write the same bytes
//     with the same headers as the real answers (taken from the real router
//     once before measuring), each on its own loopback port;
//
//  3. for each request (the image, the cart, the orders' first page of 20),
//     drives each side with -concurrency keep-alive clients sending the same
//     request (path, bearer token) for -warmup, then -duration measured,
//     alternating bare, real, bare, real (-rounds) and keeping each side's
//     best round;
//
//  4. prints requests/s, p50 and p99 of both sides and the ratio real/bare,
//     with PASS/MISS for the image against its target (≥ 0.5×).
//
//     go run ./scripts/mediabench
//     go run ./scripts/mediabench -duration 5s -mysql 'root@tcp(127.0.0.1:3306)/'
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
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
	"golang.org/x/crypto/bcrypt"

	"shanhai/api"
	"shanhai/model"
	"shanhai/model/store"
	"shanhai/service/account"
	"shanhai/service/credit"
	"shanhai/service/media"
	"shanhai/service/order"
	"shanhai/service/payment"
	"shanhai/service/stock"
)

const target = 0.5

func main() {
	duration := flag.Duration("duration", 2*time.Second, "measured time per round and side")
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

	accounts := account.New(st, "mediabench-secret-0123456789abcdef", nil, 0)
	accounts.SetHashCost(bcrypt.MinCost)
	orders := order.New(st, st, stock.New(st, st, 0), credit.New(st, nil), payment.NewSandbox("mediabench-payment"), nil,
		order.Limits{UnpaidTTL: 30 * time.Minute, OrgUnpaidTTL: 720 * time.Hour, ApprovalTTL: 72 * time.Hour,
			AutoAccept: 168 * time.Hour, ReturnWindow: 168 * time.Hour, ReturnAutoApprove: 72 * time.Hour})
	tokens, err := seedLists(ctx, st, svc, accounts, orders, actor, sup)
	if err != nil {
		return fmt.Errorf("seed the cart and orders: %w", err)
	}

	real := api.New(api.Deps{Media: svc, Accounts: accounts, Orders: orders})
	realURL, stopReal, err := serve(real)
	if err != nil {
		return err
	}
	defer stopReal()

	reqs := []request{
		{name: "GET /media/{hash}", path: "/media/" + img.Hash},
		{name: fmt.Sprintf("GET /api/v1/cart (%d lines)", listCartLines), path: "/api/v1/cart", token: tokens[0]},
		{name: fmt.Sprintf("GET /api/v1/orders (page of %d)", listPageSize), path: fmt.Sprintf("/api/v1/orders?page_size=%d", listPageSize), token: tokens[1]},
	}
	// The bare engine answers each request with what the real router
	// answered it: the same status, headers and bytes.
	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	for i := range reqs {
		if err := reqs[i].capture(realURL); err != nil {
			return err
		}
		rq := reqs[i]
		bare.GET(strings.SplitN(rq.path, "?", 2)[0], func(c *gin.Context) {
			for k, v := range rq.header {
				c.Header(k, v)
			}
			c.Data(http.StatusOK, rq.contentType, rq.body)
		})
	}
	if err := checkLists(reqs[1].body, reqs[2].body); err != nil {
		return err
	}
	bareURL, stopBare, err := serve(bare)
	if err != nil {
		return err
	}
	defer stopBare()

	best := make([][2]result, len(reqs))
	for i, rq := range reqs {
		if best[i], err = compare(rq, bareURL, realURL, conc, warmup, duration, rounds); err != nil {
			return err
		}
	}
	cart, err := cartReads(ctx, st, p.ID, sup.ID)
	if err != nil {
		return err
	}
	ratio := best[0][1].rps / best[0][0].rps
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
	fmt.Printf("| bare Gin, same bytes | %.0f | %s | %s | 1.00× |\n", best[0][0].rps, ms(best[0][0].p50), ms(best[0][0].p99))
	fmt.Printf("| GET /media/{hash} | %.0f | %s | %s | %.2f× (target ≥ %.1f×: %s) |\n",
		best[0][1].rps, ms(best[0][1].p50), ms(best[0][1].p99), ratio, target, verdict)

	fmt.Printf("\nThe mobile client's enriched lists through the real router (bearer token, %s), same clients and rounds;\n", backend)
	fmt.Printf("bare Gin answers the same request with the same bytes, so the ratio is what the enrichment costs:\n\n")
	fmt.Printf("| scenario | bytes | requests/s | p50 | p99 | ratio to bare Gin |\n|---|---:|---:|---:|---:|---:|\n")
	for i, rq := range reqs[1:] {
		b := best[i+1]
		fmt.Printf("| bare Gin, same bytes as %s | %d | %.0f | %s | %s | 1.00× |\n", rq.name, len(rq.body), b[0].rps, ms(b[0].p50), ms(b[0].p99))
		fmt.Printf("| %s | %d | %.0f | %s | %s | %.2f× |\n", rq.name, len(rq.body), b[1].rps, ms(b[1].p50), ms(b[1].p99), b[1].rps/b[0].rps)
	}

	fmt.Printf("\nThe store reads behind GET /cart (a cart of %d lines), %d sequential calls each, in the same run:\n\n", cartLines, cartCalls)
	fmt.Printf("| read | p50 | p99 |\n|---|---:|---:|\n")
	fmt.Printf("| un-enriched: Cart (sku_id, quantity) | %s | %s |\n", ms(cart[0].p50), ms(cart[0].p99))
	fmt.Printf("| enriched: CartLines (product, supplier, stock, tiers, thumbnail) | %s | %s |\n", ms(cart[1].p50), ms(cart[1].p99))
	fmt.Printf("\nGET /orders adds no read: the names are columns of the order, written at placement.\n")
	return nil
}

// compare drives rq on the bare and the real server, alternating bare, real
// for rounds, and returns each side's best round (bare first).
func compare(rq request, bareURL, realURL string, conc int, warmup, duration time.Duration, rounds int) ([2]result, error) {
	var best [2]result
	for r := 0; r < rounds; r++ {
		for i, base := range []string{bareURL, realURL} {
			drive(base, rq, conc, warmup)
			res, err := drive(base, rq, conc, duration)
			if err != nil {
				return best, err
			}
			if res.rps > best[i].rps {
				best[i] = res
			}
		}
	}
	return best, nil
}

// request is one GET the bench sends to both sides: the path (with its
// query), the bearer token ("" for none) and, once captured, the real
// router's answer that the bare side repeats and both sides must give.
type request struct {
	name, path, token string

	contentType string
	header      map[string]string // the answer's headers but Content-Type, Content-Length and Date
	body        []byte
}

// capture sends rq once to the real router at base and keeps its answer.
func (rq *request) capture(base string) error {
	req, err := rq.new(base)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d: %s", rq.path, res.StatusCode, body)
	}
	rq.contentType, rq.body, rq.header = res.Header.Get("Content-Type"), body, map[string]string{}
	for k := range res.Header {
		switch k {
		case "Content-Type", "Content-Length", "Date":
		default:
			rq.header[k] = res.Header.Get(k)
		}
	}
	return nil
}

func (rq *request) new(base string) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodGet, base+rq.path, nil)
	if err != nil {
		return nil, err
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	return req, nil
}

const (
	listCartLines = 10 // SKUs in the consumer's cart
	listPageSize  = 20 // orders on the page asked for
	listOrders    = 24 // orders the buyer has placed
)

// seedLists adds, through the store and the services, three products with
// an image each and listCartLines SKUs between them, a consumer whose cart
// holds every SKU and an org buyer who has placed listOrders orders of two
// of them; it returns the consumer's and the buyer's tokens.
func seedLists(ctx context.Context, st *store.Store, svc *media.Service, accounts *account.Service, orders *order.Service,
	actor *model.User, sup *model.Supplier) ([2]string, error) {
	var tokens [2]string
	var skus []int64
	for i, n := range []int{4, 3, 3} {
		p := &model.Product{SupplierID: sup.ID, Name: fmt.Sprintf("bench list product %d", i+1), CategoryCode: "tea",
			OriginCode: "511113", OnSale: true}
		ks := make([]model.SKU, n)
		for j := range ks {
			ks[j] = model.SKU{Spec: fmt.Sprintf("%d kg", j+1), Unit: "箱", PriceCents: int64(2000 + 100*j), OnHand: 1_000_000,
				Tiers: []model.Tier{{MinQty: 10, PriceCents: int64(1800 + 100*j)}}}
		}
		if err := st.CreateProduct(ctx, p, ks); err != nil {
			return tokens, err
		}
		for _, k := range ks {
			skus = append(skus, k.ID)
		}
		if _, err := svc.Upload(ctx, actor, p.ID, photo(640, 480)); err != nil {
			return tokens, fmt.Errorf("upload: %w", err)
		}
	}
	o := &model.Org{Name: "bench canteen org", Kind: model.OrgGovernment, RegionCode: "330604", PaymentTerms: model.TermsPrepay,
		CreditKind: model.DefaultCreditKind(model.OrgGovernment)}
	if err := st.CreateOrg(ctx, o); err != nil {
		return tokens, err
	}
	const pass = "bench-pass-0k"
	hash, err := bcrypt.GenerateFromPassword([]byte(pass), bcrypt.MinCost)
	if err != nil {
		return tokens, err
	}
	users := []*model.User{
		{Username: "bench_consumer", Role: model.RoleConsumer, PasswordHash: string(hash)},
		{Username: "bench_buyer", Role: model.RoleBuyer, OrgID: &o.ID, PasswordHash: string(hash)},
	}
	for i, u := range users {
		if err := st.CreateUser(ctx, u); err != nil {
			return tokens, err
		}
		l, err := accounts.Login(ctx, u.Username, pass, "127.0.0.1")
		if err != nil {
			return tokens, fmt.Errorf("log in %s: %w", u.Username, err)
		}
		tokens[i] = l.Token
	}
	items := make([]order.LineInput, len(skus))
	for i, id := range skus {
		items[i] = order.LineInput{SKUID: id, Quantity: int64(2 + i%3)}
	}
	if _, err := orders.SetCart(ctx, users[0], items); err != nil {
		return tokens, fmt.Errorf("set the cart: %w", err)
	}
	for i := 0; i < listOrders; i++ {
		in := order.PlaceInput{Lines: []order.LineInput{{SKUID: skus[i%len(skus)], Quantity: 3}, {SKUID: skus[(i+1)%len(skus)], Quantity: 1}},
			Delivery: order.Delivery{Address: "绍兴市上虞区人民西路1号", Phone: "13800001111"}}
		if _, err := orders.Place(ctx, users[1], fmt.Sprintf("bench-order-%d", i), in, func(*order.Placed) ([]byte, error) {
			return []byte("{}"), nil
		}); err != nil {
			return tokens, fmt.Errorf("place order %d: %w", i, err)
		}
	}
	return tokens, nil
}

// checkLists makes sure the captured answers are what the bench claims: a
// cart of listCartLines lines with thumbnails and a full page of orders.
func checkLists(cartBody, ordersBody []byte) error {
	var cart struct {
		Lines []struct {
			ThumbnailURL string `json:"thumbnail_url"`
		} `json:"lines"`
	}
	if err := json.Unmarshal(cartBody, &cart); err != nil {
		return fmt.Errorf("GET /api/v1/cart: %w", err)
	}
	if len(cart.Lines) != listCartLines {
		return fmt.Errorf("GET /api/v1/cart: %d lines, want %d", len(cart.Lines), listCartLines)
	}
	for _, l := range cart.Lines {
		if l.ThumbnailURL == "" {
			return errors.New("GET /api/v1/cart: a line has no thumbnail")
		}
	}
	var list struct {
		Items []json.RawMessage `json:"items"`
		Total int64             `json:"total"`
	}
	if err := json.Unmarshal(ordersBody, &list); err != nil {
		return fmt.Errorf("GET /api/v1/orders: %w", err)
	}
	if len(list.Items) != listPageSize || list.Total < listPageSize {
		return fmt.Errorf("GET /api/v1/orders: %d items of %d, want %d", len(list.Items), list.Total, listPageSize)
	}
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

// drive sends rq to the server at base from conc keep-alive clients for d;
// every answer must be a 200 of len(rq.body) bytes.
func drive(base string, rq request, conc int, d time.Duration) (result, error) {
	size := len(rq.body)
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
				req, err := rq.new(base)
				if err != nil {
					failed.Store(&err)
					return
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					var body []byte
					body, err = io.ReadAll(res.Body)
					res.Body.Close()
					if err == nil && (res.StatusCode != http.StatusOK || len(body) != size) {
						err = fmt.Errorf("GET %s%s: %d with %d bytes, want %d", base, rq.path, res.StatusCode, len(body), size)
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
