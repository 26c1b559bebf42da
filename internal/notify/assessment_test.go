package notify_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// outline reduces an assessment mail's text to its structure: the domain
// or aspect and indicator headings and the finding codes under them, each
// with the older codes it came through ("TL-2026-0001 melalui I21"), in
// order.
func outline(text string) []string {
	var out []string
	heading := regexp.MustCompile(`^([DA][0-9] |  [IP][0-9]{2} |Tanpa indikator )`)
	code := regexp.MustCompile(`^\s+- (TL-[0-9]{4}-[0-9]{4})( \(melalui ([^)]+)\))?`)
	for _, line := range strings.Split(text, "\n") {
		switch {
		case code.MatchString(line):
			m := code.FindStringSubmatch(line)
			if m[3] != "" {
				m[1] += " melalui " + m[3]
			}
			out = append(out, "    "+m[1])
		case heading.MatchString(line):
			out = append(out, strings.Fields(line)[0])
		}
	}
	return out
}

// TestAssessmentReminders: for the September milestone of the 2024
// evaluation, each unit manager gets exactly their unit's unresolved
// findings grouped by SPBE domain and indicator, the auditors get all of
// them, at 30, 14, 7 and 1 days before; nothing for a milestone that
// passed, or for thresholds before a milestone was added.
func TestAssessmentReminders(t *testing.T) {
	f := newFixture(t)
	f.setNow(at("2024-06-03 09:00"))
	ass := must(f.assess.Create(f.ctx, f.p["auditor"], framework.AssessmentInput{Year: 2024, Name: "Evaluasi SPBE 2024",
		FrameworkCode: "spbe-2020", Milestones: []framework.MilestoneInput{
			{Name: "Penilaian mandiri", Date: "2024-07-15"}, {Name: "Penilaian eksternal", Date: "2024-09-16"}}}))
	f.setNow(at("2024-08-01 10:00"))
	a1 := f.issue(f.unitA, "2024-09-30", "Kebijakan arsitektur SPBE belum ada", "I01")
	a2 := f.issue(f.unitA, "2024-10-31", "Manajemen risiko dan layanan BMD", "I38", "I21")
	a3 := f.issue(f.unitA, "2024-11-30", "Temuan umum")
	f.assign(a2, "officerA", "2024-09-20")
	closed := f.issue(f.unitA, "2024-09-30", "Temuan yang ditutup", "I01")
	must(f.work.Transition(f.ctx, f.p["auditor"], closed.ID, finding.TransitionInput{Verb: finding.MarkNotActionable, Reason: "Aplikasi dihentikan", Version: closed.Version}))
	b1 := f.issue(f.unitB, "2024-09-30", "Manajemen keamanan informasi Bappeda", "I22")
	f.send()
	f.mail.take()

	got := f.simulate(at("2024-08-16 08:00"), at("2024-09-17 08:00"), 24*time.Hour, "assessment:")
	var keys []string
	byKey := map[string]delivery{}
	for _, d := range got {
		keys = append(keys, d.When[:10]+" "+d.Key)
		byKey[d.Key] = d
	}
	prefix := "assessment:" + itoa(ass.ID) + ":" + itoa(ass.Milestones[1].ID) + ":"
	var want []string
	for _, th := range []struct{ day, before string }{{"2024-08-17", "-30"}, {"2024-09-02", "-14"}, {"2024-09-09", "-7"}, {"2024-09-15", "-1"}} {
		for _, aud := range []string{"auditors", "unit:" + itoa(f.unitA.ID), "unit:" + itoa(f.unitB.ID)} {
			want = append(want, th.day+" "+prefix+th.before+":"+aud)
		}
	}
	sortStrings(keys)
	sortStrings(want)
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("assessment mails (-want +got):\n%s", diff)
	}
	if d := byKey[prefix+"-30:unit:"+itoa(f.unitA.ID)]; d.To != f.emails("managerA") || d.Cc != "" {
		t.Errorf("unit A's mail went to %q, cc %q", d.To, d.Cc)
	}
	if d := byKey[prefix+"-30:auditors"]; d.To != f.emails("auditor", "auditor2") {
		t.Errorf("auditors' mail went to %q", d.To)
	}

	// The contents: the -1 mails planned and sent again (their rows
	// removed), read whole.
	f.db.Exec(`DELETE FROM notifications WHERE dedup_key LIKE ?`, prefix+"-1:%")
	f.setNow(at("2024-09-15 08:30"))
	f.plan()
	f.send()
	mails := map[string]received{}
	for _, m := range f.mail.take() {
		mails[m.Key] = m
	}
	unitA, htmlA := parts(t, mails[prefix+"-1:unit:"+itoa(f.unitA.ID)])
	wantA := []string{"D1", "I01", "    " + a1.Code, "D3", "I21", "    " + a2.Code, "D4", "I38", "    " + a2.Code, "Tanpa", "    " + a3.Code}
	if diff := cmp.Diff(wantA, outline(unitA)); diff != "" {
		t.Errorf("unit A's findings (-want +got):\n%s\n%s", diff, unitA)
	}
	for _, part := range []string{unitA, htmlA} {
		if !strings.Contains(part, "menurut domain dan indikator SPBE:") || !strings.Contains(part, "Tanpa indikator SPBE") ||
			strings.Contains(part, "melalui") {
			t.Errorf("unit A's mail does not speak of SPBE domains, or marks a finding as carried over:\n%s", part)
		}
	}
	unitB, htmlB := parts(t, mails[prefix+"-1:unit:"+itoa(f.unitB.ID)])
	if diff := cmp.Diff([]string{"D3", "I22", "    " + b1.Code}, outline(unitB)); diff != "" {
		t.Errorf("unit B's findings (-want +got):\n%s\n%s", diff, unitB)
	}
	if !strings.Contains(htmlB, "Tingkat Kematangan Penerapan Manajemen Keamanan Informasi") || strings.Contains(htmlB, a1.Code) {
		t.Errorf("unit B's HTML:\n%s", htmlB)
	}
	auditors, _ := parts(t, mails[prefix+"-1:auditors"])
	wantAll := []string{"D1", "I01", "    " + a1.Code, "D3", "I21", "    " + a2.Code, "I22", "    " + b1.Code, "D4", "I38", "    " + a2.Code, "Tanpa", "    " + a3.Code}
	if diff := cmp.Diff(wantAll, outline(auditors)); diff != "" {
		t.Errorf("the auditors' picture (-want +got):\n%s\n%s", diff, auditors)
	}
	if strings.Contains(auditors, closed.Code) {
		t.Error("a finding that is not actionable is listed")
	}

	// A milestone added on 10 September for 20 September: its -14 and -30
	// thresholds passed before it existed; its first mail is -7, on the
	// 13th.
	f.setNow(at("2024-09-10 10:00"))
	cur := must(f.assess.Get(f.ctx, f.p["auditor"], ass.ID))
	var ms []framework.MilestoneInput
	for _, m := range cur.Milestones {
		ms = append(ms, framework.MilestoneInput{Name: m.Name, Date: m.Date.String()})
	}
	ms = append(ms, framework.MilestoneInput{Name: "Wawancara", Date: "2024-09-20"})
	upd := must(f.assess.Update(f.ctx, f.p["auditor"], ass.ID, cur.Version, framework.AssessmentPatch{Milestones: optMilestones(ms)}))
	newID := upd.Milestones[len(upd.Milestones)-1].ID
	got = f.simulate(at("2024-09-10 11:00"), at("2024-09-13 12:00"), 6*time.Hour, "assessment:"+itoa(ass.ID)+":"+itoa(newID)+":")
	for _, d := range got {
		if !strings.Contains(d.Key, ":-7:") || d.When[:10] != "2024-09-13" {
			t.Errorf("new milestone: %+v; want only the -7 mails on 13 September", d)
		}
	}
	if len(got) != 3 {
		t.Errorf("new milestone: %d mails; want 3 (two units, the auditors)", len(got))
	}
}

