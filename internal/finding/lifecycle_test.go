package finding

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// TestAllowedFollowsProduct spells out PRODUCT.md's life-cycle table state
// by state and role by role, independently of Lifecycle's encoding.
func TestAllowedFollowsProduct(t *testing.T) {
	auditorOps := map[State][]Verb{
		Draft:         {Issue},
		Open:          {MarkNotActionable},
		InProgress:    {Submit, MarkNotActionable},
		Submitted:     {Reject, Close},
		Closed:        {Reopen},
		NotActionable: {Reopen},
	}
	for _, st := range States {
		for _, role := range identity.Roles {
			want := []Verb{}
			switch role {
			case identity.RoleAdmin, identity.RoleAuditor:
				want = append(want, auditorOps[st]...)
			case identity.RoleManager:
				if st == InProgress {
					want = []Verb{Submit}
				}
			}
			got := Allowed(Situation{State: st, Caller: identity.Principal{UserID: 7, Role: role}})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s as %s (-want +got):\n%s", st, role, diff)
			}
		}
	}
}

func TestCheck(t *testing.T) {
	auditor := identity.Principal{UserID: 7, Role: identity.RoleAuditor}
	tests := []struct {
		name    string
		verb    Verb
		s       Situation
		want    apperr.Kind
		allowed []string
	}{
		{"issue a draft", Issue, Situation{State: Draft, Caller: auditor}, "", nil},
		{"unknown verb", "approve", Situation{State: Draft, Caller: auditor}, apperr.Invalid, nil},
		{"officer closes", Close, Situation{State: Submitted, Caller: identity.Principal{UserID: 9, Role: identity.RoleOfficer}}, apperr.Forbidden, nil},
		{"close an open finding", Close, Situation{State: Open, Caller: auditor}, apperr.Conflict, []string{"mark_not_actionable"}},
		{"close own submission", Close, Situation{State: Submitted, SubmittedBy: 7, Caller: auditor}, apperr.Forbidden, nil},
		{"reject own submission is fine", Reject, Situation{State: Submitted, SubmittedBy: 7, Caller: auditor}, "", nil},
		{"viewer submits", Submit, Situation{State: InProgress, Caller: identity.Principal{Role: identity.RoleViewer}}, apperr.Forbidden, nil},
		{"reopen closed", Reopen, Situation{State: Closed, Caller: auditor}, "", nil},
		{"issue an open finding", Issue, Situation{State: Open, Caller: identity.Principal{Role: identity.RoleAuditor}}, apperr.Conflict, []string{"mark_not_actionable"}},
		{"manager, wrong state", Submit, Situation{State: Submitted, Caller: identity.Principal{Role: identity.RoleManager}}, apperr.Conflict, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check(tt.verb, tt.s)
			if got := apperr.KindOf(err); got != tt.want || (tt.want == "" && err != nil) {
				t.Fatalf("kind = %q (%v); want %q", got, err, tt.want)
			}
			if tt.want == apperr.Conflict {
				e := err.(*apperr.Error)
				if diff := cmp.Diff(tt.allowed, e.AllowedActions); diff != "" || e.AllowedActions == nil {
					t.Errorf("allowed actions (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestCategories(t *testing.T) {
	want := map[State]AuditCategory{Draft: "", Open: BelumDitindaklanjuti, InProgress: BelumSesuai, Submitted: BelumSesuai,
		Closed: Sesuai, NotActionable: TidakDapatDitindaklanjuti}
	for st, c := range want {
		if got := st.Category(); got != c {
			t.Errorf("%s → %q; want %q", st, got, c)
		}
	}
	if diff := cmp.Diff([]State{InProgress, Submitted}, StatesOf(BelumSesuai)); diff != "" {
		t.Error(diff)
	}
}
