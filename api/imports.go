package api

// Bulk import: templates, an xlsx upload staged as a job, its progress and
// preview, commit, the per-row result, and verifying every record of a job.

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"shanhai/model"
	"shanhai/service/imports"
	"shanhai/service/sheet"
)

// importPath is the import upload route, whose body may reach maxImportBody.
const importPath = "/api/v1/imports"

// maxImportBody is an import upload's body: the 20 MiB file and its envelope.
const maxImportBody = imports.MaxFile + 64<<10

type importTotalsResp struct {
	Rows      int               `json:"rows"`
	ByStatus  map[string]int    `json:"by_status"`
	Records   int               `json:"records"`
	Cents     int64             `json:"cents"`
	ByPairing []model.ImportSum `json:"by_pairing"`
	ByReason  []model.ImportSum `json:"by_reason"`
	Failure   string            `json:"failure,omitempty"`
}

type importProgressResp struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

type importJobResp struct {
	ID        int64              `json:"id"`
	Kind      string             `json:"kind"`
	Status    string             `json:"status"`
	OrgID     *int64             `json:"org_id"`
	FileName  string             `json:"file_name"`
	FileHash  string             `json:"sha256"`
	Progress  importProgressResp `json:"progress"`
	Totals    *importTotalsResp  `json:"totals"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
}

func toImportJob(j *imports.Job) importJobResp {
	out := importJobResp{ID: j.ID, Kind: j.Kind, Status: j.Status, OrgID: j.OrgID, FileName: j.FileName, FileHash: j.FileHash,
		Progress: importProgressResp{Done: j.Done, Total: j.Rows}, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
	if t := j.Totals; t != nil {
		out.Totals = &importTotalsResp{Rows: t.Rows, ByStatus: t.ByStatus, Records: t.Records, Cents: t.Cents,
			ByPairing: t.ByPairing, ByReason: t.ByReason, Failure: t.Failure}
		if out.Totals.ByPairing == nil {
			out.Totals.ByPairing = []model.ImportSum{}
		}
		if out.Totals.ByReason == nil {
			out.Totals.ByReason = []model.ImportSum{}
		}
	}
	return out
}

func (r *router) importTemplate(c *gin.Context) {
	b, name, err := r.Imports.Template(c.Request.Context(), c.Param("kind"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Data(http.StatusOK, sheet.ContentTypeXLSX, b)
}

// uploadImport reads the multipart fields "kind" and "file" (at most
// 20 MiB: 413 beyond).
func uploadImport(c *gin.Context) (kind, name string, data []byte, err error) {
	bad := model.BadRequest("bad_upload", `send multipart/form-data with "kind" and the workbook in the field "file"`)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return "", "", nil, bad
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", "", nil, uploadErr(err, bad)
		}
		switch part.FormName() {
		case "kind":
			b, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return "", "", nil, uploadErr(err, bad)
			}
			kind = string(b)
		case "file":
			data, err = io.ReadAll(io.LimitReader(part, imports.MaxFile+1))
			if err != nil {
				return "", "", nil, uploadErr(err, bad)
			}
			if len(data) > imports.MaxFile {
				return "", "", nil, &http.MaxBytesError{Limit: imports.MaxFile}
			}
			name = part.FileName()
		}
	}
	if data == nil {
		return "", "", nil, model.Invalid(model.FieldError{Field: "file", Message: "is required"})
	}
	return kind, name, data, nil
}

func (r *router) createImport(c *gin.Context) {
	kind, name, data, err := uploadImport(c)
	if err != nil {
		writeError(c, err)
		return
	}
	j, err := r.Imports.Upload(c.Request.Context(), caller(c), kind, name, data)
	respond(c, http.StatusAccepted, j, err, toImportJob)
}

func (r *router) listImports(c *gin.Context) {
	page, size, err := paging(c)
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := r.Imports.List(c.Request.Context(), caller(c), page, size)
	respondList(c, p, err, toImportJob)
}

func (r *router) getImport(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	j, err := r.Imports.Get(c.Request.Context(), caller(c), id)
	respond(c, http.StatusOK, j, err, toImportJob)
}

func (r *router) commitImport(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	if err := bindOptional(c, &struct{}{}); err != nil {
		writeError(c, err)
		return
	}
	j, err := r.Imports.Commit(c.Request.Context(), caller(c), id)
	respond(c, http.StatusAccepted, j, err, toImportJob)
}

func (r *router) importResult(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	b, name, err := r.Imports.Result(c.Request.Context(), caller(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Data(http.StatusOK, sheet.ContentTypeXLSX, b)
}

type verifyFailureResp struct {
	RecordID int64  `json:"record_id"`
	Code     string `json:"code"`
	Message  string `json:"message"`
}

type importVerifyResp struct {
	Verified int                 `json:"verified"`
	Skipped  int                 `json:"skipped"`
	Failed   []verifyFailureResp `json:"failed"`
}

func (r *router) verifyImport(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	if err := bindOptional(c, &struct{}{}); err != nil {
		writeError(c, err)
		return
	}
	v, err := r.Imports.Verify(c.Request.Context(), caller(c), id)
	respond(c, http.StatusOK, v, err, func(v *imports.VerifyResult) importVerifyResp {
		out := importVerifyResp{Verified: v.Verified, Skipped: v.Skipped, Failed: []verifyFailureResp{}}
		for _, f := range v.Failed {
			out.Failed = append(out.Failed, verifyFailureResp{RecordID: f.RecordID, Code: f.Code, Message: f.Message})
		}
		return out
	})
}