// TestAssessmentRemindersFollowTheModel: the reminders of an assessment on
// pemdi-2026, a model without domains, group the findings by aspect and
// indicator and speak of Pemerintah Digital; a finding left from the SPBE
// model counts under each Pemdi indicator its old indicators map onto,
// once, marked with the old codes it came through; a finding naming the
// Pemdi indicator itself is not marked, even when it also names an old one
// mapped onto it.
func TestAssessmentRemindersFollowTheModel(t *testing.T) {
	f := newFixture(t)
	f.setNow(at("2026-03-02 09:00"))
	ass := must(f.assess.Create(f.ctx, f.p["auditor"], framework.AssessmentInput{Year: 2026, Name: "Evaluasi Pemdi 2026",
		FrameworkCode: "pemdi-2026", Milestones: []framework.MilestoneInput{{Name: "Penilaian Dokumen", Date: "2026-03-20"}}}))
	f.setNow(at("2026-03-02 10:00"))
	risk := f.issue(f.unitA, "2026-04-30", "Manajemen risiko SPBE belum diterapkan", "I21")                    // P02 through I21
	audits := f.issue(f.unitA, "2026-05-31", "Audit infrastruktur dan aplikasi belum dilakukan", "I29", "I30") // P09 once
	service := f.issue(f.unitA, "2026-06-30", "Manajemen layanan digital belum ditetapkan", "I21", "P02")      // P02 itself
	assets := f.issue(f.unitA, "2026-07-31", "Inventaris aset TIK belum lengkap", "I24")                       // P02 and P14
	general := f.issue(f.unitA, "2026-08-31", "Temuan umum")
	data := f.issue(f.unitB, "2026-05-15", "Tata kelola data belum ditetapkan", "P05")
	f.assign(audits, "officerA", "2026-05-01")

	f.setNow(at("2026-03-06 08:30")) // 14 days before the milestone
	f.plan()
	f.send()
	prefix := "assessment:" + itoa(ass.ID) + ":" + itoa(ass.Milestones[0].ID) + ":-14:"
	mails := map[string]received{}
	for _, m := range f.mail.take() {
		if strings.HasPrefix(m.Key, prefix) {
			mails[strings.TrimPrefix(m.Key, prefix)] = m
		}
	}
	if len(mails) != 3 {
		t.Fatalf("%d reminders (%v); want the auditors' and the two units'", len(mails), mails)
	}

	unitA, htmlA := parts(t, mails["unit:"+itoa(f.unitA.ID)])
	unitA = strings.ReplaceAll(unitA, "\r\n", "\n")
	wantA := []string{"A1", "P02", "    " + risk.Code + " melalui I21", "    " + service.Code, "    " + assets.Code + " melalui I24",
		"A4", "P09", "    " + audits.Code + " melalui I29, I30",
		"A5", "P14", "    " + assets.Code + " melalui I24",
		"Tanpa", "    " + general.Code}
	if diff := cmp.Diff(wantA, outline(unitA)); diff != "" {
		t.Errorf("unit A's findings (-want +got):\n%s\n%s", diff, unitA)
	}
	for _, want := range []string{"menurut aspek dan indikator Pemerintah Digital:", "\nA1 Tata Kelola dan Manajemen\n",
		"  P02 Tingkat Kematangan Manajemen Layanan Digital Pemerintah\n", "- " + risk.Code + " (melalui I21) Manajemen risiko SPBE",
		"\nTanpa indikator Pemerintah Digital\n"} {
		if !strings.Contains(unitA, want) {
			t.Errorf("unit A's text lacks %q:\n%s", want, unitA)
		}
	}
	link := `<a href="https://tl.kalselprov.go.id/findings/` + itoa(risk.ID) + `">` + risk.Code + `</a> <em>(melalui I21)</em>`
	for _, want := range []string{"menurut aspek dan indikator Pemerintah Digital:", ">A1 Tata Kelola dan Manajemen</h3>",
		"<strong>P02</strong> Tingkat Kematangan Manajemen Layanan Digital Pemerintah", link, ">Tanpa indikator Pemerintah Digital</h3>"} {
		if !strings.Contains(htmlA, want) {
			t.Errorf("unit A's HTML lacks %q:\n%s", want, htmlA)
		}
	}
	for _, part := range []string{unitA, htmlA} {
		if strings.Contains(part, "SPBE:") || strings.Contains(part, "domain") || strings.Contains(part, service.Code+" (melalui") ||
			strings.Contains(part, service.Code+"</a> <em>") {
			t.Errorf("unit A's mail speaks of SPBE domains, or marks the finding naming P02 as carried over:\n%s", part)
		}
	}

	unitB, _ := parts(t, mails["unit:"+itoa(f.unitB.ID)])
	if diff := cmp.Diff([]string{"A3", "P05", "    " + data.Code}, outline(unitB)); diff != "" {
		t.Errorf("unit B's findings (-want +got):\n%s\n%s", diff, unitB)
	}
	auditors, _ := parts(t, mails["auditors"])
	wantAll := []string{"A1", "P02", "    " + risk.Code + " melalui I21", "    " + service.Code, "    " + assets.Code + " melalui I24",
		"A3", "P05", "    " + data.Code,
		"A4", "P09", "    " + audits.Code + " melalui I29, I30",
		"A5", "P14", "    " + assets.Code + " melalui I24",
		"Tanpa", "    " + general.Code}
	if diff := cmp.Diff(wantAll, outline(auditors)); diff != "" {
		t.Errorf("the auditors' picture (-want +got):\n%s\n%s", diff, auditors)
	}
}
