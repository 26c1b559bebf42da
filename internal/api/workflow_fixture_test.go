package api_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"testing"
)

// findingDoc is the part of a finding the tests read.
type findingDoc struct {
	ID             int64
	Code           string
	State          string
	Version        int
	UnitID         *int64  `json:"unit_id"`
	DueDate        *string `json:"due_date"`
	Overdue        bool
	AuditCategory  *string  `json:"audit_category"`
	AllowedActions []string `json:"allowed_actions"`
	IndicatorCodes []string `json:"indicator_codes"`
	SubmittedBy    *int64   `json:"submitted_by"`
	Actions        []actionDoc
}

// actionDoc is the part of an action the tests read.
type actionDoc struct {
	ID                    int64
	Status                string
	Version               int
	AssigneeID            int64    `json:"assignee_id"`
	RequiredArtifactKinds []string `json:"required_artifact_kinds"`
	Artifacts             []struct{ ID int64 }
}

// mustStatus fails the test unless rec has status want.
func mustStatus(t testing.TB, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d; want %d; body %s", rec.Code, want, rec.Body)
	}
}

// newReview records a review as the auditor.
func (f *fixture) newReview(body string) int64 {
	f.t.Helper()
	if body == "" {
		body = `{"kind":"application_review","title":"Reviu Aplikasi SIMPEG","conducted_on":"2024-07-15","summary":"Reviu tahunan"}`
	}
	var r struct{ ID int64 }
	mustStatus(f.t, f.do("POST", "/api/v1/reviews", f.tokens["auditor"], body, &r), 201)
	return r.ID
}

// newFinding records a complete draft finding of unit A on review.
func (f *fixture) newFinding(review int64, extra string) findingDoc {
	f.t.Helper()
	body := fmt.Sprintf(`{"review_id":%d,"title":"Peta rencana manajemen risiko SPBE belum ada","condition":"Belum ada dokumen peta rencana.",
		"criteria":"PermenPANRB 59/2020","cause":"Belum ada tim","effect":"Indikator 21 bernilai 1",
		"recommendation":"Menyusun dan menetapkan peta rencana manajemen risiko SPBE","severity":"high","unit_id":%d,
		"indicator_codes":["I21"],"due_date":"2024-09-30"%s}`, review, f.unitA.ID, extra)
	var out findingDoc
	mustStatus(f.t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], body, &out), 201)
	return out
}

// move performs a transition as who and returns the answer.
func (f *fixture) move(who string, id int64, action, reason string, version int) *httptest.ResponseRecorder {
	f.t.Helper()
	body, _ := json.Marshal(map[string]any{"action": action, "reason": reason, "version": version})
	return f.do("POST", fmt.Sprintf("/api/v1/findings/%d/transitions", id), f.tokens[who], string(body), nil)
}

// must performs a transition that has to succeed.
func (f *fixture) mustMove(who string, fd findingDoc, action, reason string) findingDoc {
	f.t.Helper()
	rec := f.move(who, fd.ID, action, reason, fd.Version)
	mustStatus(f.t, rec, 200)
	var out findingDoc
	json.Unmarshal(rec.Body.Bytes(), &out)
	return out
}

// get reads a finding as who.
func (f *fixture) getFinding(who string, id int64) findingDoc {
	f.t.Helper()
	var out findingDoc
	mustStatus(f.t, f.do("GET", fmt.Sprintf("/api/v1/findings/%d", id), f.tokens[who], "", &out), 200)
	return out
}

// assign creates an action for the unit A officer as who.
func (f *fixture) assign(who string, id int64, kinds string) actionDoc {
	f.t.Helper()
	if kinds == "" {
		kinds = "[]"
	}
	body := fmt.Sprintf(`{"title":"Menyusun SK tim manajemen risiko","description":"Rancangan SK dan penetapan","assignee_id":%d,
		"due_date":"2024-08-31","required_artifact_kinds":%s}`, f.users["officer"].ID, kinds)
	var out actionDoc
	mustStatus(f.t, f.do("POST", fmt.Sprintf("/api/v1/findings/%d/actions", id), f.tokens[who], body, &out), 201)
	return out
}

// attach records an evidence document on an action directly in the
// database: uploading is the evidence issue's endpoint.
func (f *fixture) attach(action int64, kind string) {
	f.t.Helper()
	sum := sha256.Sum256([]byte(fmt.Sprint(action, kind)))
	err := f.db.Exec(`INSERT INTO artifacts (action_id, kind, title, doc_number, doc_date, signer, file_name, media_type, size, sha256, uploaded_by)
		VALUES (?, ?, 'SK Gubernur tentang Tim Manajemen Risiko SPBE', '188.44/0123/KUM/2024', '2024-08-20', 'Gubernur Kalimantan Selatan',
		'SK Tim Risiko.pdf', 'application/pdf', 1024, ?, ?)`, action, kind, sum[:], f.users["officer"].ID).Error
	if err != nil {
		f.t.Fatal(err)
	}
}

// complete completes an action as who.
func (f *fixture) complete(who string, a actionDoc) actionDoc {
	f.t.Helper()
	var out actionDoc
	body := fmt.Sprintf(`{"note":"SK telah ditetapkan","version":%d}`, a.Version)
	mustStatus(f.t, f.do("POST", fmt.Sprintf("/api/v1/actions/%d/complete", a.ID), f.tokens[who], body, &out), 200)
	return out
}

// findingIn drives a new finding of unit A into state through the API
// (see drive).
func (f *fixture) findingIn(state string) findingDoc {
	f.t.Helper()
	return f.drive(f.newFinding(f.newReview(""), ""), state)
}

// drive takes a draft finding into state through the API: the auditor
// issues, the manager assigns unit A's officer, the officer completes with
// an SK (so an in_progress finding is ready to submit), the manager submits
// and the auditor closes.
func (f *fixture) drive(fd findingDoc, state string) findingDoc {
	f.t.Helper()
	if state == "draft" {
		return fd
	}
	fd = f.mustMove("auditor", fd, "issue", "")
	if state == "open" {
		return fd
	}
	if state == "not_actionable" {
		return f.mustMove("auditor", fd, "mark_not_actionable", "Aplikasi telah dihentikan")
	}
	a := f.assign("manager", fd.ID, `["sk"]`)
	f.attach(a.ID, "sk")
	f.complete("officer", a)
	if state == "in_progress" {
		return f.getFinding("auditor", fd.ID)
	}
	fd = f.mustMove("manager", f.getFinding("auditor", fd.ID), "submit", "")
	if state == "submitted" {
		return fd
	}
	return f.mustMove("auditor", fd, "close", "")
}
