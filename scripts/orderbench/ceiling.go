package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	mysqldrv "github.com/go-sql-driver/mysql"

	"shanhai/scripts/bench"
)

// The ceiling is the most the database can place here with the server's
// pool size: per order one transaction holding exactly the server's writes
// (model/store/order.go, service/order/place.go), in the same order —
//
//	INSERT idempotency_keys (running)
//	UPDATE skus SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ? AND version = ?   per SKU, in id order, RowsAffected checked
//	INSERT orders; INSERT order_lines (one multi-row statement); INSERT order_events
//	UPDATE idempotency_keys (done, the response body)
//	COMMIT
//
// — from an in-memory snapshot of the SKUs, so none of the server's reads
// (the user behind the token, the SKUs with product, supplier and tiers), no
// HTTP, no JSON request, no ORM, no retry. The pool is opened with the
// store's connection settings.

const (
	orderScope = "POST /orders"
	unpaidTTL  = 720 * time.Hour // the server runs with SHANHAI_UNPAID_TTL=720h: nothing times out during the bench
)

type ceiling struct {
	db *sql.DB
	d  *dataset
}

// openPool opens a pool of size connections the way store.Open does for MySQL.
func openPool(dsn string, size int) (*sql.DB, error) {
	c, err := mysqldrv.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c.ParseTime = true
	c.Loc = time.UTC
	c.InterpolateParams = true
	c.ClientFoundRows = true
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	c.Params["time_zone"] = "'+00:00'"
	c.Collation = "utf8mb4_general_ci"
	c.Timeout = 3 * time.Second
	c.ReadTimeout, c.WriteTimeout = 30*time.Second, 30*time.Second
	conn, err := mysqldrv.NewConnector(c)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(size)
	db.SetMaxIdleConns(size)
	db.SetConnMaxLifetime(5 * time.Minute)
	return db, nil
}

// The request as the service hashes it (order.PlaceInput), and a response
// body of the same shape and about the same size as the server's.
type (
	placeInput struct {
		Lines                              []lineInput
		DeliveryDate, Address, Phone, Note string
	}
	lineInput struct{ SKUID, Quantity int64 }
	orderDoc  struct {
		ID           int64     `json:"id"`
		CheckoutID   string    `json:"checkout_id"`
		Status       string    `json:"status"`
		Channel      string    `json:"channel"`
		PaymentTerms string    `json:"payment_terms"`
		UserID       int64     `json:"user_id"`
		OrgID        *int64    `json:"org_id"`
		SupplierID   int64     `json:"supplier_id"`
		TotalCents   int64     `json:"total_cents"`
		AmountDue    int64     `json:"amount_due_cents"`
		DeadlineAt   string    `json:"deadline_at"`
		CreatedAt    string    `json:"created_at"`
		UpdatedAt    string    `json:"updated_at"`
		Lines        []lineDoc `json:"lines"`
	}
	lineDoc struct {
		ID             int64  `json:"id"`
		SKUID          int64  `json:"sku_id"`
		ProductID      int64  `json:"product_id"`
		ProductName    string `json:"product_name"`
		Spec           string `json:"spec"`
		Unit           string `json:"unit"`
		Quantity       int64  `json:"quantity"`
		UnitPriceCents int64  `json:"unit_price_cents"`
		AmountCents    int64  `json:"amount_cents"`
		OriginCode     string `json:"origin_code"`
		Category       string `json:"category"`
		PairingID      *int64 `json:"pairing_id"`
	}
)

const insertOrder = `INSERT INTO orders (checkout_id, user_id, org_id, supplier_id, channel, payment_terms, status,
	total_cents, received_cents, returned_cents, paid_cents, refunded_cents, delivery_date, address, phone, note,
	carrier, tracking_no, invoice_no, inspection_note, cancel_reason, deadline_at, created_at, updated_at, shipped_at, accepted_at)
	VALUES (?, ?, NULL, ?, 'app', 'prepay', 'pending_payment', ?, 0, 0, 0, 0, '', '', '', '', '', '', '', '', '', ?, ?, ?, NULL, NULL)`

const lineTuple = "(?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 0, ?, ?, ?, ?)"

const insertLines = `INSERT INTO order_lines (order_id, sku_id, product_id, product_name, spec, unit, quantity,
	unit_price_cents, amount_cents, received_qty, returned_qty, origin_code, category_code, perishable, pairing_id) VALUES `

