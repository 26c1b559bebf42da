package api_test

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence"
	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// artifactDoc is an artifact as the API returns it.
type artifactDoc struct {
	ID        int64
	ActionID  int64  `json:"action_id"`
	Kind      string `json:"kind"`
	Title     string
	DocNumber string `json:"doc_number"`
	DocDate   string `json:"doc_date"`
	Signer    string
	SHA256    string `json:"sha256"`
	Size      int64
	MediaType string  `json:"media_type"`
	FileName  string  `json:"file_name"`
	RemovedAt *string `json:"removed_at"`
}

// part is one part of a multipart body: a field (no file name) or a file.
type part struct {
	name, fileName, contentType string
	data                        []byte
	// disposition replaces the Content-Disposition made of name and
	// fileName.
	disposition string
}

func field(name, value string) part { return part{name: name, data: []byte(value)} }

func file(name string, data []byte) part {
	return part{name: "file", fileName: name, contentType: "application/octet-stream", data: data}
}

// skFields are the metadata of a typical SK.
func skFields(kind string) []part {
	return []part{field("kind", kind), field("title", "SK Gubernur Kalimantan Selatan tentang Tim Manajemen Risiko SPBE"),
		field("doc_number", "188.44/0123/KUM/2024"), field("doc_date", "2024-08-20"), field("signer", "Gubernur Kalimantan Selatan")}
}

// multipartBody encodes parts, returning the Content-Type and the body.
func multipartBody(parts ...part) (string, string) { return multipartWith("", parts...) }

// multipartWith encodes parts with boundary (random if empty).
func multipartWith(boundary string, parts ...part) (string, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if boundary != "" {
		w.SetBoundary(boundary)
	}
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		// Quoted as browsers do: only " and \ are escaped, other bytes
		// (control characters included) are sent as they are.
		quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace
		disp := `form-data; name="` + quote(p.name) + `"`
		if p.fileName != "" || p.name == "file" {
			disp += `; filename="` + quote(p.fileName) + `"`
		}
		h.Set("Content-Disposition", cmp.Or(p.disposition, disp))
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			panic(err)
		}
		pw.Write(p.data)
	}
	w.Close()
	return w.FormDataContentType(), b.String()
}

// upload sends parts to an action's artifacts as who.
func (f *fixture) upload(who string, action int64, parts []part, headers ...string) *httptest.ResponseRecorder {
	f.t.Helper()
	ct, body := multipartBody(parts...)
	return f.do("POST", fmt.Sprintf("/api/v1/actions/%d/artifacts", action), f.tokens[who], body, nil,
		append([]string{"Content-Type", ct}, headers...)...)
}

// mustUpload uploads a document and returns the artifact.
func (f *fixture) mustUpload(who string, action int64, kind, name string, data []byte) artifactDoc {
	f.t.Helper()
	rec := f.upload(who, action, append(skFields(kind), file(name, data)))
	mustStatus(f.t, rec, 201)
	var out artifactDoc
	mustDecode(f.t, rec, &out)
	return out
}

func mustDecode(t testing.TB, rec *httptest.ResponseRecorder, out any) {
	t.Helper()
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
}

// storeState counts what evidence the database and the store hold.
type storeState struct{ rows, events, blobs, staged int }

func (f *fixture) storeState() storeState {
	f.t.Helper()
	var s storeState
	f.db.Raw(`SELECT count(*) FROM artifacts`).Scan(&s.rows)
	f.db.Raw(`SELECT count(*) FROM finding_events WHERE kind LIKE 'artifact_%'`).Scan(&s.events)
	f.store.Walk(context.Background(), func(evidence.BlobInfo) error { s.blobs++; return nil })
	entries, _ := os.ReadDir(filepath.Join(f.storeDir, "staging"))
	s.staged = len(entries)
	return s
}

