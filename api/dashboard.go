package api

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"shanhai/api/web"
)

// dashboardPage serves the officials' workspace: /dashboard/ (and
// /dashboard, so a typed address works without a redirect) is its one
// page, /dashboard/{file} its script and style. The page signs in against
// the API and reads the statistics routes with the caller's token, so each
// official sees their own scope, nothing else.
func dashboardPage(c *gin.Context) {
	name := c.Param("file")
	if name == "" {
		name = "index.html"
	}
	serveWebFile(c, "dashboard/"+name, "no-cache")
}

// dashboardVendor serves the pinned libraries the page loads (ECharts),
// which change only with a release.
func dashboardVendor(c *gin.Context) {
	serveWebFile(c, "vendor/"+c.Param("file"), "public, max-age=86400")
}

func serveWebFile(c *gin.Context, file, cacheControl string) {
	body, err := fs.ReadFile(web.Files, file)
	if err != nil || strings.Contains(c.Param("file"), "/") {
		abort(c, http.StatusNotFound, errorDetail{Code: "not_found", Message: "no such page"})
		return
	}
	c.Header("Cache-Control", cacheControl)
	if path.Ext(file) == ".html" {
		htmlPage(c, body)
		return
	}
	ctype := mime.TypeByExtension(path.Ext(file))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Header("Content-Security-Policy", contentSecurityPolicy)
	c.Data(http.StatusOK, ctype, body)
}
