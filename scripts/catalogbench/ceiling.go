package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// The ceiling is the most a Gin handler returning a product detail can do on
// this machine: gin.New() in release mode, no middleware, no database, the
// same route shape, and a real detail (fetched from the real server) encoded
// per request from a struct, as the real handler encodes its response type.

// productDoc mirrors the API's product detail response (api.productResp);
// checkCeiling warns when the two encode differently.
type productDoc struct {
	ID            int64        `json:"id"`
	Name          string       `json:"name"`
	Category      string       `json:"category"`
	CategoryName  string       `json:"category_name"`
	Brand         string       `json:"brand"`
	Description   string       `json:"description"`
	Origin        regionDoc    `json:"origin"`
	Supplier      supplierDoc  `json:"supplier"`
	Perishable    bool         `json:"perishable"`
	ShelfLifeDays int          `json:"shelf_life_days"`
	Certified     bool         `json:"certified"`
	Certification *certDoc     `json:"certification"`
	SKUs          []skuDoc     `json:"skus"`
	Pairings      []pairingDoc `json:"pairings"`
	Images        []imageDoc   `json:"images"`
}

type imageDoc struct {
	ID           int64  `json:"id,omitempty"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
}

type regionDoc struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type supplierDoc struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type certDoc struct {
	CertificateNo string `json:"certificate_no"`
	Issuer        string `json:"issuer"`
	Batch         string `json:"batch"`
	ValidFrom     string `json:"valid_from"`
	ValidTo       string `json:"valid_to"`
	Status        string `json:"status"`
	ValidToday    bool   `json:"valid_today"`
}

type skuDoc struct {
	ID         int64     `json:"id"`
	Spec       string    `json:"spec"`
	Unit       string    `json:"unit"`
	PriceCents int64     `json:"price_cents"`
	Available  int64     `json:"available"`
	Tiers      []tierDoc `json:"tiers"`
	// PurchaseLimit: the most units one order may hold; 0 = no limit.
	PurchaseLimit int64 `json:"purchase_limit"`
}

type tierDoc struct {
	MinQty     int64 `json:"min_qty"`
	PriceCents int64 `json:"price_cents"`
}

type pairingDoc struct {
	ID        int64     `json:"id"`
	Programme string    `json:"programme"`
	Level     string    `json:"level"`
	Helper    regionDoc `json:"helper"`
	Partner   regionDoc `json:"partner"`
	SinceYear int       `json:"since_year"`
	Active    bool      `json:"active"`
}

// serveCeiling runs the bare Gin server until SIGTERM.
func serveCeiling(addr, bodyPath string) error {
	b, err := os.ReadFile(bodyPath)
	if err != nil {
		return err
	}
	var doc productDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", bodyPath, err)
	}
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/readyz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/api/v1/products/:id", func(c *gin.Context) { c.JSON(http.StatusOK, &doc) })
	srv := &http.Server{Addr: addr, Handler: e, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	return serveUntilTerm(srv)
}

// serveUntilTerm serves until SIGTERM or SIGINT, then shuts down gracefully.
func serveUntilTerm(srv *http.Server) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutCtx)
}
