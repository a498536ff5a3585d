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

func docsPage(c *gin.Context) {
	c.Data(http.StatusOK, "text/html; charset=utf-8", docsHTML)
}
