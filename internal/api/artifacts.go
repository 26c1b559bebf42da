package api

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// uploadForm documents the multipart body of an upload.
type uploadForm struct {
	File      string `json:"file" format:"binary" required:"true"`
	Kind      string `json:"kind" enum:"sk,surat_edaran,peraturan,tata_kelola,pedoman,peta_rencana,sop,laporan,lainnya" required:"true"`
	Title     string `json:"title" required:"true"`
	DocNumber string `json:"doc_number"`
	DocDate   string `json:"doc_date" format:"date"`
	Signer    string `json:"signer"`
}

// uploadFields are the form's text fields.
var uploadFields = []string{"kind", "title", "doc_number", "doc_date", "signer"}

// formOverhead is what a multipart body may hold beyond the file: the text
// fields and every part's headers and boundaries.
const formOverhead = 1 << 20

// artifactUpload receives a document as evidence of an action. The caller's
// right to add evidence is checked before the body is read; the file is
// streamed into the store's staging area while hashed, its type judged
// from its content, and committed (durably) just before the artifact row.
func (a *API) artifactUpload(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	req := c.Request()
	ctx := req.Context()
	p := principal(c)
	if err := a.findings.CheckUpload(ctx, p, id); err != nil {
		return err
	}
	media, params, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || media != "multipart/form-data" || params["boundary"] == "" {
		return apperr.E(apperr.Unsupported, "Send the document as multipart/form-data: a file part named file, "+
			"and the fields kind, title, doc_number, doc_date and signer.")
	}
	body := http.MaxBytesReader(c.Response(), req.Body, a.uploadLimit+formOverhead)
	// Reads from the connection in 64 KiB (multipart's own buffer is 4 KiB).
	mr := multipart.NewReader(bufio.NewReaderSize(body, 64<<10), params["boundary"])
	form, err := evidence.ReceiveForm(ctx, a.evidence, mr, a.uploadLimit, uploadFields)
	if form.Upload != nil {
		defer form.Upload.Staging.Abort()
	}
	if err != nil {
		return err
	}
	u := form.Upload
	in := finding.ArtifactInput{Kind: form.Fields["kind"], Title: form.Fields["title"], DocNumber: form.Fields["doc_number"],
		Signer: form.Fields["signer"], FileName: form.FileName, MediaType: u.MediaType, Size: u.Size, SHA256: u.Sum[:]}
	if d, ok := form.Fields["doc_date"]; ok {
		in.DocDate = &d
	}
	create := func() error {
		art, err := a.findings.AddArtifact(ctx, p, id, in, func(ctx context.Context) error { return u.Staging.Commit(ctx, u.Sum) })
		if err != nil {
			return err
		}
		return created(c, Prefix+"/artifacts/"+strconv.FormatInt(art.ID, 10), a.toArtifact(art))
	}
	if key == "" {
		return create()
	}
	// The fingerprint is what the upload means, not its bytes on the wire:
	// a client that retries may choose another multipart boundary.
	h := sha256.New()
	for _, f := range uploadFields {
		fmt.Fprintf(h, "%s=%q\n", f, form.Fields[f])
	}
	fmt.Fprintf(h, "file=%q %x\n", form.FileName, u.Sum)
	return a.once(c, key, h.Sum(nil), create)
}

func (a *API) artifactGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	art, err := a.findings.GetArtifact(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toArtifact(art))
}

// artifactContent serves a document's exact bytes. The ETag is its
// SHA-256, so conditional and range requests (http.ServeContent) are exact.
func (a *API) artifactContent(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	art, err := a.findings.GetArtifact(ctx, principal(c), id)
	if err != nil {
		return err
	}
	return evidence.Serve(c.Response(), c.Request(), a.evidence, evidence.Sum(art.SHA256), art.MediaType, art.FileName, art.CreatedAt)
}

func (a *API) artifactDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.findings.RemoveArtifact(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
