package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type reviewDoc struct {
	ID           int64
	Title        string
	Summary      string
	AssessmentID *int64 `json:"assessment_id"`
	ConductedOn  string `json:"conducted_on"`
	Version      int
}

// TestReviewEdits: a review is edited at its version, each change lands in
// the audit log, an edit that changes nothing keeps the version, and a
// review whose findings name indicators moves only to an assessment whose
// model has them.
func TestReviewEdits(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	path := fmt.Sprintf("/api/v1/reviews/%d", rev)
	var asm struct{ ID int64 }
	mustStatus(t, f.do("POST", "/api/v1/assessments", f.tokens["auditor"], `{"year":2024,"name":"Evaluasi SPBE 2024"}`, &asm), 201)

	var out reviewDoc
	mustStatus(t, f.do("PATCH", path, f.tokens["auditor"], fmt.Sprintf(`{"title":"Reviu Aplikasi SIMPEG 2024",
		"conducted_on":"2024-07-16","assessment_id":%d,"version":1}`, asm.ID), &out), 200)
	if out.Version != 2 || out.Title != "Reviu Aplikasi SIMPEG 2024" || out.ConductedOn != "2024-07-16" ||
		out.AssessmentID == nil || *out.AssessmentID != asm.ID || out.Summary != "Reviu tahunan" {
		t.Fatalf("after patch: %+v", out)
	}
	var changes string
	f.db.Raw(`SELECT changes::text FROM audit_log WHERE object_type = 'review' AND object_id = ? AND action = 'update'`, rev).Scan(&changes)
	var got map[string]map[string]any
	if err := json.Unmarshal([]byte(changes), &got); err != nil {
		t.Fatalf("audit log %q: %v", changes, err)
	}
	want := map[string]map[string]any{
		"title":         {"from": "Reviu Aplikasi SIMPEG", "to": "Reviu Aplikasi SIMPEG 2024"},
		"conducted_on":  {"from": "2024-07-15", "to": "2024-07-16"},
		"assessment_id": {"from": nil, "to": float64(asm.ID)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}

	mustStatus(t, f.do("PATCH", path, f.tokens["auditor"], `{"title":"Reviu Aplikasi SIMPEG 2024","version":2}`, &out), 200)
	if out.Version != 2 {
		t.Errorf("an edit that changes nothing bumped the version to %d", out.Version)
	}
	// The findings of a review of the assessment are the assessment's.
	fd := f.newFinding(rev, "")
	var list struct{ Items []struct{ ID int64 } }
	mustStatus(t, f.do("GET", fmt.Sprintf("/api/v1/findings?assessment_id=%d", asm.ID), f.tokens["auditor"], "", &list), 200)
	if len(list.Items) != 1 || list.Items[0].ID != fd.ID {
		t.Errorf("findings of the assessment: %+v", list.Items)
	}

	// A model without I21, which the finding names: the current one.
	var asm2 struct{ ID int64 }
	mustStatus(t, f.do("POST", "/api/v1/assessments", f.tokens["auditor"],
		`{"year":2026,"name":"Evaluasi Pemdi 2026","framework_code":"pemdi-2026"}`, &asm2), 201)
	p := f.problem(f.do("PATCH", path, f.tokens["auditor"], fmt.Sprintf(`{"assessment_id":%d,"version":2}`, asm2.ID), nil), 422)
	if len(p.Errors) != 1 || p.Errors[0].Field != "assessment_id" || !bytes.Contains([]byte(p.Errors[0].Message), []byte("I21")) {
		t.Errorf("moving to a model without I21: %+v", p.Errors)
	}
	var now reviewDoc
	mustStatus(t, f.do("GET", path, f.tokens["auditor"], "", &now), 200)
	if now.Version != 2 || now.AssessmentID == nil || *now.AssessmentID != asm.ID {
		t.Errorf("a refused move changed the review: %+v", now)
	}
	// Detaching it from any assessment is fine: spbe-2020 has I21.
	mustStatus(t, f.do("PATCH", path, f.tokens["auditor"], `{"assessment_id":null,"version":2}`, &out), 200)
	if out.AssessmentID != nil || out.Version != 3 {
		t.Errorf("after detaching: %+v", out)
	}
}
