package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// OpenAPI is the API description, embedded in the binary.
//
//go:embed openapi.json
var OpenAPI []byte

func openAPIDocument(c *gin.Context) {
	c.Data(http.StatusOK, "application/json; charset=utf-8", OpenAPI)
}

//go:embed docs.html
var docsHTML []byte

//go:embed assets/redoc.standalone.js
var redocJS []byte

// redocScript is the renderer of /docs, served from the binary so the page
// needs no other host (and its Content-Security-Policy allows none).
func redocScript(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=86400")
	c.Data(http.StatusOK, "text/javascript; charset=utf-8", redocJS)
}

func docsPage(c *gin.Context) {
	htmlPage(c, docsHTML)
}
