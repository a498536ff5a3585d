package check

import "bytes"

// MaxScan is the largest scan the API takes: an invoice or a contract,
// photographed or printed to PDF.
const MaxScan = 10 << 20

// ScanType is the content type of a scan's bytes, judged by the bytes, not
// by the file name or the header the client sent: PDF, JPEG or PNG, or ""
// for anything else.
func ScanType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	}
	return ""
}

// Scan checks an uploaded scan (present, at most MaxScan bytes, a PDF, JPEG
// or PNG) and returns its content type.
func (f *Fields) Scan(field string, data []byte) string {
	ct := ScanType(data)
	switch {
	case len(data) == 0:
		f.Add(field, "is required")
	case len(data) > MaxScan:
		f.Add(field, "must be at most 10 MiB")
	case ct == "":
		f.Add(field, "must be a PDF, JPEG or PNG scan")
	}
	return ct
}
