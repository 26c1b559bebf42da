package api_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// indexDoc is the SPBE index of an assessment.
type indexDoc struct {
	Index              *float64
	Predicate          *string
	ProjectedIndex     *float64 `json:"projected_index"`
	ProjectedPredicate *string  `json:"projected_predicate"`
}

func (f *fixture) index(assessment int64) (float64, string, float64, string) {
	f.t.Helper()
	var ix indexDoc
	mustStatus(f.t, f.do("GET", fmt.Sprintf("/api/v1/assessments/%d/index", assessment), f.tokens["viewer"], "", &ix), 200)
	if ix.Index == nil || ix.ProjectedIndex == nil {
		f.t.Fatalf("index not computed: %+v", ix)
	}
	return *ix.Index, *ix.Predicate, *ix.ProjectedIndex, *ix.ProjectedPredicate
}

// TestKalselStory is the provincial workshop of July 2024 as one run
// through the API: the 2024 assessment with its September external
// assessment, reviews of three applications, findings on the eight
// management and three audit indicators (all at level 1, target 3), the
// follow-up of each through issue, assignment, completion with evidence,
// submission, one rejection with a reason, resubmission and closure by a
// second auditor; the index before and after, and the verified history.
func TestKalselStory(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.setNow(time.Date(2024, 7, 10, 0, 30, 0, 0, time.UTC)) // 08:30 WITA
	auditor2 := f.addUser(f.admin(), "tim.reviu2@kalselprov.go.id", identity.RoleAuditor, f.unitA.ID)
	f.tokens["auditor2"] = f.login(auditor2.Email)
	bkdManager := f.addUser(f.admin(), "kepala.bkd@kalselprov.go.id", identity.RoleManager, f.unitB.ID)
	f.tokens["managerB"] = f.login(bkdManager.Email)
	f.tokens["officerB"] = f.login(f.users["officerB"].Email)

	// The 2024 evaluation and its calendar.
	var asm struct {
		ID         int64
		Milestones []struct {
			Name, Date string
		}
	}
	mustStatus(t, f.do("POST", "/api/v1/assessments", f.tokens["auditor"], `{"year":2024,"name":"Evaluasi SPBE 2024","framework_code":"spbe-2020",
		"milestones":[{"name":"Batas penilaian mandiri","date":"2024-05-31"},{"name":"Batas unggah bukti dukung","date":"2024-06-30"},
		{"name":"Wawancara","date":"2024-08-14"},{"name":"Penilaian eksternal","date":"2024-09-16"},{"name":"Pengumuman","date":"2024-12-10"}]}`, &asm), 201)
	if len(asm.Milestones) != 5 || asm.Milestones[3].Name != "Penilaian eksternal" || asm.Milestones[3].Date != "2024-09-16" {
		t.Fatalf("milestones = %+v", asm.Milestones)
	}
	// The self-assessment: services (D4) at 3, policy
	// and governance at 2, management and audit (D3, I21–I31) at 1.
	level := func(n int) int {
		switch {
		case n <= 10:
			return 2
		case n <= 20:
			return 2
		case n <= 31:
			return 1
		}
		return 3
	}
	for n := 1; n <= 47; n++ {
		body := fmt.Sprintf(`{"level":%d,"target_level":%d}`, level(n), max(level(n), 3))
		mustStatus(t, f.do("PUT", fmt.Sprintf("/api/v1/assessments/%d/scores/I%02d", asm.ID, n), f.tokens["auditor"], body, nil), 200)
	}
	ix, pred, proj, projPred := f.index(asm.ID)
	if ix != 2.29 || pred != "Cukup" || proj != 2.29 {
		t.Fatalf("index before findings = %v %s, projected %v %s; want 2.29 Cukup, 2.29", ix, pred, proj, projPred)
	}

	// Three applications reviewed.
	apps := map[string]int64{}
	for _, a := range []struct{ name, kind string }{{"SIMPEG", "administrasi"}, {"SRIKANDI", "administrasi"}, {"Portal Layanan Publik Banua", "publik"}} {
		var app struct{ ID int64 }
		mustStatus(t, f.do("POST", "/api/v1/applications", f.tokens["auditor"], fmt.Sprintf(`{"name":%q,"unit_id":%d,"kind":%q,
			"url":"https://%s.kalselprov.go.id","integrated":false}`, a.name, f.unitA.ID, a.kind, "app"), &app), 201)
		apps[a.name] = app.ID
	}
	var reviews []int64
	for name, id := range apps {
		reviews = append(reviews, f.newReview(fmt.Sprintf(`{"kind":"application_review","title":"Reviu Aplikasi %s 2024",
			"conducted_on":"2024-07-08","application_id":%d,"assessment_id":%d,"summary":"Reviu menjelang evaluasi SPBE"}`, name, id, asm.ID)))
	}

	// A finding per management and audit indicator; the HR one (I25) is
	// the personnel agency's (unit B), the others Diskominfo's.
	areas := []string{"manajemen risiko", "manajemen keamanan informasi", "manajemen data", "manajemen aset TIK",
		"kompetensi sumber daya manusia", "manajemen pengetahuan", "manajemen perubahan", "manajemen layanan",
		"audit infrastruktur", "audit aplikasi", "audit keamanan"}
	type tracked struct {
		doc      findingDoc
		unitB    bool
		manager  string
		officer  string
		kind     string
		actionID int64
	}
	var all []*tracked
	for i, area := range areas {
		code := fmt.Sprintf("I%02d", 21+i)
		tr := &tracked{manager: "manager", officer: "officer", kind: "peta_rencana"}
		unit := f.unitA.ID
		if code == "I25" {
			tr.unitB, tr.manager, tr.officer, unit = true, "managerB", "officerB", f.unitB.ID
		}
		if i >= 8 {
			tr.kind = "pedoman"
		}
		body := fmt.Sprintf(`{"review_id":%d,"title":"Peta rencana dan pedoman %s belum ditetapkan","condition":"Belum ada peta rencana %s.",
			"criteria":"PermenPANRB 59/2020 indikator %s","cause":"Belum ada penanggung jawab","effect":"Indikator %s bernilai 1",
			"recommendation":"Menyusun dan menetapkan peta rencana serta pedoman %s","severity":"high","unit_id":%d,
			"indicator_codes":[%q],"application_id":%d,"due_date":"2024-08-31"}`,
			reviews[i%3], area, area, code, code, area, unit, code, apps["SRIKANDI"])
		mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &tr.doc), 201)
		if tr.doc.State != "draft" {
			t.Fatalf("new finding is %s", tr.doc.State)
		}
		all = append(all, tr)
	}
	if _, _, proj, _ := f.index(asm.ID); proj != 2.29 {
		t.Errorf("drafts moved the projection to %v", proj)
	}
	for _, tr := range all {
		tr.doc = f.mustMove("auditor", tr.doc, "issue", "")
	}
	ix, pred, proj, projPred = f.index(asm.ID)
	if ix != 2.29 || pred != "Cukup" || proj != 2.62 || projPred != "Baik" {
		t.Fatalf("index with open findings = %v %s → %v %s; want 2.29 Cukup → 2.62 Baik", ix, pred, proj, projPred)
	}
	var open findingPage
	f.do("GET", fmt.Sprintf("/api/v1/findings?assessment_id=%d&state=open&limit=50", asm.ID), f.tokens["auditor"], "", &open)
	if len(open.Items) != 11 {
		t.Fatalf("%d open findings of the assessment; want 11", len(open.Items))
	}

	// Follow-up: each unit's manager assigns, the officer attaches the
	// decree and completes, the manager submits.
	f.setNow(time.Date(2024, 8, 20, 1, 0, 0, 0, time.UTC))
	for _, tr := range all {
		var a actionDoc
		body := fmt.Sprintf(`{"title":"Menyusun SK penetapan dokumen","description":"Rancangan, pembahasan, penetapan oleh Gubernur",
			"assignee_id":%d,"due_date":"2024-08-30","required_artifact_kinds":["sk",%q]}`, f.users[tr.officer].ID, tr.kind)
		mustStatus(t, f.do("POST", fmt.Sprintf("/api/v1/findings/%d/actions", tr.doc.ID), f.tokens[tr.manager], body, &a), 201)
		tr.actionID = a.ID
		p := f.problem(f.do("POST", fmt.Sprintf("/api/v1/actions/%d/complete", a.ID), f.tokens[tr.officer],
			fmt.Sprintf(`{"note":"Belum lengkap","version":%d}`, a.Version), nil), 422)
		if diff := cmp.Diff([]string{"artifacts"}, fields(p)); diff != "" {
			t.Fatalf("completing without evidence (-want +got):\n%s", diff)
		}
		f.attach(a.ID, "sk")
		f.attach(a.ID, tr.kind)
		f.complete(tr.officer, a)
		tr.doc = f.mustMove(tr.manager, f.getFinding(tr.manager, tr.doc.ID), "submit", "")
	}

	// The auditor rejects the risk finding: the decree is not signed yet.
	risk := all[0]
	p := f.problem(f.move("auditor", risk.doc.ID, "reject", "", risk.doc.Version), 422)
	if diff := cmp.Diff([]string{"reason"}, fields(p)); diff != "" {
		t.Fatalf("reject without reason (-want +got):\n%s", diff)
	}
	rec := f.do("POST", fmt.Sprintf("/api/v1/findings/%d/transitions", risk.doc.ID), f.tokens["auditor"],
		fmt.Sprintf(`{"action":"reject","reason":"SK belum ditandatangani Gubernur","reopen_action_ids":[%d],"version":%d}`, risk.actionID, risk.doc.Version), &risk.doc)
	mustStatus(t, rec, 200)
	if risk.doc.State != "in_progress" || risk.doc.Actions[0].Status != "todo" {
		t.Fatalf("after reject: %s, action %s", risk.doc.State, risk.doc.Actions[0].Status)
	}
	f.complete("officer", risk.doc.Actions[0])
	risk.doc = f.mustMove("manager", f.getFinding("manager", risk.doc.ID), "submit", "")

	// A second auditor verifies and closes everything.
	for _, tr := range all {
		tr.doc = f.mustMove("auditor2", f.getFinding("auditor2", tr.doc.ID), "close", "")
		if tr.doc.AuditCategory == nil || *tr.doc.AuditCategory != "sesuai" {
			t.Errorf("%s closed with category %v", tr.doc.Code, tr.doc.AuditCategory)
		}
	}
	ix, _, proj, _ = f.index(asm.ID)
	if ix != 2.29 || proj != 2.29 {
		t.Errorf("with every finding closed: index %v, projected %v; want 2.29, 2.29 until the levels are scored again", ix, proj)
	}
	// The external assessment confirms the management and audit levels at 3.
	for n := 21; n <= 31; n++ {
		mustStatus(t, f.do("PUT", fmt.Sprintf("/api/v1/assessments/%d/scores/I%02d", asm.ID, n), f.tokens["auditor2"], `{"level":3,"target_level":3}`, nil), 200)
	}
	ix, pred, proj, _ = f.index(asm.ID)
	if ix != 2.62 || pred != "Baik" || proj != 2.62 {
		t.Errorf("index after = %v %s, projected %v; want 2.62 Baik", ix, pred, proj)
	}

	// The risk finding's history tells the story, and every chain holds.
	var kinds []string
	for _, e := range f.events("viewer", risk.doc.ID) {
		kinds = append(kinds, e.Kind)
	}
	want := []string{"created", "issue", "action_assigned", "action_completed", "submit", "reject", "action_completed", "submit", "close"}
	if diff := cmp.Diff(want, kinds); diff != "" {
		t.Errorf("history of %s (-want +got):\n%s", risk.doc.Code, diff)
	}
	rep, err := finding.VerifyHistory(ctx, f.db)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Findings != 11 || rep.Events != 11*6+3 || len(rep.Breaks) != 0 {
		t.Errorf("verify: %d findings, %d events, breaks %v", rep.Findings, rep.Events, rep.Breaks)
	}
	// Who was told: per finding one assignment, a submission (two for the
	// rejected one), a closure; and the rejection.
	var byKind []struct {
		Kind string
		N    int
	}
	f.db.Raw(`SELECT kind, count(*) AS n FROM notifications GROUP BY kind ORDER BY kind`).Scan(&byKind)
	wantKinds := []struct {
		Kind string
		N    int
	}{{"action_assigned", 11}, {"finding_closed", 11}, {"finding_rejected", 1}, {"finding_submitted", 12}}
	if diff := cmp.Diff(wantKinds, byKind); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
}
