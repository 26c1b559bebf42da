package report

import (
	"fmt"
	"net/http"
)

// Serve answers a download of m in format ("xlsx" or "csv"), named by
// the matrix's date. The XLSX is streamed as it is written.
func Serve(w http.ResponseWriter, m Matrix, format string) error {
	h := w.Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="matriks-tindak-lanjut-%s.%s"`, m.Today, format))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	if format == "csv" {
		h.Set("Content-Type", CSVContentType)
		w.WriteHeader(http.StatusOK)
		return WriteCSV(w, m)
	}
	h.Set("Content-Type", XLSXContentType)
	w.WriteHeader(http.StatusOK)
	return WriteXLSX(w, m)
}
