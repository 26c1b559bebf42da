package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// reviewState is what the database holds of review id: every field, its
// version, and the audit log's rows of it.
func (s *fullSite) reviewState(id int64) string {
	s.t.Helper()
	var out string
	s.db.Raw(`SELECT concat_ws('|', kind, title, conducted_on, application_id, assessment_id, summary, version,
			(SELECT count(*) FROM audit_log WHERE object_type = 'review' AND object_id = r.id))
		FROM reviews r WHERE id = ?`, id).Scan(&out)
	return out
}

// TestReviewListAndEditForm: the reviews are listed, newest first, with
// their assessment; an auditor edits one in Indonesian, with every bad
// field named in Indonesian next to it and nothing written, and a stale
// form refused; other roles may read the list but not edit.
func TestReviewListAndEditForm(t *testing.T) {
	s := newFullSite(t)
	asm := s.assessment()
	ctx := context.Background()
	app, err := s.findings.CreateApplication(ctx, s.people["auditor"], finding.ApplicationInput{Name: "SIMPEG", UnitID: s.unitA,
		Kind: "administrasi", Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	var last finding.Review
	for i := range 51 {
		on := fmt.Sprintf("2024-07-%02d", 1+i%28)
		in := finding.ReviewInput{Kind: "application_review", Title: fmt.Sprintf("Reviu aplikasi %02d", i), ConductedOn: &on}
		if i == 50 {
			in.ApplicationID = &app.ID
		}
		r, err := s.findings.CreateReview(ctx, s.people["auditor"], in)
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}

	manager := s.browser()
	manager.signIn("manager")
	status, page, _ := manager.get("/reviu")
	if status != http.StatusOK || !regexp.MustCompile(`Reviu aplikasi 50</td>\s*<td>Reviu aplikasi</td>\s*<td>SIMPEG</td>`).MatchString(page) ||
		strings.Contains(page, "/reviu/baru") || strings.Contains(page, "/ubah") {
		t.Fatalf("the manager's list: %d\n%s", status, page)
	}
	next := regexp.MustCompile(`href="(/reviu\?sebelum=\d+)" rel="next"`).FindStringSubmatch(page)
	if next == nil {
		t.Fatal("no next page after 50 reviews")
	}
	_, page, _ = manager.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if !strings.Contains(page, "Evaluasi SPBE 2024") || strings.Contains(page, "Reviu aplikasi 50") {
		t.Errorf("the second page holds the oldest review only:\n%s", page)
	}
	for _, path := range []string{fmt.Sprintf("/reviu/%d/ubah", last.ID), "/reviu/baru"} {
		if status, _, _ := manager.get(path); status != http.StatusForbidden {
			t.Errorf("a manager opens %s: %d", path, status)
		}
	}
	if status, _, _ := manager.get("/reviu?sebelum=abc"); status != http.StatusBadRequest {
		t.Errorf("a bad page link: %d", status)
	}
	if status, page, _ := manager.get("/reviu?jenis=audit"); status != http.StatusUnprocessableEntity || !strings.Contains(page, "field-error") {
		t.Errorf("an unknown kind: %d", status)
	}

	auditor := s.browser()
	auditor.signIn("auditor")
	path := fmt.Sprintf("/reviu/%d/ubah", s.review)
	_, page, _ = auditor.get(path)
	if !strings.Contains(page, `value="Evaluasi SPBE 2024"`) || !strings.Contains(page, `value="2024-08-01"`) ||
		!strings.Contains(page, fmt.Sprintf(`<option value="%d">Evaluasi SPBE 2024 (2024)</option>`, asm.ID)) {
		t.Fatalf("the edit form:\n%s", page)
	}
	tok, version := token(t, page), versionRE.FindStringSubmatch(page)[1]
	before := s.reviewState(s.review)
	bad := url.Values{"csrf": {tok}, "version": {version}, "kind": {"audit"}, "title": {"  "}, "conducted_on": {"2024-02-30"},
		"application_id": {"999999"}, "assessment_id": {"x"}, "summary": {"Ringkasan <i>baru</i>"}}
	status, page, _ = auditor.post(path, bad)
	if status != http.StatusUnprocessableEntity || strings.Count(page, `class="field-error"`) != 5 ||
		!strings.Contains(page, "Ringkasan &lt;i&gt;baru&lt;/i&gt;") || !strings.Contains(page, "wajib diisi") {
		t.Errorf("bad review: %d\n%s", status, page)
	}
	if s.reviewState(s.review) != before {
		t.Errorf("a refused edit wrote: %s → %s", before, s.reviewState(s.review))
	}
	if status, _, _ := auditor.post(path, url.Values{"version": {version}, "kind": {"ict_audit"}, "title": {"Tanpa token"},
		"conducted_on": {"2024-08-01"}}); status != http.StatusForbidden || s.reviewState(s.review) != before {
		t.Errorf("an edit without a token: %d", status)
	}
	good := url.Values{"csrf": {tok}, "version": {version}, "kind": {"spbe_evaluation"}, "title": {"Evaluasi SPBE 2024 (mandiri)"},
		"conducted_on": {"2024-08-02"}, "assessment_id": {fmt.Sprint(asm.ID)}, "summary": {"Penilaian mandiri"}}
	status, _, h := auditor.post(path, good)
	if status != http.StatusSeeOther || h.Get("Location") != "/reviu?ok=review" {
		t.Fatalf("edit: %d %s", status, h.Get("Location"))
	}
	r, _ := s.findings.GetReview(ctx, s.people["auditor"], s.review)
	if r.Title != "Evaluasi SPBE 2024 (mandiri)" || r.ConductedOn.String() != "2024-08-02" || r.AssessmentID == nil ||
		*r.AssessmentID != asm.ID || r.ApplicationID != nil || r.Summary != "Penilaian mandiri" {
		t.Errorf("after the edit: %+v", r)
	}
	_, page, _ = auditor.get(h.Get("Location"))
	if !strings.Contains(page, "Reviu disimpan.") {
		t.Errorf("no confirmation after the edit")
	}
	_, page, _ = auditor.get("/reviu?jenis=spbe_evaluation")
	if !strings.Contains(page, "Evaluasi SPBE 2024 (mandiri)") || !strings.Contains(page, "<td>Evaluasi SPBE 2024 (2024)</td>") ||
		strings.Contains(page, "Reviu aplikasi 0") {
		t.Errorf("the list of SPBE evaluations does not show the review with its assessment:\n%s", page)
	}
	// The same form again is stale: a 409 with the input kept.
	good.Set("title", "Judul yang hilang")
	status, page, _ = auditor.post(path, good)
	if status != http.StatusConflict || !strings.Contains(page, `value="Judul yang hilang"`) {
		t.Errorf("a stale edit: %d", status)
	}
	// A finding's page names its review, linking to the review's findings.
	id, _ := s.issued("Belum ada SK tim SPBE", s.unitA, "officer")
	_, page, _ = auditor.get(fmt.Sprintf("/temuan/%d", id))
	if !strings.Contains(page, fmt.Sprintf(`<a href="/temuan?review_id=%d">Evaluasi SPBE 2024 (mandiri)</a>`, s.review)) {
		t.Errorf("the finding's page does not name its review:\n%s", page)
	}
	// Its link is the list of that review's findings, which says so.
	_, page, _ = auditor.get(fmt.Sprintf("/temuan?review_id=%d&state=in_progress", s.review))
	if !strings.Contains(page, "Temuan dari reviu “Evaluasi SPBE 2024 (mandiri)”") || !strings.Contains(page, `href="/temuan?state=in_progress"`) ||
		!strings.Contains(page, fmt.Sprintf(`href="/temuan/%d"`, id)) {
		t.Errorf("the review's findings:\n%s", page)
	}
	_, page, _ = auditor.get(fmt.Sprintf("/temuan?assessment_id=%d", asm.ID))
	if !strings.Contains(page, "Temuan dari reviu penilaian “Evaluasi SPBE 2024”") || !strings.Contains(page, fmt.Sprintf(`href="/temuan/%d"`, id)) {
		t.Errorf("the assessment's findings:\n%s", page)
	}
	if status, _, _ := auditor.get("/reviu/424242/ubah"); status != http.StatusNotFound {
		t.Errorf("an unknown review: %d", status)
	}
}
