package web_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
)

// unitB is the Bappeda unit of the site.
func (s *site) unitB() int64 {
	s.t.Helper()
	for _, p := range s.people {
		if p.UnitID != s.unitA {
			return p.UnitID
		}
	}
	s.t.Fatal("no second unit")
	return 0
}

// openFinding creates and issues a finding of unit due in days from
// today, without actions (so it stays open); it returns its id and
// version.
func (s *site) openFinding(title string, unit int64, days int) (int64, int) {
	s.t.Helper()
	ctx := context.Background()
	due := s.findings.Today().AddDays(days).String()
	d, err := s.findings.CreateFinding(ctx, s.people["auditor"], finding.FindingInput{ReviewID: s.review, Title: title,
		Condition: "Belum ada peta rencana", Recommendation: "Menyusun peta rencana",
		Severity: finding.Severity("medium"), UnitID: &unit, IndicatorCodes: []string{"I01"}, DueDate: &due})
	if err != nil {
		s.t.Fatal(err)
	}
	d, err = s.findings.Transition(ctx, s.people["auditor"], d.ID, finding.TransitionInput{Verb: finding.Issue, Version: d.Version})
	if err != nil {
		s.t.Fatal(err)
	}
	return d.ID, d.Version
}

var countRE = regexp.MustCompile(`id="jumlah-([a-z0-9_-]+)">(\d+)<`)

// counts reads the dashboard's counts by their element ids.
func counts(t *testing.T, page string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range countRE.FindAllStringSubmatch(page, -1) {
		n, _ := strconv.Atoi(m[2])
		out[m[1]] = n
	}
	return out
}

func TestDashboardCountsByRole(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	// Diskominfo: in progress and overdue (the officer's action, due
	// 2024-09-30), open due in 5 days, open due in 20 days, set aside.
	s.issued("SK tim manajemen risiko", s.unitA, "officer")
	s.openFinding("Peta rencana manajemen data", s.unitA, 5)
	s.openFinding("Pedoman audit aplikasi", s.unitA, 20)
	id, version := s.openFinding("Audit infrastruktur nasional", s.unitA, 40)
	if _, err := s.findings.Transition(ctx, s.people["auditor"], id, finding.TransitionInput{Verb: finding.MarkNotActionable,
		Reason: "Kewenangan pusat", Version: version}); err != nil {
		t.Fatal(err)
	}
	// Bappeda: in progress and overdue.
	s.issued("Temuan Bappeda", s.unitB(), "officerB")

	for _, tc := range []struct {
		who  string
		want map[string]int
	}{
		{"auditor", map[string]int{"sesuai": 0, "belum_sesuai": 2, "in_progress": 2, "submitted": 0, "belum_ditindaklanjuti": 2,
			"tidak_dapat_ditindaklanjuti": 1, "lewat-tenggat": 2, "7-hari": 1, "30-hari": 2}},
		{"manager", map[string]int{"sesuai": 0, "belum_sesuai": 1, "in_progress": 1, "submitted": 0, "belum_ditindaklanjuti": 2,
			"tidak_dapat_ditindaklanjuti": 1, "lewat-tenggat": 1, "7-hari": 1, "30-hari": 2}},
		{"officer", map[string]int{"sesuai": 0, "belum_sesuai": 1, "in_progress": 1, "submitted": 0, "belum_ditindaklanjuti": 0,
			"tidak_dapat_ditindaklanjuti": 0, "lewat-tenggat": 1, "7-hari": 0, "30-hari": 0}},
	} {
		t.Run(tc.who, func(t *testing.T) {
			b := s.browser()
			b.signIn(tc.who)
			status, page, _ := b.get("/")
			if status != http.StatusOK {
				t.Fatalf("dashboard: %d", status)
			}
			got := counts(t, page)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
			for _, link := range []string{`href="/temuan?state=closed"`, `href="/temuan?state=open"`, `href="/temuan?state=not_actionable"`,
				`href="/temuan?state=in_progress"`, `href="/temuan?state=submitted"`, `href="/temuan?overdue=1"`} {
				if !strings.Contains(page, link) {
					t.Errorf("no link %s", link)
				}
			}
			if shows := strings.Contains(page, "Bappeda"); shows != (tc.who == "auditor") {
				t.Errorf("Bappeda's findings shown: %v", shows)
			}
		})
	}
}

