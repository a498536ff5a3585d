package api_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"shanhai/api"
	"shanhai/service/catalog"
)

// TestOpenAPIValid: the embedded document loads and validates.
func TestOpenAPIValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("load api/openapi.json: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("validate api/openapi.json: %v", err)
	}
	if got, want := doc.OpenAPI, "3.0.3"; got != want {
		t.Errorf("openapi = %q, want %q", got, want)
	}
}

var ginParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)`)

// TestOpenAPIRoutes: every route the router registers is in the document, and
// every operation of the document is a route.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadSpec(t).doc
	engine := api.New(api.Deps{Catalog: catalog.New(nil, nil, nil, nil)})

	got := map[string]bool{}
	for _, r := range engine.Routes() {
		got[r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}")] = true
	}
	want := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			want[method+" "+path] = true
		}
	}
	for _, route := range sortedKeys(got) {
		if !want[route] {
			t.Errorf("route %s is registered but missing from api/openapi.json", route)
		}
	}
	for _, route := range sortedKeys(want) {
		if !got[route] {
			t.Errorf("api/openapi.json documents %s but the router has no such route", route)
		}
	}
}

// TestOpenAPIGenericResponses: the middleware can answer any route with 413
// (body over 1 MiB) or 500 (a panic), so every operation documents both, and
// the generic answers of undocumented paths exist as components.
func TestOpenAPIGenericResponses(t *testing.T) {
	doc := loadSpec(t).doc
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, status := range []int{http.StatusRequestEntityTooLarge, http.StatusInternalServerError} {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s %s does not document %d", method, path, status)
				}
			}
			for code, ref := range op.Responses.Map() {
				if ref.Value == nil || ref.Value.Headers["X-Request-ID"] == nil {
					t.Errorf("%s %s → %s does not document the X-Request-ID header", method, path, code)
				}
				if n, _ := strconv.Atoi(code); n >= 400 && !hasJSONSchema(ref.Value) {
					t.Errorf("%s %s → %s has no application/json schema", method, path, code)
				}
			}
		}
	}
	for _, name := range genericResponses {
		if doc.Components.Responses[name] == nil {
			t.Errorf("components/responses/%s is missing", name)
		}
	}
}

func hasJSONSchema(r *openapi3.Response) bool {
	if r == nil {
		return false
	}
	mt := r.Content.Get("application/json")
	return mt != nil && mt.Schema != nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
