package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
)

// TestTransitionMatrix sends every transition from every state as every
// role and checks the exact status: 200 when the table allows it, 403 for
// a role that may never, 404 for a caller who cannot see the finding, 409
// with allowed_actions when the state does not allow it, 422 when a
// required reason is missing.
func TestTransitionMatrix(t *testing.T) {
	states := []string{"draft", "open", "in_progress", "submitted", "closed", "not_actionable"}
	verbs := []string{"issue", "submit", "reject", "close", "mark_not_actionable", "reopen"}
	from := map[string][]string{"issue": {"draft"}, "submit": {"in_progress"}, "reject": {"submitted"}, "close": {"submitted"},
		"mark_not_actionable": {"open", "in_progress"}, "reopen": {"closed", "not_actionable"}}
	auditorOnly := map[string]bool{"issue": true, "reject": true, "close": true, "mark_not_actionable": true, "reopen": true}
	needsReason := map[string]bool{"reject": true, "mark_not_actionable": true, "reopen": true}

	f := newFixture(t)
	for _, state := range states {
		for _, verb := range verbs {
			for _, who := range []string{"admin", "auditor", "manager", "officer", "viewer", "officerB"} {
				t.Run(state+"/"+verb+"/"+who, func(t *testing.T) {
					f := *f
					f.t = t
					fd := f.findingIn(state)
					if who == "officerB" {
						f.tokens["officerB"] = f.login("officer.b@kalselprov.go.id")
					}
					roleMay := auditorOnly[verb] && (who == "admin" || who == "auditor") ||
						verb == "submit" && (who == "admin" || who == "auditor" || who == "manager")
					sees := who != "officerB" && (state == "draft" && who != "manager" && who != "officer" ||
						state != "draft" && (who != "officer" || state != "open" && state != "not_actionable"))
					allowedNow := slices.Contains(from[verb], state)
					want := 200
					switch {
					case !sees:
						want = 404
					case !roleMay:
						want = 403
					case !allowedNow:
						want = 409
					}
					// With no reason, a transition that needs one is refused.
					rec := f.move(who, fd.ID, verb, "", fd.Version)
					if want == 200 && needsReason[verb] {
						p := f.problem(rec, 422)
						if diff := cmp.Diff([]string{"reason"}, fields(p)); diff != "" {
							t.Fatalf("422 fields (-want +got):\n%s", diff)
						}
						rec = f.move(who, fd.ID, verb, "Alasan yang jelas", fd.Version)
					}
					if want == 200 {
						mustStatus(t, rec, 200)
						var got findingDoc
						json.Unmarshal(rec.Body.Bytes(), &got)
						if got.Version != fd.Version+1 {
							t.Errorf("version = %d; want %d", got.Version, fd.Version+1)
						}
						return
					}
					p := f.problem(rec, want)
					if want == 409 {
						if p.AllowedActions == nil {
							t.Fatalf("409 without allowed_actions: %s", rec.Body)
						}
						wantAllowed := f.getFinding(who, fd.ID).AllowedActions
						if diff := cmp.Diff(wantAllowed, *p.AllowedActions); diff != "" {
							t.Errorf("allowed_actions differ from the finding's (-finding +problem):\n%s", diff)
						}
					}
					var after findingDoc
					f.do("GET", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["auditor"], "", &after)
					if after.Version != fd.Version || after.State != fd.State {
						t.Errorf("a refused transition changed the finding: %+v → %+v", fd, after)
					}
				})
			}
		}
	}
}

// TestSeparationOfDuties: an auditor who submitted may not close; another
// auditor may.
func TestSeparationOfDuties(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("in_progress")
	fd = f.mustMove("auditor", fd, "submit", "")
	if slices.Contains(fd.AllowedActions, "close") {
		t.Errorf("the submitter is offered close: %v", fd.AllowedActions)
	}
	p := f.problem(f.move("auditor", fd.ID, "close", "", fd.Version), 403)
	if p.Detail == "" {
		t.Error("403 without a reason")
	}
	if got := f.getFinding("admin", fd.ID).AllowedActions; !slices.Contains(got, "close") {
		t.Errorf("another auditor is not offered close: %v", got)
	}
	f.mustMove("admin", fd, "close", "")
}

// TestTransitionRequirements: issuing needs unit, recommendation and due
// date; submitting needs every action done and evidence; a stale version
// is refused.
func TestTransitionRequirements(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	var bare findingDoc
	mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"],
		fmt.Sprintf(`{"review_id":%d,"title":"Temuan tanpa rincian","severity":"low"}`, rev), &bare), 201)
	p := f.problem(f.move("auditor", bare.ID, "issue", "", bare.Version), 422)
	if diff := cmp.Diff([]string{"unit_id", "recommendation", "due_date"}, fields(p)); diff != "" {
		t.Errorf("issue requirements (-want +got):\n%s", diff)
	}

	fd := f.findingIn("open")
	f.assign("manager", fd.ID, `["sk"]`)
	fd = f.getFinding("manager", fd.ID)
	p = f.problem(f.move("manager", fd.ID, "submit", "", fd.Version), 422)
	if diff := cmp.Diff([]string{"actions", "artifacts"}, fields(p)); diff != "" {
		t.Errorf("submit requirements (-want +got):\n%s", diff)
	}
	f.problem(f.move("auditor", fd.ID, "mark_not_actionable", "Tidak relevan", fd.Version-1), 409)
	var q api.Problem
	json.Unmarshal(f.move("auditor", fd.ID, "teleport", "", fd.Version).Body.Bytes(), &q)
	if diff := cmp.Diff([]string{"action"}, fields(q)); diff != "" {
		t.Errorf("unknown verb (-want +got):\n%s", diff)
	}
}