func TestEvidenceRoundTrip(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("in_progress")
	act := f.assign("manager", fd.ID, "")
	docs := []struct {
		kind, name, media string
		data              []byte
	}{
		{"sk", "SK Gubernur Nomor 188.44 – Tim Risiko.pdf", evidence.PDF, evidencetest.PDF("Keputusan Gubernur Kalimantan Selatan", 300<<10)},
		{"pedoman", "Pedoman Manajemen Risiko SPBE.docx", evidence.DOCX, evidencetest.DOCX("Pedoman Manajemen Risiko SPBE", 20<<10)},
		{"laporan", "Matriks Tindak Lanjut 2024.xlsx", evidence.XLSX, evidencetest.XLSX("Matriks tindak lanjut")},
		{"peta_rencana", "Peta Rencana SPBE Kalimantan Selatan.odt", evidence.ODT, evidencetest.ODF(evidence.ODT, "Peta rencana")},
		{"tata_kelola", "Arsitektur SPBE Daerah.ods", evidence.ODS, evidencetest.ODF(evidence.ODS, "Arsitektur")},
		{"lainnya", "Foto Rapat Koordinasi.png", evidence.PNG, evidencetest.PNG(64, 48)},
		{"sk", "Pindaian SK bertanda tangan é.jpg", evidence.JPEG, evidencetest.JPEG(320, 240)},
	}
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			rec := f.upload("officer", act.ID, append(skFields(d.kind), file(d.name, d.data)))
			mustStatus(t, rec, 201)
			var got artifactDoc
			mustDecode(t, rec, &got)
			sum := sha256.Sum256(d.data)
			if got.SHA256 != hex.EncodeToString(sum[:]) || got.Size != int64(len(d.data)) || got.MediaType != d.media ||
				got.FileName != d.name || got.Kind != d.kind || got.ActionID != act.ID || got.DocDate != "2024-08-20" {
				t.Errorf("artifact = %+v", got)
			}
			if loc := rec.Header().Get("Location"); loc != fmt.Sprintf("/api/v1/artifacts/%d", got.ID) {
				t.Errorf("Location = %q", loc)
			}
			var meta artifactDoc
			mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/artifacts/%d", got.ID), f.tokens["viewer"], "", &meta), 200)
			if meta != got {
				t.Errorf("metadata %+v; upload answered %+v", meta, got)
			}

			content := fmt.Sprintf("/api/v1/artifacts/%d/content", got.ID)
			rec = f.do("GET", content, f.tokens["manager"], "", nil)
			mustStatus(t, rec, 200)
			if !bytes.Equal(rec.Body.Bytes(), d.data) {
				t.Errorf("downloaded %d bytes differ from the %d uploaded", rec.Body.Len(), len(d.data))
			}
			etag := `"` + got.SHA256 + `"`
			if h := rec.Header(); h.Get("Content-Type") != d.media || h.Get("ETag") != etag || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", h)
			}
			disp, params, err := mime.ParseMediaType(rec.Header().Get("Content-Disposition"))
			if err != nil || disp != "attachment" || params["filename"] != d.name {
				t.Errorf("Content-Disposition %q → %q %v, %v", rec.Header().Get("Content-Disposition"), disp, params, err)
			}
			mustStatus(t, f.do("GET", content, f.tokens["manager"], "", nil, "If-None-Match", etag), 304)
			rec = f.do("GET", content, f.tokens["manager"], "", nil, "Range", "bytes=10-59")
			mustStatus(t, rec, 206)
			if !bytes.Equal(rec.Body.Bytes(), d.data[10:60]) || rec.Header().Get("Content-Range") != fmt.Sprintf("bytes 10-59/%d", len(d.data)) {
				t.Errorf("range: %d bytes, Content-Range %q", rec.Body.Len(), rec.Header().Get("Content-Range"))
			}
			mustStatus(t, f.do("GET", content, f.tokens["manager"], "", nil, "Range", fmt.Sprintf("bytes=%d-", len(d.data)+10)), 416)
		})
	}

	// The same bytes again, as another document: one blob, two artifacts.
	before := f.storeState()
	again := f.mustUpload("manager", act.ID, "sk", "salinan.pdf", docs[0].data)
	after := f.storeState()
	if after.blobs != before.blobs || after.rows != before.rows+1 || again.SHA256 == "" {
		t.Errorf("a duplicate upload: %+v → %+v", before, after)
	}
	if after.blobs != len(docs) || after.staged != 0 {
		t.Errorf("store holds %d blobs and %d staged files; want %d and 0", after.blobs, after.staged, len(docs))
	}

	// Each upload is in the finding's history, which still verifies.
	var events struct {
		Items []struct {
			Kind string
			Data map[string]any
		}
	}
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d/events?limit=200", fd.ID), f.tokens["auditor"], "", &events), 200)
	var sums []string
	for _, e := range events.Items {
		if e.Kind == finding.EventArtifactAdded {
			sums = append(sums, fmt.Sprint(e.Data["sha256"]))
		}
	}
	if len(sums) != len(docs)+1 || sums[len(sums)-1] != again.SHA256 {
		t.Errorf("artifact events name %v", sums)
	}
	rep, err := finding.VerifyHistory(context.Background(), f.db)
	if err != nil || len(rep.Breaks) != 0 {
		t.Errorf("history: %+v %v", rep, err)
	}
	var detail findingDoc
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["officer"], "", &detail), 200)
	for _, a := range detail.Actions {
		if a.ID == act.ID && len(a.Artifacts) != len(docs)+1 {
			t.Errorf("the action lists %d artifacts; want %d", len(a.Artifacts), len(docs)+1)
		}
	}
}

