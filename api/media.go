package api

// Product images: a supplier's uploads, deletions and ordering, and
// GET /media/{hash}, which serves public blobs by content hash. A hash names
// its bytes forever, so answers are cacheable for a year and revalidation
// is an ETag compare.

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/media"
)

// uploadPath is the image upload route, whose body may reach maxUploadBody.
const uploadPath = "/api/v1/supplier/products/:id/images"

// maxUploadBody is an image upload's body: the 5 MiB file and its
// multipart envelope.
const maxUploadBody = media.MaxUploadBytes + 64<<10

// mediaURL is where GET /media serves a blob.
func mediaURL(hash string) string {
	if hash == "" {
		return ""
	}
	return "/media/" + hash
}

type imageResp struct {
	ID           int64  `json:"id,omitempty"` // absent in lists
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url"`
	Width        int    `json:"width,omitempty"`
	Height       int    `json:"height,omitempty"`
}

func toImage(img *model.ProductImage) imageResp {
	return imageResp{ID: img.ID, URL: mediaURL(img.Hash), ThumbnailURL: mediaURL(img.ThumbHash),
		Width: img.Width, Height: img.Height}
}

// uploadFile reads the multipart field "file" (at most 5 MiB: 413 beyond).
func uploadFile(c *gin.Context) ([]byte, error) {
	bad := model.BadRequest("bad_upload", `send multipart/form-data with the image in the field "file"`)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return nil, bad
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, model.Invalid(model.FieldError{Field: "file", Message: "is required"})
		}
		if err != nil {
			return nil, uploadErr(err, bad)
		}
		if part.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, media.MaxUploadBytes+1))
		if err != nil {
			return nil, uploadErr(err, bad)
		}
		if len(data) > media.MaxUploadBytes {
			return nil, &http.MaxBytesError{Limit: media.MaxUploadBytes}
		}
		return data, nil
	}
}

// uploadErr keeps a body over the limit a 413; any other broken multipart
// body is a 400.
func uploadErr(err, bad error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return bad
}

func (r *router) uploadProductImage(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	data, err := uploadFile(c)
	if err != nil {
		writeError(c, err)
		return
	}
	img, err := r.Media.Upload(c.Request.Context(), caller(c), id, data)
	respond(c, http.StatusCreated, img, err, toImage)
}

func (r *router) deleteProductImage(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	imageID, err := pathID(c, "image")
	if err != nil {
		writeError(c, err)
		return
	}
	if err := r.Media.Delete(c.Request.Context(), caller(c), id, imageID); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type imageOrderReq struct {
	IDs []int64 `json:"ids"`
}

// orderProductImages sets the display order: PUT .../images/order
// {"ids": [...]} naming each image once; the first is the list thumbnail.
func (r *router) orderProductImages(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req imageOrderReq
	if err := bind(c, &req); err != nil {
		writeError(c, err)
		return
	}
	imgs, err := r.Media.Reorder(c.Request.Context(), caller(c), id, req.IDs)
	respondItems(c, imgs, err, toImage)
}

// serveMedia is GET /media/{hash}: a public blob, cacheable for a year.
func (r *router) serveMedia(c *gin.Context) {
	hash := c.Param("hash")
	b, err := r.Media.Public(c.Request.Context(), hash)
	if err != nil {
		writeError(c, err)
		return
	}
	etag := `"` + b.Hash + `"`
	c.Header("ETag", etag)
	c.Header("Cache-Control", "public, max-age=31536000, immutable")
	if etagMatch(c.GetHeader("If-None-Match"), etag) {
		c.Status(http.StatusNotModified)
		return
	}
	c.Data(http.StatusOK, b.ContentType, b.Data)
}

// etagMatch: header (If-None-Match) lists etag, weakly compared, or is "*".
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
