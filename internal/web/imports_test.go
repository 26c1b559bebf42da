package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// importRE finds the staged upload of a preview's address.
var importRE = regexp.MustCompile(`^/reviu/(\d+)/impor/(\d+)$`)

func TestImportThroughForms(t *testing.T) {
	s := newSite(t)
	count := func() (n int) {
		s.db.Raw(`SELECT count(*) + (SELECT count(*) FROM finding_events) FROM findings`).Scan(&n)
		return
	}
	b := s.browser()
	b.signIn("auditor")
	status, page, _ := b.get(fmt.Sprintf("/reviu/%d/impor", s.review))
	if status != 200 || !strings.Contains(page, "Impor dari spreadsheet") || !strings.Contains(page, "/impor/templat?format=xlsx") {
		t.Fatalf("form: %d\n%.600s", status, page)
	}
	csrf := token(t, page)

	// A register whose number column is headed "Kode", which no alias
	// knows, and whose row 3 names an unknown unit.
	register := "\uFEFFKode;Judul;Tingkat;Unit;Tenggat;Rekomendasi;Status\r\n" +
		"T-1;Kebijakan SPBE belum ditetapkan;tinggi;DISKOMINFO;17 Agustus 2025;Tetapkan kebijakan;open\r\n" +
		"T-2;SOP layanan belum ada;sedang;DINKES;31/12/2025;;draft\r\n"
	status, _, h := b.postFile(fmt.Sprintf("/reviu/%d/impor", s.review), [][2]string{{"csrf", csrf}}, "register.csv", []byte(register))
	m := importRE.FindStringSubmatch(h.Get("Location"))
	if status != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d %q", status, h.Get("Location"))
	}
	preview := h.Get("Location")
	status, page, _ = b.get(preview)
	if status != 422 || !strings.Contains(page, "tidak ada kolom nomor temuan") || !strings.Contains(page, `<input type="hidden" name="h" value="Kode">`) {
		t.Fatalf("preview without a number column: %d\n%s", status, page)
	}
	// Map Kode to the number: the rows show, the problem first.
	status, page, _ = b.get(preview + "?" + url.Values{"h": {"Kode"}, "f": {"ref"}}.Encode())
	problems, rows := strings.Index(page, `id="masalah"`), strings.Index(page, `id="baris"`)
	if status != 200 || problems < 0 || rows < problems || !strings.Contains(page, "DINKES bukan kode atau nama unit") ||
		!strings.Contains(page, "disabled>Simpan 2 baris") || !strings.Contains(page, `<option value="ref" selected>`) {
		t.Fatalf("mapped preview: %d\n%s", status, page)
	}
	if count() != 0 {
		t.Fatal("a preview wrote")
	}
	sum := regexp.MustCompile(`name="sha256" value="([0-9a-f]{64})"`).FindStringSubmatch(page)
	confirm := url.Values{"csrf": {csrf}, "sha256": {sum[1]}, "h": {"Kode"}, "f": {"ref"}}
	// Confirming a file with problems writes nothing.
	if status, page, _ = b.post(preview, confirm); status != 422 || count() != 0 {
		t.Fatalf("confirm with problems: %d\n%.500s", status, page)
	}

	// The corrected file, previewed and confirmed.
	fixed := strings.Replace(register, "DINKES", "DISKOMINFO", 1)
	_, _, h = b.postFile(fmt.Sprintf("/reviu/%d/impor", s.review), [][2]string{{"csrf", csrf}}, "register.csv", []byte(fixed))
	preview = h.Get("Location")
	_, page, _ = b.get(preview + "?h=Kode&f=ref")
	sum = regexp.MustCompile(`name="sha256" value="([0-9a-f]{64})"`).FindStringSubmatch(page)
	if sum == nil || strings.Contains(page, `id="masalah"`) || !strings.Contains(page, ">Simpan 2 baris") {
		t.Fatalf("corrected preview:\n%s", page)
	}
	// A confirmation naming another file (its hash) is refused.
	other := url.Values{"csrf": {csrf}, "sha256": {strings.Repeat("0", 64)}, "h": {"Kode"}, "f": {"ref"}}
	if status, page, _ = b.post(preview, other); status != http.StatusConflict || !strings.Contains(page, "bukan berkas yang dipratinjau") || count() != 0 {
		t.Fatalf("another file: %d\n%.800s", status, page)
	}
	// Without the form's token: refused.
	if status, _, _ = b.post(preview, url.Values{"sha256": {sum[1]}}); status != http.StatusForbidden || count() != 0 {
		t.Fatalf("no token: %d", status)
	}
	status, _, h = b.post(preview, url.Values{"csrf": {csrf}, "sha256": {sum[1]}, "h": {"Kode"}, "f": {"ref"}})
	if status != http.StatusSeeOther || !strings.HasSuffix(h.Get("Location"), "?selesai=2-0-0") {
		t.Fatalf("confirm: %d %s", status, h.Get("Location"))
	}
	_, page, _ = b.get(h.Get("Location"))
	if !strings.Contains(page, "Impor selesai: 2 temuan baru, 0 diubah, 0 tetap.") {
		t.Errorf("after the import:\n%.800s", page)
	}
	var refs []string
	s.db.Raw(`SELECT import_ref || ':' || state FROM findings ORDER BY import_ref`).Scan(&refs)
	if strings.Join(refs, ",") != "T-1:open,T-2:draft" {
		t.Errorf("written: %v", refs)
	}
	// The kept file is gone once written.
	if status, _, _ = b.post(preview, url.Values{"csrf": {csrf}, "sha256": {sum[1]}, "h": {"Kode"}, "f": {"ref"}}); status != http.StatusNotFound {
		t.Errorf("confirming twice: %d", status)
	}

	// A file that is not a register is shown on the form.
	status, page, _ = b.postFile(fmt.Sprintf("/reviu/%d/impor", s.review), [][2]string{{"csrf", csrf}}, "program.xlsx", []byte("MZ\x90\x00\x03\x00\x00\x00\x04"))
	if status != http.StatusUnsupportedMediaType || !strings.Contains(page, "bukan buku kerja XLSX maupun teks CSV") {
		t.Errorf("an executable: %d\n%.600s", status, page)
	}
	status, page, _ = b.postFile(fmt.Sprintf("/reviu/%d/impor", s.review), [][2]string{{"csrf", csrf}}, "r.csv", []byte("No;Judul\r\n1;Kebijakan \xe9\r\n"))
	if status != 422 || !strings.Contains(page, "baris 2 bukan UTF-8") {
		t.Errorf("Windows-1252: %d\n%.900s", status, page)
	}
	// Another auditor cannot confirm this auditor's kept file, nor may a
	// manager import at all.
	if _, _, h = b.postFile(fmt.Sprintf("/reviu/%d/impor", s.review), [][2]string{{"csrf", csrf}}, "register.csv", []byte(fixed)); h.Get("Location") == "" {
		t.Fatal("no preview")
	}
	other2 := s.browser()
	other2.signIn("auditor2")
	if status, _, _ = other2.get(h.Get("Location")); status != http.StatusNotFound {
		t.Errorf("another auditor's preview: %d", status)
	}
	manager := s.browser()
	manager.signIn("manager")
	if status, _, _ = manager.get(fmt.Sprintf("/reviu/%d/impor", s.review)); status != http.StatusForbidden {
		t.Errorf("manager: %d", status)
	}
	if status, _, _ = manager.get("/impor/templat?format=csv"); status != 200 {
		t.Errorf("template: %d", status)
	}
}