func TestEvidenceBadInput(t *testing.T) {
	f := newFixture(t)
	f.tokens["officerB"] = f.login(f.users["officerB"].Email)
	fd := f.findingIn("in_progress")
	act := f.assign("manager", fd.ID, "")
	closed := f.findingIn("closed")
	submitted := f.findingIn("submitted")
	// Another unit's finding, with an action of its officer.
	other := f.findingInUnitB()

	pdf := evidencetest.PDF("SK", 2000)
	atLimit := evidencetest.PDF("SK", uploadLimit)[:uploadLimit-7]
	atLimit = append(atLimit, []byte("\n%%EOF\n")...)
	overLimit := append(bytes.Clone(atLimit), '\n')
	with := func(extra ...part) []part { return append(skFields("sk"), extra...) }
	without := func(name string, extra ...part) []part {
		var out []part
		for _, p := range skFields("sk") {
			if p.name != name {
				out = append(out, p)
			}
		}
		return append(out, extra...)
	}
	replace := func(name, value string, extra ...part) []part {
		out := without(name)
		return append(append(out, field(name, value)), extra...)
	}

	tests := []struct {
		name   string
		who    string
		action int64
		parts  []part
		raw    func() (contentType, body string) // instead of parts
		status int
		fields []string
	}{
		{name: "an executable renamed .pdf", parts: with(part{name: "file", fileName: "SK Gubernur.pdf", contentType: "application/pdf", data: evidencetest.ELF()}), status: 415},
		{name: "a Windows executable renamed .docx", parts: with(file("pedoman.docx", evidencetest.EXE())), status: 415},
		{name: "a zip that is not an office document", parts: with(file("bukti.docx", evidencetest.Zip(evidencetest.Entry{Name: "baca.txt", Body: "isi"}))), status: 415},
		{name: "html", parts: with(file("bukti.pdf", []byte("<html><script>alert(1)</script></html>"))), status: 415},
		{name: "an empty file", parts: with(file("kosong.pdf", nil)), status: 422, fields: []string{"file"}},
		{name: "one byte over the limit", parts: with(file("besar.pdf", overLimit)), status: 413},
		{name: "the limit, with the fields after the file", parts: append([]part{file("pas.pdf", atLimit)}, skFields("sk")...), status: 201},
		{name: "no file part", parts: skFields("sk"), status: 422, fields: []string{"file"}},
		{name: "two files", parts: with(file("a.pdf", pdf), file("b.pdf", pdf)), status: 422, fields: []string{"file"}},
		{name: "a bad date", parts: replace("doc_date", "2024-02-30", file("sk.pdf", pdf)), status: 422, fields: []string{"doc_date"}},
		{name: "a date the Indonesian way", parts: replace("doc_date", "20/08/2024", file("sk.pdf", pdf)), status: 422, fields: []string{"doc_date"}},
		{name: "an unknown kind", parts: replace("kind", "memo", file("sk.pdf", pdf)), status: 422, fields: []string{"kind"}},
		{name: "no kind and no title", parts: without("title", file("sk.pdf", pdf))[1:], status: 422, fields: []string{"kind", "title"}},
		{name: "a title over 300 characters", parts: replace("title", strings.Repeat("a", 301), file("sk.pdf", pdf)), status: 422, fields: []string{"title"}},
		{name: "a field over 4 KiB", parts: replace("signer", strings.Repeat("b", 5000), file("sk.pdf", pdf)), status: 422, fields: []string{"signer"}},
		{name: "a title of two lines", parts: replace("title", "SK\nGubernur", file("sk.pdf", pdf)), status: 422, fields: []string{"title"}},
		{name: "a field that is not UTF-8", parts: replace("signer", "Gubernur \xff", file("sk.pdf", pdf)), status: 422, fields: []string{"signer"}},
		{name: "a field sent twice", parts: with(field("kind", "sop"), file("sk.pdf", pdf)), status: 422, fields: []string{"kind"}},
		{name: "an unknown field", parts: with(field("nomor", "1"), file("sk.pdf", pdf)), status: 422, fields: []string{"nomor"}},
		{name: "a file name that is only a path", parts: with(file("../..", pdf)), status: 422, fields: []string{"file"}},
		{name: "a file name of control characters", parts: with(part{name: "file", data: pdf,
			disposition: `form-data; name="file"; filename*=UTF-8''%01%02%1B`}), status: 422, fields: []string{"file"}},
		{name: "control characters in the part's header", parts: with(file("SK\x01.pdf", pdf)), status: 400},
		{name: "JSON instead of multipart", raw: func() (string, string) { return "application/json", `{"kind":"sk"}` }, status: 415},
		{name: "multipart without a boundary", raw: func() (string, string) { return "multipart/form-data", "--x\r\n" }, status: 415},
		{name: "a truncated multipart body", raw: func() (string, string) {
			ct, body := multipartBody(with(file("sk.pdf", pdf))...)
			return ct, body[:len(body)/2]
		}, status: 400},
		{name: "a multipart body with another boundary", raw: func() (string, string) {
			_, body := multipartBody(with(file("sk.pdf", pdf))...)
			return "multipart/form-data; boundary=lain", body
		}, status: 422, fields: []string{"file"}},
		{name: "someone else's action", who: "officerB", parts: with(file("sk.pdf", pdf)), status: 404},
		{name: "another unit's action, as manager", action: other, parts: with(file("sk.pdf", pdf)), status: 404},
		{name: "no such action", action: 999999, parts: with(file("sk.pdf", pdf)), status: 404},
		{name: "a closed finding", action: closed.Actions[0].ID, who: "manager", parts: with(file("sk.pdf", pdf)), status: 409},
		{name: "a submitted finding", action: submitted.Actions[0].ID, who: "manager", parts: with(file("sk.pdf", pdf)), status: 409},
		{name: "as viewer", who: "viewer", parts: with(file("sk.pdf", pdf)), status: 403},
		{name: "as auditor", who: "auditor", parts: with(file("sk.pdf", pdf)), status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.t = t
			who := cmp.Or(tt.who, "manager")
			action := act.ID
			if tt.action != 0 {
				action = tt.action
			}
			before := f.storeState()
			var rec *httptest.ResponseRecorder
			if tt.raw != nil {
				ct, body := tt.raw()
				rec = f.do("POST", fmt.Sprintf("/api/v1/actions/%d/artifacts", action), f.tokens[who], body, nil, "Content-Type", ct)
			} else {
				rec = f.upload(who, action, tt.parts)
			}
			after := f.storeState()
			if tt.status == 201 {
				mustStatus(t, rec, 201)
				if after.rows != before.rows+1 || after.blobs != before.blobs+1 || after.staged != 0 {
					t.Errorf("store %+v → %+v", before, after)
				}
				return
			}
			p := f.problem(rec, tt.status)
			if got := fields(p); !slices.Equal(got, tt.fields) {
				t.Errorf("fields = %v; want %v (%s)", got, tt.fields, p.Detail)
			}
			if after != before {
				t.Errorf("a refused upload changed the store: %+v → %+v", before, after)
			}
		})
	}
	f.t = t

	// What a client sends as the file name is cleaned, not refused.
	got := f.mustUpload("officer", act.ID, "sk", "../../etc/passwd", pdf)
	if got.FileName != "passwd" {
		t.Errorf("file name %q; want passwd", got.FileName)
	}
	rec := f.upload("officer", act.ID, append(skFields("sk"), part{name: "file", data: evidencetest.PDF("lain", 0),
		disposition: `form-data; name="file"; filename*=UTF-8''SK%1B%5B31m%20Gubernur%00%E2%80%AE.pdf`}))
	mustStatus(t, rec, 201)
	mustDecode(t, rec, &got)
	if got.FileName != "SK[31m Gubernur.pdf" {
		t.Errorf("file name %q", got.FileName)
	}
}

