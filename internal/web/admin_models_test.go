package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// mappingState is the mapping as stored: its version and pairs, equal
// before and after a refused upload.
func (s *fullSite) mappingState() string {
	s.t.Helper()
	m, err := framework.NewStore(s.db).Mapping(context.Background(), "spbe-2020", "pemdi-2026")
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, p := range m.Pairs {
		out = append(out, p.From+"→"+strings.Join(p.To, ","))
	}
	return strings.Join(append(out, m.Note, strconv.Itoa(m.Version)), "; ")
}

// active is how many active findings count on each code in the index
// report of assessment id.
func (s *fullSite) active(id int64) map[string]int {
	s.t.Helper()
	rep, err := s.assessments.Index(context.Background(), s.people["auditor"], id)
	if err != nil {
		s.t.Fatal(err)
	}
	out := map[string]int{}
	for _, ind := range rep.Indicators {
		if ind.ActiveFindings > 0 {
			out[ind.Code] = ind.ActiveFindings
		}
	}
	return out
}

func TestModelsPageShowsSourceNotes(t *testing.T) {
	s := newFullSite(t)
	admin := s.browser()
	admin.signIn("admin")
	if _, page, _ := admin.get("/admin"); !strings.Contains(page, `<a href="/admin/model">Model evaluasi</a>`) {
		t.Errorf("the administration does not link the models")
	}
	status, page, _ := admin.get("/admin/model")
	if status != http.StatusOK {
		t.Fatalf("models: %d", status)
	}
	pemdi, spbe := partOf(t, page, "model-pemdi-2026", "</section>"), partOf(t, page, "model-spbe-2020", "</section>")
	if strings.Index(page, `id="model-pemdi-2026"`) > strings.Index(page, `id="model-spbe-2020"`) {
		t.Errorf("the current model is not listed first")
	}
	for _, want := range []string{"Indeks Pemerintah Digital — PermenPANRB No. 8 Tahun 2026", "model yang berlaku",
		"nilai 1,00 sampai 5,00", "7 aspek · 20 indikator", "Penilaian Mandiri; Penilaian Dokumen; Penilaian Interviu; Penilaian Visitasi",
		"Menggantikan</dt><dd>spbe-2020", `<div class="note" role="note">`, "Compiled from secondary summaries of the regulation"} {
		if !strings.Contains(pemdi, want) {
			t.Errorf("pemdi-2026 lacks %q", want)
		}
	}
	for _, want := range []string{"tingkat bulat 1 sampai 5", "4 domain · 8 aspek · 47 indikator", `<div class="note" role="note">`,
		"Domain and aspect weights are confirmed"} {
		if !strings.Contains(spbe, want) {
			t.Errorf("spbe-2020 lacks %q", want)
		}
	}
	if strings.Contains(spbe, "model yang berlaku") {
		t.Errorf("spbe-2020 is shown as the current model")
	}
	if !strings.Contains(page, `<a href="/admin/pemetaan/spbe-2020/pemdi-2026">spbe-2020 → pemdi-2026</a>`) {
		t.Errorf("the mapping is not linked")
	}
	admin.get("/bahasa?ke=en&kembali=/")
	if _, page, _ := admin.get("/admin/model"); !strings.Contains(page, "scores from 1.00 to 5.00 with two decimals") ||
		!strings.Contains(page, "the current model") {
		t.Errorf("the English models page")
	}
}

// goodMapping is a corrected mapping: I21 (risk management) onto P03
// instead of P02, and the three audits onto P09.
const goodMapping = `{"from": "spbe-2020", "to": "pemdi-2026", "note": "Koreksi Diskominfo",
 "pairs": [{"from": "I21", "to": ["P03"], "why": "dikoreksi"},
           {"from": "I29", "to": ["P09"], "why": "audit"}, {"from": "I30", "to": ["P09"]}, {"from": "I31", "to": ["P09"]}],
 "unmapped_to": ["P06"], "unmapped_why": {"P06": "geospasial"}}`