// place implements placer: one order for buyer, all or nothing.
func (c *ceiling) place(ctx context.Context, buyer int, key string, lines []line) (outcome, string) {
	userID := c.d.users[buyer]
	in := placeInput{Lines: make([]lineInput, len(lines))}
	for i, l := range lines {
		in.Lines[i] = lineInput{l.SKUID, l.Quantity}
	}
	raw, _ := json.Marshal(in)
	sum := sha256.Sum256(append([]byte(orderScope+"\n"), raw...))
	now := time.Now().UTC().Truncate(time.Millisecond)
	deadline := now.Add(unpaidTTL)

	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return failed, cause(err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, idem_key, scope, request_hash, status, status_code, body, created_at)
		VALUES (?, ?, ?, ?, 'running', 0, NULL, ?)`, userID, key, orderScope, hex.EncodeToString(sum[:]), now); err != nil {
		return failed, cause(err)
	}
	sorted := slices.Clone(lines)
	slices.SortFunc(sorted, func(a, b line) int { return int(a.SKUID - b.SKUID) })
	for _, l := range sorted {
		res, err := tx.ExecContext(ctx, `UPDATE skus SET reserved = reserved + ? WHERE id = ? AND on_hand - reserved >= ? AND version = ?`,
			l.Quantity, l.SKUID, l.Quantity, c.d.sku(l.SKUID).version)
		if err != nil {
			return failed, cause(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return failed, cause(err)
		} else if n == 0 {
			return soldOut, ""
		}
	}
	doc := orderDoc{CheckoutID: checkoutID(), Status: "pending_payment", Channel: "app", PaymentTerms: "prepay",
		UserID: userID, DeadlineAt: rfc3339(deadline), CreatedAt: rfc3339(now), UpdatedAt: rfc3339(now),
		Lines: make([]lineDoc, len(lines))}
	for i, l := range lines {
		k := c.d.sku(l.SKUID)
		doc.SupplierID = k.supplierID
		doc.Lines[i] = lineDoc{SKUID: k.id, ProductID: k.productID, ProductName: k.productName, Spec: k.spec, Unit: k.unit,
			Quantity: l.Quantity, UnitPriceCents: k.priceCents, AmountCents: k.priceCents * l.Quantity,
			OriginCode: k.origin, Category: k.category, PairingID: k.pairingID}
		doc.TotalCents += k.priceCents * l.Quantity
	}
	doc.AmountDue = doc.TotalCents
	res, err := tx.ExecContext(ctx, insertOrder, doc.CheckoutID, userID, doc.SupplierID, doc.TotalCents, deadline, now, now)
	if err != nil {
		return failed, cause(err)
	}
	if doc.ID, err = res.LastInsertId(); err != nil {
		return failed, cause(err)
	}
	args := make([]any, 0, 14*len(lines))
	for _, l := range doc.Lines {
		k := c.d.sku(l.SKUID)
		args = append(args, doc.ID, l.SKUID, l.ProductID, l.ProductName, l.Spec, l.Unit, l.Quantity,
			l.UnitPriceCents, l.AmountCents, l.OriginCode, l.Category, k.perishable, l.PairingID)
	}
	res, err = tx.ExecContext(ctx, insertLines+strings.TrimSuffix(strings.Repeat(lineTuple+",", len(lines)), ","), args...)
	if err != nil {
		return failed, cause(err)
	}
	first, err := res.LastInsertId() // the first of the statement's ids, consecutive
	if err != nil {
		return failed, cause(err)
	}
	for i := range doc.Lines {
		doc.Lines[i].ID = first + int64(i)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO order_events (order_id, actor_id, action, from_state, to_state, note, created_at)
		VALUES (?, ?, 'place', '', 'pending_payment', '', ?)`, doc.ID, userID, now); err != nil {
		return failed, cause(err)
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return failed, cause(err)
	}
	res, err = tx.ExecContext(ctx, `UPDATE idempotency_keys SET body = ?, status = 'done', status_code = 201
		WHERE user_id = ? AND idem_key = ?`, body, userID, key)
	if err != nil {
		return failed, cause(err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return failed, fmt.Sprintf("idempotency key update matched %d rows (%v)", n, err)
	}
	if err := tx.Commit(); err != nil {
		return failed, cause(err)
	}
	return placed, ""
}

func checkoutID() string { return bench.RandomHex(12) }

var china = time.FixedZone("CST", 8*3600)

func rfc3339(t time.Time) string { return t.In(china).Format(time.RFC3339) }

// cause is a short, countable reason: the MySQL error number and message,
// or the error text.
func cause(err error) string {
	var me *mysqldrv.MySQLError
	if errors.As(err, &me) {
		return fmt.Sprintf("MySQL %d: %s", me.Number, me.Message)
	}
	return err.Error()
}
