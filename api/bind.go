package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
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

// checkKeys walks one JSON value against the Go type it is decoded into and
// refuses what encoding/json would quietly accept: a key that matches a field
// only when case is ignored ("Lines" for "lines") and a key given twice (the
// last one would win). Both are how a body says one thing to a proxy or a
// signature check and another to us. Keys of maps and of raw or untyped
// values are not checked against anything but duplicates.
func checkKeys(dec *json.Decoder, t reflect.Type, path string) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t != nil && (t.Implements(unmarshalerType) || reflect.PointerTo(t).Implements(unmarshalerType)) {
		t = nil // decodes itself: only duplicates are checked inside
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	delim, ok := tok.(json.Delim)
	if !ok {
		return nil // a scalar: the decoder checks its type
	}
	switch delim {
	case '[':
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) && t != rawMessageType {
			elem = t.Elem()
		}
		for i := 0; dec.More(); i++ {
			if err := checkKeys(dec, elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
				return err
			}
		}
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := tok.(string)
			name := key
			if path != "" {
				name = path + "." + key
			}
			if seen[key] {
				return &model.Error{Kind: model.ErrBadRequest, Code: "duplicate_field",
					Message: "field " + name + " is given twice",
					Fields:  []model.FieldError{{Field: name, Message: "is given twice"}}}
			}
			seen[key] = true
			var inner reflect.Type
			if t != nil && t.Kind() == reflect.Map {
				inner = t.Elem()
			} else if t != nil && t.Kind() == reflect.Struct {
				f := fieldByJSONName(t, key)
				if f == nil {
					// unknown, or known only when case is ignored: either
					// way not a field of this body
					return &model.Error{Kind: model.ErrBadRequest, Code: "unknown_field",
						Message: "unknown field " + name, Fields: []model.FieldError{{Field: name, Message: "is not accepted here"}}}
				}
				inner = f.Type
			}
			if err := checkKeys(dec, inner, name); err != nil {
				return err
			}
		}
	}
	_, err = dec.Token() // the closing delimiter
	return err
}

var (
	rawMessageType  = reflect.TypeOf(json.RawMessage(nil))
	unmarshalerType = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
)

// fieldByJSONName finds the field of struct t that encoding/json fills from
// key, matching the name exactly (embedded structs included).
func fieldByJSONName(t reflect.Type, key string) *reflect.StructField {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			et := f.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				if inner := fieldByJSONName(et, key); inner != nil {
					return inner
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		if name == key {
			return &f
		}
	}
	return nil
}

// decodeStrict decodes one JSON object from data into into: malformed JSON,
// unknown, case-variant and duplicate keys and wrong types are a 400 naming
// the problem.
func decodeStrict(data []byte, into any) error {
	dec := jsonDecoder(bytes.NewReader(data))
	if err := dec.Decode(into); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return model.BadRequest("malformed_json", "the body must hold one JSON object")
	}
	return checkKeys(json.NewDecoder(bytes.NewReader(data)), reflect.TypeOf(into), "")
}