func TestMappingPageAndUpload(t *testing.T) {
	s := newFullSite(t)
	a := s.pemdi()
	s.openOn("Tim manajemen risiko SPBE belum ditetapkan", "I21")
	path := "/admin/pemetaan/spbe-2020/pemdi-2026"
	admin := s.browser()
	admin.signIn("admin")
	status, page, _ := admin.get(path)
	if status != http.StatusOK {
		t.Fatalf("mapping: %d", status)
	}
	for _, want := range []string{"<h1>Pemetaan spbe-2020 → pemdi-2026</h1>", `<a href="/admin/model">Model evaluasi</a>`,
		"A proposed correspondence by subject", `enctype="multipart/form-data"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the mapping page lacks %q", want)
		}
	}
	if got := cellText(t, page, "pasangan-I21"); got != "I21 Tingkat Kematangan Penerapan Manajemen Risiko SPBE "+
		"P02 Tingkat Kematangan Manajemen Layanan Digital Pemerintah risk management; part of digital-service management" {
		t.Errorf("I21's pair: %q", got)
	}
	if got := cellText(t, page, "pasangan-I24"); !strings.Contains(got, "P02 Tingkat Kematangan Manajemen Layanan") ||
		!strings.Contains(got, "P14 Tingkat Kematangan Infrastruktur Pemdi") {
		t.Errorf("I24's pair does not name both targets: %q", got)
	}
	if got := cellText(t, page, "takterpetakan-P06"); got != "P06 Tingkat Kematangan Penyelenggaraan Informasi Geospasial "+
		"geospatial information was never an SPBE indicator" {
		t.Errorf("P06 unmapped: %q", got)
	}
	if status, _, _ := admin.get("/admin/pemetaan/pemdi-2026/spbe-2020"); status != http.StatusNotFound {
		t.Errorf("a mapping that is not held: %d", status)
	}
	if got := s.active(a.ID); got["P02"] != 1 || got["P03"] != 0 {
		t.Fatalf("before: the I21 finding counts on %v", got)
	}
	tok := token(t, page)
	before := s.mappingState()

	// Refused uploads: each problem named by its place at the file's
	// field, nothing written.
	bad := `{"pairs": [{"from": "I21", "to": ["P02"]}, {"from": "P01", "to": ["P09"]}, {"from": "I29", "to": ["P09", "P99"]}]}`
	for _, tc := range []struct {
		name    string
		fields  [][2]string
		file    string
		status  int
		message []string
	}{
		{"codes of the wrong model", [][2]string{{"csrf", tok}}, bad, 422,
			[]string{"<code>pairs[1].from</code> (P01 → P09): P01 bukan indikator spbe-2020", "<code>pairs[2].to[1]</code> (I29 → P09, P99): P99 bukan indikator pemdi-2026"}},
		{"not JSON", [][2]string{{"csrf", tok}}, `{"pairs": [`, 400, []string{"<code>file</code>: Pemetaan ini bukan JSON dengan bentuk berkas pemetaan"}},
		{"other models", [][2]string{{"csrf", tok}}, `{"from": "pemdi-2026", "pairs": []}`, 422,
			[]string{"<code>from</code>: bernilai pemdi-2026, tetapi alamatnya menyebut spbe-2020"}},
		{"empty", [][2]string{{"csrf", tok}}, "", 422, []string{"<code>file</code>: wajib dilampirkan"}},
		{"no token", [][2]string{{"note", "x"}, {"csrf", tok}}, goodMapping, 403, []string{"kedaluwarsa"}},
		{"wrong token", [][2]string{{"csrf", tok + "x"}}, goodMapping, 403, []string{"kedaluwarsa"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, page, _ := admin.postFile(path, tc.fields, "pemetaan.json", []byte(tc.file))
			if status != tc.status {
				t.Errorf("status %d, want %d", status, tc.status)
			}
			for _, want := range tc.message {
				if !strings.Contains(page, want) {
					t.Errorf("the page does not say %q:\n%s", want, page)
				}
			}
			if tc.status != http.StatusForbidden && (!strings.Contains(page, `<p class="error" role="alert">Pemetaan tidak diganti`) ||
				!strings.Contains(page, `aria-describedby="file-hint file-error"`)) {
				t.Errorf("no message at the top or at the field")
			}
			if after := s.mappingState(); after != before {
				t.Errorf("a refused upload wrote: %s", after)
			}
		})
	}
	// Others may not replace it, even with their own token.
	auditor := s.browser()
	auditor.signIn("auditor")
	_, own, _ := auditor.get("/temuan")
	if status, _, _ := auditor.postFile(path, [][2]string{{"csrf", token(t, own)}}, "pemetaan.json", []byte(goodMapping)); status != http.StatusForbidden {
		t.Errorf("an auditor replaces the mapping: %d", status)
	}
	if after := s.mappingState(); after != before {
		t.Errorf("a refused upload wrote: %s", after)
	}

	// The corrected file replaces it whole, and the carry-over follows.
	status, _, h := admin.postFile(path, [][2]string{{"csrf", tok}}, "pemetaan.json", []byte(goodMapping))
	if status != http.StatusSeeOther || h.Get("Location") != path+"?ok=1" {
		t.Fatalf("upload: %d %s", status, h.Get("Location"))
	}
	_, page, _ = admin.get(h.Get("Location"))
	if !strings.Contains(page, "Perubahan disimpan.") || !strings.Contains(page, "Koreksi Diskominfo") || !strings.Contains(page, "Versi 2") ||
		!strings.Contains(cellText(t, page, "pasangan-I21"), "P03 Tingkat Kematangan Sumber Daya Manusia Pemdi dikoreksi") ||
		strings.Contains(page, `id="pasangan-I24"`) {
		t.Errorf("the page after the upload:\n%s", page)
	}
	if got := s.active(a.ID); got["P02"] != 0 || got["P03"] != 1 {
		t.Errorf("after: the I21 finding counts on %v", got)
	}
}
