package evidence

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// Serve answers r with the blob sum of st as a download: its exact bytes,
// mediaType, an attachment named fileName, the SHA-256 as ETag (so that
// conditional and range requests, which http.ServeContent answers, are
// exact), and no caching beyond the browser's revalidated copy: whether
// the caller may see it is decided per request.
func Serve(w http.ResponseWriter, r *http.Request, st Store, sum Sum, mediaType, fileName string, modTime time.Time) error {
	blob, err := st.Open(context.WithoutCancel(r.Context()), sum)
	if err != nil {
		return fmt.Errorf("open blob %s: %w", sum, err)
	}
	defer blob.Close()
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Disposition", ContentDisposition(fileName))
	h.Set("ETag", `"`+sum.String()+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	http.ServeContent(w, r, "", modTime, blob)
	return nil
}