func TestDashboardMilestoneIndexAndEscaping(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	s.issued("SK tim manajemen risiko", s.unitB(), "officerB")
	if err := s.db.Exec(`UPDATE units SET name = '<script>alert(1)</script> Bappeda' WHERE id = ?`, s.unitB()).Error; err != nil {
		t.Fatal(err)
	}
	today := s.findings.Today()
	as := framework.NewAssessments(s.db, time.Now)
	a, err := as.Create(ctx, s.people["auditor"], framework.AssessmentInput{Year: today.Year(), Name: "Evaluasi SPBE Uji",
		Milestones: []framework.MilestoneInput{
			{Name: "Batas penilaian mandiri", Date: today.AddDays(-3).String()},
			{Name: "Penilaian eksternal", Date: today.AddDays(14).String()},
			{Name: "Pengumuman", Date: today.AddDays(60).String()},
		}})
	if err != nil {
		t.Fatal(err)
	}
	// I38 (the finding's indicator) is at 1 with target 3; I01 at 3.
	for _, sc := range []struct {
		code, level, target string
	}{{"I01", "3", "3"}, {"I38", "1", "3"}} {
		if _, err := as.PutScore(ctx, s.people["auditor"], a.ID, sc.code, sc.level, sc.target); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := as.Index(ctx, s.people["auditor"], a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Projected.Index <= rep.Current.Index {
		t.Fatalf("the fixture should project a higher index: %+v", rep)
	}
	b := s.browser()
	b.signIn("auditor")
	status, page, _ := b.get("/")
	if status != http.StatusOK {
		t.Fatalf("dashboard: %d", status)
	}
	for _, want := range []string{
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<title>Beranda · Tindak Lanjut</title>`,
		`aria-label="breadcrumb"`,
		`<strong id="hitung-mundur">H-14</strong> · Penilaian eksternal (Evaluasi SPBE Uji)`,
		`<span id="sisa-hari">14 hari lagi</span>`,
		`&lt;script&gt;alert(1)&lt;/script&gt; Bappeda`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Errorf("a unit's name was not escaped")
	}
	// The chart: an accessible SVG carrying both numbers, as Indonesian
	// writes them, and the predicate of the framework.
	svg := regexp.MustCompile(`(?s)<svg class="chart"[^>]*role="img"[^>]*aria-label="([^"]*)"[^>]*>\s*<title>([^<]*)</title>.*?</svg>`).FindStringSubmatch(page)
	if svg == nil {
		t.Fatalf("no accessible chart:\n%s", page)
	}
	now, proj := rep.Current.Index.Comma(), rep.Projected.Index.Comma()
	for _, part := range svg[1:] {
		if !strings.Contains(part, "Indeks SPBE saat ini "+now+", proyeksi "+proj) {
			t.Errorf("the chart's label %q lacks now %s and projected %s", part, now, proj)
		}
	}
	if !strings.Contains(svg[0], ">"+now+"</text>") || !strings.Contains(svg[0], ">"+proj+"</text>") {
		t.Errorf("the bars are not labelled with the numbers")
	}
	if p := predicateOf(rep.Current.Predicate); p != "" && !strings.Contains(page, `<span class="badge">`+p+`</span>`) {
		t.Errorf("no predicate %q", p)
	}
	// In English, the countdown reads D-14 and in 14 days.
	b.get("/bahasa?ke=en&kembali=/")
	if _, page, _ := b.get("/"); !strings.Contains(page, "D-14") || !strings.Contains(page, "in 14 days") || !strings.Contains(page, "<title>Home") {
		t.Errorf("English countdown missing")
	}
	// A manager and an officer see the dashboard too (no role is refused).
	for _, who := range []string{"manager", "officer"} {
		b := s.browser()
		b.signIn(who)
		if status, _, _ := b.get("/"); status != http.StatusOK {
			t.Errorf("%s: %d", who, status)
		}
	}
}

// TestDashboardPemdiIndex: the dashboard shows an assessment on
// pemdi-2026 in its model's terms: the index by its name, decimal scores
// with the comma, the predicates with their labels, and the chart per
// aspect (the model has no domains), carried-over findings counting.
func TestDashboardPemdiIndex(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	i21 := s.openOn("Tim manajemen risiko SPBE belum ditetapkan", "I21") // counts on P02
	today := s.findings.Today()
	as := framework.NewAssessments(s.db, time.Now)
	a, err := as.Create(ctx, s.people["auditor"], framework.AssessmentInput{Year: today.Year(), Name: "Evaluasi Pemdi Uji",
		FrameworkCode: "pemdi-2026", Milestones: []framework.MilestoneInput{{Name: "Penilaian Visitasi", Date: today.AddDays(30).String()}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		level, target := "3,50", "3,50"
		if i == 2 {
			level, target = "2", "4.00"
		}
		if _, err := as.PutScore(ctx, s.people["auditor"], a.ID, fmt.Sprintf("P%02d", i), level, target); err != nil {
			t.Fatal(err)
		}
	}
	b := s.browser()
	b.signIn("auditor")
	status, page, _ := b.get("/")
	if status != http.StatusOK {
		t.Fatalf("dashboard: %d", status)
	}
	// Now (3.50·95 + 2.00·5) / 100 = 3.425, published 3.43: Baik
	// (Berkembang). Projected, P02 at its target 4.00 for the carried-over
	// I21 finding: (3.50·95 + 4.00·5) / 100 = 3.525, 3.53: Sangat Baik
	// (Melembaga). Aspect A1 (P01, P02 of 5 each): 2.75 now, 3.75
	// projected.
	for _, want := range []string{`<h2 id="h-indeks">Indeks Pemerintah Digital</h2>`,
		`<strong id="indeks-saat-ini">3,43</strong> <span class="badge">Baik (Berkembang)</span>`,
		`<strong id="indeks-proyeksi">3,53</strong> <span class="badge">Sangat Baik (Melembaga)</span>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the dashboard lacks %s", want)
		}
	}
	svg := regexp.MustCompile(`(?s)<svg class="chart"[^>]*aria-label="([^"]*)".*?</svg>`).FindStringSubmatch(page)
	if svg == nil {
		t.Fatal("no chart")
	}
	for _, want := range []string{"Indeks Pemerintah Digital Evaluasi Pemdi Uji", "Indeks Pemerintah Digital saat ini 3,43, proyeksi 3,53",
		"Tata Kelola dan Manajemen saat ini 2,75, proyeksi 3,75", "Kepuasan Pengguna Layanan Digital Pemerintah saat ini 3,50, proyeksi 3,50"} {
		if !strings.Contains(svg[1], want) {
			t.Errorf("the chart's label lacks %q:\n%s", want, svg[1])
		}
	}
	if n := strings.Count(svg[0], `height="14" fill="#0b5cad"`); n != 8 {
		t.Errorf("%d bars of now, want the overall index and 7 aspects", n)
	}
	// The findings per aspect of the current model: the I21 finding under
	// A1 (P02), no other.
	aspects := partOf(t, page, "per-aspek", "</table>")
	if !strings.Contains(page, `<h2 id="h-aspek">Per aspek model yang berlaku (pemdi-2026)`) ||
		!strings.Contains(aspects, `<th scope="row">Tata Kelola dan Manajemen</th><td class="num">1</td>`) ||
		strings.Count(aspects, `</th><td class="num">0</td>`) != 6 || strings.Count(aspects, `<th scope="row">`) != 7 {
		t.Errorf("the aspects' table:\n%s", aspects)
	}
	b.get("/bahasa?ke=en&kembali=/")
	if _, page, _ := b.get("/"); !strings.Contains(page, `<strong id="indeks-saat-ini">3.43</strong> <span class="badge">Baik (Berkembang)</span>`) {
		t.Errorf("English dashboard index")
	}
	// Nothing of the index is kept from one view to the next: a new name
	// shows at once, and so does the projection once the I21 finding, the
	// last active one on P02, is set aside (3.50·95 + 2.00·5: 3,43 both).
	if _, err := as.Update(ctx, s.people["auditor"], a.ID, a.Version, framework.AssessmentPatch{Name: opt.Field[string]{Set: true, Value: "Evaluasi Pemdi Ubah"}}); err != nil {
		t.Fatal(err)
	}
	if _, page, _ := b.get("/"); !strings.Contains(page, "<p>Evaluasi Pemdi Ubah: now") || !strings.Contains(page, "Indeks Pemerintah Digital Evaluasi Pemdi Ubah, now and projected") {
		t.Errorf("the renamed assessment:\n%s", partOf(t, page, "h-indeks", "</section>"))
	}
	d, err := s.findings.GetFinding(ctx, s.people["auditor"], i21)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.findings.Transition(ctx, s.people["auditor"], i21, finding.TransitionInput{Verb: finding.MarkNotActionable,
		Version: d.Version, Reason: "Aplikasi dihentikan"}); err != nil {
		t.Fatal(err)
	}
	if _, page, _ := b.get("/"); !strings.Contains(page, `<strong id="indeks-proyeksi">3.43</strong> <span class="badge">Baik (Berkembang)</span>`) {
		t.Errorf("the projection right after the last active finding on P02 was set aside:\n%s", partOf(t, page, "h-indeks", "</section>"))
	}
}

// TestDashboardExactRightAfterATransition reads the dashboard as an
// auditor and as the unit's manager, sets a finding aside and reads it
// again at once: the counts are the database's own, kept with the change,
// never a figure remembered from before it.
func TestDashboardExactRightAfterATransition(t *testing.T) {
	s := newSite(t)
	id, version := s.openFinding("Peta rencana manajemen data", s.unitA, 5)
	s.openFinding("Pedoman audit aplikasi", s.unitA, -3)
	read := func(who string) map[string]int {
		b := s.browser()
		b.signIn(who)
		status, page, _ := b.get("/")
		if status != http.StatusOK {
			t.Fatalf("dashboard: %d", status)
		}
		return counts(t, page)
	}
	for _, who := range []string{"auditor", "manager"} {
		if got := read(who); got["belum_ditindaklanjuti"] != 2 || got["7-hari"] != 1 || got["lewat-tenggat"] != 1 ||
			got["tidak_dapat_ditindaklanjuti"] != 0 {
			t.Fatalf("%s before: %v", who, got)
		}
	}
	if _, err := s.findings.Transition(context.Background(), s.people["auditor"], id, finding.TransitionInput{
		Verb: finding.MarkNotActionable, Reason: "Kewenangan pusat", Version: version}); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"auditor", "manager"} {
		if got := read(who); got["belum_ditindaklanjuti"] != 1 || got["tidak_dapat_ditindaklanjuti"] != 1 || got["7-hari"] != 0 ||
			got["lewat-tenggat"] != 1 {
			t.Errorf("%s right after the transition: %v", who, got)
		}
	}
}

// TestDashboardUnitsMostBehindFirst: with more units than the dashboard
// lists, it shows the ten most behind (most findings overdue first) and
// links the whole table, which lists every unit in code order, fifty a
// page, in both languages; bad page numbers are the 400 page, and a
// manager's table holds their unit alone.
func TestDashboardUnitsMostBehindFirst(t *testing.T) {
	s := newSite(t)
	s.openFinding("Pedoman audit aplikasi", s.unitA, 20)
	overdue := map[int]int{7: 3, 23: 2, 41: 1}
	for i := 1; i <= 53; i++ {
		var unit int64
		if err := s.db.Raw(`INSERT INTO units (code, name) VALUES (?, ?) RETURNING id`, fmt.Sprintf("U%02d", i),
			fmt.Sprintf("Unit Uji %02d", i)).Scan(&unit).Error; err != nil {
			t.Fatal(err)
		}
		s.openFinding("Peta rencana manajemen data", unit, 20)
		for range overdue[i] {
			s.openFinding("Peta rencana yang terlambat", unit, -5)
		}
	}
	rowRE := regexp.MustCompile(`<tr><th scope="row">[^<]*<span class="muted">([A-Z0-9]+)</span></th>`)
	codes := func(table string) []string {
		var out []string
		for _, m := range rowRE.FindAllStringSubmatch(table, -1) {
			out = append(out, m[1])
		}
		return out
	}
	b := s.browser()
	b.signIn("auditor")
	_, page, _ := b.get("/")
	units := partOf(t, page, "h-unit", "</section>")
	if diff := cmp.Diff([]string{"U07", "U23", "U41", "DISKOMINFO", "U01", "U02", "U03", "U04", "U05", "U06"}, codes(units)); diff != "" {
		t.Errorf("the dashboard's units (-want +got):\n%s", diff)
	}
	if !strings.Contains(units, `10 dari 54 unit kerja, yang paling banyak temuan lewat tenggatnya lebih dulu. <a href="/laporan/unit">Lihat semua 54 unit kerja</a>`) ||
		!strings.Contains(units, `<th scope="row">Unit Uji 07 <span class="muted">U07</span></th><td class="num">4</td><td class="num">0</td><td class="num">0</td><td class="num">4</td><td class="num">0</td><td class="num">3</td></tr>`) {
		t.Errorf("the dashboard's units:\n%s", units)
	}
	status, page, _ := b.get("/laporan/unit")
	want := []string{"DISKOMINFO"}
	for i := 1; i <= 49; i++ {
		want = append(want, fmt.Sprintf("U%02d", i))
	}
	if diff := cmp.Diff(want, codes(page)); status != http.StatusOK || diff != "" {
		t.Errorf("the first page: %d (-want +got):\n%s", status, diff)
	}
	if !strings.Contains(page, `<title>Temuan per unit kerja · Tindak Lanjut</title>`) || !strings.Contains(page, `<a href="/laporan/unit?hal=2" rel="next">Halaman berikutnya</a>`) ||
		strings.Contains(page, "Halaman pertama") || !strings.Contains(page, `<a href="/">Beranda</a>`) {
		t.Errorf("the first page's title and links:\n%s", page)
	}
	status, page, _ = b.get("/laporan/unit?hal=2")
	if diff := cmp.Diff([]string{"U50", "U51", "U52", "U53"}, codes(page)); status != http.StatusOK || diff != "" {
		t.Errorf("the second page: %d (-want +got):\n%s", status, diff)
	}
	if !strings.Contains(page, "Halaman 2 dari 2") || !strings.Contains(page, `<a href="/laporan/unit">Halaman pertama</a>`) || strings.Contains(page, `rel="next"`) {
		t.Errorf("the second page's links:\n%s", page)
	}
	for _, bad := range []string{"abc", "0", "-1", "3", "1e3", "99999999999999999999"} {
		if status, page, _ := b.get("/laporan/unit?hal=" + bad); status != http.StatusBadRequest || !strings.Contains(page, "Tautan halaman tidak valid") {
			t.Errorf("hal=%s: %d\n%.300s", bad, status, page)
		}
	}
	b.get("/bahasa?ke=en&kembali=/")
	if _, page, _ := b.get("/"); !strings.Contains(page, `10 of 54 units, those with most findings overdue first. <a href="/laporan/unit">See all 54 units</a>`) {
		t.Errorf("English dashboard's units:\n%s", partOf(t, page, "h-unit", "</section>"))
	}
	if _, page, _ := b.get("/laporan/unit?hal=2"); !strings.Contains(page, "<title>Findings by unit") || !strings.Contains(page, "Page 2 of 2") ||
		!strings.Contains(page, `<th scope="col" class="num">Overdue</th>`) {
		t.Errorf("English units' page:\n%s", page)
	}
	m := s.browser()
	m.signIn("manager")
	_, page, _ = m.get("/laporan/unit")
	if diff := cmp.Diff([]string{"DISKOMINFO"}, codes(page)); diff != "" || !strings.Contains(page, "Temuan unit kerja Anda") {
		t.Errorf("the manager's units (-want +got):\n%s", diff)
	}
	if _, page, _ = m.get("/"); strings.Contains(page, "/laporan/unit") {
		t.Errorf("the manager's dashboard links a table of one unit")
	}
}