// findingInUnitB is an issued finding of unit B with an action assigned to
// its officer; it returns the action's id.
func (f *fixture) findingInUnitB() int64 {
	f.t.Helper()
	var fd findingDoc
	mustStatus(f.t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan Bappeda",
		"severity":"low","unit_id":%d,"recommendation":"Menyusun SOP","due_date":"2024-12-31"}`, f.newReview(""), f.unitB.ID), &fd), 201)
	f.mustMove("auditor", fd, "issue", "")
	var a actionDoc
	mustStatus(f.t, f.do("POST", fmt.Sprintf("/api/v1/findings/%d/actions", fd.ID), f.tokens["auditor"], fmt.Sprintf(
		`{"title":"Menyusun SOP","assignee_id":%d,"due_date":"2024-12-31"}`, f.users["officerB"].ID), &a), 201)
	return a.ID
}

func TestEvidenceRemoval(t *testing.T) {
	f := newFixture(t)
	f.tokens["officerB"] = f.login(f.users["officerB"].Email)
	fd := f.findingIn("in_progress")
	act := f.assign("manager", fd.ID, "")
	art := f.mustUpload("officer", act.ID, "sk", "SK.pdf", evidencetest.PDF("SK", 0))
	path := fmt.Sprintf("/api/v1/artifacts/%d", art.ID)

	f.problem(f.do("DELETE", path, f.tokens["viewer"], "", nil), 403)
	f.problem(f.do("DELETE", path, f.tokens["officerB"], "", nil), 404)
	mustStatus(t, f.do("DELETE", path, f.tokens["officer"], "", nil), 204)
	f.problem(f.do("DELETE", path, f.tokens["officer"], "", nil), 404)
	var meta artifactDoc
	mustStatus(t, f.do("GET", path, f.tokens["auditor"], "", &meta), 200)
	if meta.RemovedAt == nil {
		t.Errorf("a removed artifact has no removed_at: %+v", meta)
	}
	// The bytes stay, for the history that names them.
	mustStatus(t, f.do("GET", path+"/content", f.tokens["auditor"], "", nil), 200)
	for _, a := range f.getFinding("officer", fd.ID).Actions {
		if a.ID == act.ID && len(a.Artifacts) != 0 {
			t.Errorf("the action still lists %d artifacts", len(a.Artifacts))
		}
	}
	var kinds []string
	f.db.Raw(`SELECT kind FROM finding_events WHERE finding_id = ? AND kind LIKE 'artifact_%' ORDER BY seq`, fd.ID).Scan(&kinds)
	if !slices.Equal(kinds, []string{finding.EventArtifactAdded, finding.EventArtifactRemoved}) {
		t.Errorf("events %v", kinds)
	}

	// A done action keeps the evidence it was completed with.
	done := fd.Actions[0]
	var doneDoc struct{ Actions []actionDoc }
	f.do("GET", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["admin"], "", &doneDoc)
	for _, a := range doneDoc.Actions {
		if a.ID == done.ID {
			f.problem(f.do("DELETE", fmt.Sprintf("/api/v1/artifacts/%d", a.Artifacts[0].ID), f.tokens["manager"], "", nil), 409)
		}
	}
	// A closed finding's evidence is immutable.
	closed := f.findingIn("closed")
	var cd findingDoc
	f.do("GET", fmt.Sprintf("/api/v1/findings/%d", closed.ID), f.tokens["admin"], "", &cd)
	p := f.problem(f.do("DELETE", fmt.Sprintf("/api/v1/artifacts/%d", cd.Actions[0].Artifacts[0].ID), f.tokens["admin"], "", nil), 409)
	if !strings.Contains(p.Detail, "closed") {
		t.Errorf("detail %q", p.Detail)
	}
}

func TestEvidenceUploadIsIdempotent(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("in_progress")
	act := f.assign("manager", fd.ID, "")
	pdf := evidencetest.PDF("SK", 10<<10)
	first := f.upload("officer", act.ID, append(skFields("sk"), file("SK.pdf", pdf)), "Idempotency-Key", "unggah-1")
	mustStatus(t, first, 201)
	// The retry is encoded afresh, with another boundary.
	retry := f.upload("officer", act.ID, append(skFields("sk"), file("SK.pdf", pdf)), "Idempotency-Key", "unggah-1")
	mustStatus(t, retry, 201)
	if retry.Header().Get("Idempotent-Replayed") != "true" || retry.Body.String() != first.Body.String() {
		t.Errorf("retry: %v %s", retry.Header(), retry.Body)
	}
	other := f.upload("officer", act.ID, append(skFields("sk"), file("SK.pdf", evidencetest.PDF("lain", 0))), "Idempotency-Key", "unggah-1")
	f.problem(other, 422)
	if s := f.storeState(); s.rows != 1+countAttached(f) || s.staged != 0 {
		t.Errorf("store after retries: %+v", s)
	}
}

// countAttached counts the artifacts findingIn inserted directly.
func countAttached(f *fixture) int {
	var n int
	f.db.Raw(`SELECT count(*) FROM artifacts WHERE media_type = 'application/pdf' AND size = 1024`).Scan(&n)
	return n
}

func TestEvidenceRequiredKindsComplete(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("in_progress")
	act := f.assign("manager", fd.ID, `["sk","pedoman"]`)
	complete := func() *httptest.ResponseRecorder {
		cur := actionVersion(f, fd.ID, act.ID)
		return f.do("POST", fmt.Sprintf("/api/v1/actions/%d/complete", act.ID), f.tokens["officer"], `{"note":"Selesai","version":`+cur+`}`, nil)
	}
	f.problem(complete(), 422)
	f.mustUpload("officer", act.ID, "sk", "SK.pdf", evidencetest.PDF("SK", 0))
	p := f.problem(complete(), 422)
	if !strings.Contains(p.Errors[0].Message, "pedoman") || strings.Contains(p.Errors[0].Message, "sk,") {
		t.Errorf("after the SK: %+v", p.Errors)
	}
	f.mustUpload("officer", act.ID, "pedoman", "Pedoman.docx", evidencetest.DOCX("Pedoman", 0))
	mustStatus(t, complete(), 200)
}
