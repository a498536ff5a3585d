package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"shanhai/model"
)

func jsonDecoder(r io.Reader) *json.Decoder {
	d := json.NewDecoder(r)
	d.DisallowUnknownFields()
	return d
}

// decodeError explains a JSON decoding failure as a 400 (or a 413 when the
// body is over the limit).
func decodeError(err error) error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.Is(err, io.EOF):
		return model.BadRequest("malformed_json", "the body is empty; a JSON object is required")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return model.BadRequest("malformed_json", "the body is not valid JSON")
	case errors.As(err, &typ) && typ.Field == "":
		// the body itself is the wrong kind of JSON (an array, a string):
		// say so without naming a Go type
		return model.BadRequest("malformed_json", "the body must be a JSON object")
	case errors.As(err, &typ):
		return &model.Error{Kind: model.ErrBadRequest, Code: "malformed_json",
			Message: "wrong type for " + typ.Field,
			Fields:  []model.FieldError{{Field: typ.Field, Message: "must be " + typ.Type.String()}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for unknown fields
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &model.Error{Kind: model.ErrBadRequest, Code: "unknown_field",
			Message: "unknown field " + name, Fields: []model.FieldError{{Field: name, Message: "is not accepted here"}}}
	}
	return model.BadRequest("malformed_json", "the body could not be read as JSON")
}

// rawJSON embeds stored JSON text as is.
func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}
