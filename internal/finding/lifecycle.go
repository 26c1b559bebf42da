package finding

import (
	"slices"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// State is where a finding is in its life cycle.
type State string

// The states of PRODUCT.md's life cycle.
const (
	Draft         State = "draft"
	Open          State = "open"
	InProgress    State = "in_progress"
	Submitted     State = "submitted"
	Closed        State = "closed"
	NotActionable State = "not_actionable"
)

// States lists every state in life-cycle order.
var States = []State{Draft, Open, InProgress, Submitted, Closed, NotActionable}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Active reports whether follow-up is still expected: the finding is issued
// and neither closed nor set aside. Overdue and reminders apply only then.
func (s State) Active() bool { return s == Open || s == InProgress }

// AuditCategory is the category of Indonesian audit follow-up monitoring.
type AuditCategory string

// The categories, and the states that map onto them.
const (
	Sesuai                    AuditCategory = "sesuai"
	BelumSesuai               AuditCategory = "belum_sesuai"
	BelumDitindaklanjuti      AuditCategory = "belum_ditindaklanjuti"
	TidakDapatDitindaklanjuti AuditCategory = "tidak_dapat_ditindaklanjuti"
)

// Category returns the audit category of s; a draft has none ("").
func (s State) Category() AuditCategory {
	switch s {
	case Closed:
		return Sesuai
	case InProgress, Submitted:
		return BelumSesuai
	case Open:
		return BelumDitindaklanjuti
	case NotActionable:
		return TidakDapatDitindaklanjuti
	}
	return ""
}

// StatesOf returns the states that map onto category c.
func StatesOf(c AuditCategory) []State {
	var out []State
	for _, s := range States {
		if s.Category() == c {
			out = append(out, s)
		}
	}
	return out
}

// Verb is a transition a caller asks for by name.
type Verb string

// The transitions of the finding life cycle. Assigning the first action
// (open → in_progress) is not a verb: it happens when an action is created.
const (
	Issue             Verb = "issue"
	Submit            Verb = "submit"
	Reject            Verb = "reject"
	Close             Verb = "close"
	MarkNotActionable Verb = "mark_not_actionable"
	Reopen            Verb = "reopen"
)

// Requirement is something a transition needs besides state and role.
type Requirement int

// The requirements.
const (
	// NeedsReason: a non-empty reason (or justification).
	NeedsReason Requirement = 1 << iota
	// NeedsIssueFields: responsible unit, recommendation and due date.
	NeedsIssueFields
	// NeedsFollowUp: every action done and at least one artifact.
	NeedsFollowUp
	// NotBySubmitter: the caller did not submit the current submission
	// (separation of duties).
	NotBySubmitter
)

// Transition is one row of the life-cycle table.
type Transition struct {
	Verb  Verb
	From  []State
	To    State
	Roles []identity.Role
	// Requires lists what the request must bring. A manager acts only on
	// their own unit's findings: visibility already guarantees that.
	Requires Requirement
}

// Lifecycle is the finding life cycle of PRODUCT.md as data: the API's
// allowed_actions, the transition endpoint and the web buttons all read it.
// Admins may do whatever auditors may.
var Lifecycle = []Transition{
	{Verb: Issue, From: []State{Draft}, To: Open,
		Roles: []identity.Role{identity.RoleAdmin, identity.RoleAuditor}, Requires: NeedsIssueFields},
	{Verb: Submit, From: []State{InProgress}, To: Submitted,
		Roles: []identity.Role{identity.RoleAdmin, identity.RoleAuditor, identity.RoleManager}, Requires: NeedsFollowUp},
	{Verb: Reject, From: []State{Submitted}, To: InProgress,
		Roles: []identity.Role{identity.RoleAdmin, identity.RoleAuditor}, Requires: NeedsReason},
	{Verb: Close, From: []State{Submitted}, To: Closed,
		Roles: []identity.Role{identity.RoleAdmin, identity.RoleAuditor}, Requires: NotBySubmitter},
	{Verb: MarkNotActionable, From: []State{Open, InProgress}, To: NotActionable,
		Roles: []identity.Role{identity.RoleAdmin, identity.RoleAuditor}, Requires: NeedsReason},
	{Verb: Reopen, From: []State{Closed, NotActionable}, To: InProgress,
		Roles: []identity.Role{identity.RoleAdmin, identity.RoleAuditor}, Requires: NeedsReason},
}

// Lookup returns the row of verb v.
func Lookup(v Verb) (Transition, bool) {
	for _, t := range Lifecycle {
		if t.Verb == v {
			return t, true
		}
	}
	return Transition{}, false
}

// Situation is what the table needs to know about a finding and a caller.
type Situation struct {
	State State
	// SubmittedBy is who submitted the current submission (0 if none).
	SubmittedBy int64
	Caller      identity.Principal
}

// permits reports whether the caller's role may ever perform t.
func (t Transition) permits(role identity.Role) bool { return slices.Contains(t.Roles, role) }

// Allowed returns the verbs the caller may perform now, in table order:
// the state allows them, the role may, and separation of duties holds.
// Requirements on the request (a reason, finished actions) are not
// considered: asking without them answers what is missing.
func Allowed(s Situation) []Verb {
	out := []Verb{}
	for _, t := range Lifecycle {
		if slices.Contains(t.From, s.State) && t.permits(s.Caller.Role) && !(t.Requires&NotBySubmitter != 0 && s.SubmittedBy == s.Caller.UserID) {
			out = append(out, t.Verb)
		}
	}
	return out
}

// Check decides whether the caller may perform v now. It returns the row
// to apply, or: Invalid for an unknown verb, Forbidden when the role may
// never perform it or the caller submitted what they would close, and
// Conflict (with AllowedActions) when the state does not allow it.
// Requirements on the request are checked by the caller of Check.
func Check(v Verb, s Situation) (Transition, error) {
	t, ok := Lookup(v)
	if !ok {
		return Transition{}, &apperr.Error{Kind: apperr.Invalid, Message: "Some fields are not valid.",
			Fields: []apperr.FieldError{{Field: "action", Message: "must be one of issue, submit, reject, close, mark_not_actionable, reopen"}}}
	}
	if !t.permits(s.Caller.Role) {
		return Transition{}, apperr.E(apperr.Forbidden, "Your role (%s) may not %s a finding.", s.Caller.Role, verbText(v))
	}
	if !slices.Contains(t.From, s.State) {
		allowed := Allowed(s)
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return Transition{}, &apperr.Error{Kind: apperr.Conflict, AllowedActions: names,
			Message: "A finding that is " + string(s.State) + " cannot be " + pastText(v) + "."}
	}
	if t.Requires&NotBySubmitter != 0 && s.SubmittedBy == s.Caller.UserID {
		return Transition{}, apperr.E(apperr.Forbidden, "You submitted this finding for verification; another auditor must close it (separation of duties).")
	}
	return t, nil
}

func verbText(v Verb) string {
	if v == MarkNotActionable {
		return "mark as not actionable"
	}
	return string(v)
}

func pastText(v Verb) string {
	switch v {
	case Issue:
		return "issued"
	case Submit:
		return "submitted"
	case Reject:
		return "rejected"
	case Close:
		return "closed"
	case MarkNotActionable:
		return "marked not actionable"
	case Reopen:
		return "reopened"
	}
	return string(v)
}
