package identity

import "github.com/tindaklanjut/tindaklanjut/internal/apperr"

// Action names something a caller wants to do to an object.
type Action string

// The actions on people and units. Later domains add theirs to the table.
const (
	UnitRead   Action = "unit.read"
	UnitCreate Action = "unit.create"
	UnitUpdate Action = "unit.update"
	UserRead   Action = "user.read"
	UserCreate Action = "user.create"
	UserUpdate Action = "user.update"

	ApplicationRead   Action = "application.read"
	ApplicationCreate Action = "application.create"
	ApplicationUpdate Action = "application.update"
	AssessmentRead    Action = "assessment.read"
	AssessmentCreate  Action = "assessment.create"
	AssessmentUpdate  Action = "assessment.update"
	ReviewRead        Action = "review.read"
	ReviewCreate      Action = "review.create"
	ReviewUpdate      Action = "review.update"
	FindingRead       Action = "finding.read"
	FindingCreate     Action = "finding.create"
	FindingUpdate     Action = "finding.update"
	FindingComment    Action = "finding.comment"
	ActionCreate      Action = "action.create"
	ActionUpdate      Action = "action.update"
	ActionComplete    Action = "action.complete"
	ArtifactCreate    Action = "artifact.create"
	ArtifactRemove    Action = "artifact.remove"
	ReportRead        Action = "report.read"
	NotificationRead  Action = "notification.read"
	NotificationRetry Action = "notification.retry"
	// MappingUpdate replaces a mapping between two evaluation models.
	MappingUpdate Action = "mapping.update"
	// CalendarUpdate adds or removes a regional non-working day.
	CalendarUpdate Action = "calendar.update"
	// ExtensionRequest asks for a later due date; ExtensionDecide approves
	// or refuses such a request.
	ExtensionRequest Action = "extension.request"
	ExtensionDecide  Action = "extension.decide"
)

// Scope is how far a role's view reaches for a kind of object.
type Scope int

// The scopes.
const (
	ScopeNone Scope = iota // sees nothing of this kind
	ScopeOwn               // only objects that involve the caller
	ScopeUnit              // objects of the caller's unit
	ScopeAll               // everything
)

// Resource is the part of an object the policy needs: its unit and the
// people involved in it (an action's assignees, a user themself).
type Resource struct {
	UnitID   int64
	Involved []int64
}

// rule says who may perform an action: the roles allowed, and the object kind
// whose visibility the caller must have first.
type rule struct {
	kind  string
	roles []Role
}

// rules is the role table of PRODUCT.md for people and units.
var rules = map[Action]rule{
	UnitRead:   {"unit", []Role{RoleAdmin, RoleAuditor, RoleManager, RoleOfficer, RoleViewer}},
	UnitCreate: {"unit", []Role{RoleAdmin}},
	UnitUpdate: {"unit", []Role{RoleAdmin}},
	UserRead:   {"user", []Role{RoleAdmin, RoleAuditor, RoleManager, RoleOfficer, RoleViewer}},
	UserCreate: {"user", []Role{RoleAdmin}},
	UserUpdate: {"user", []Role{RoleAdmin}},

	ApplicationRead:   {"application", everyone},
	ApplicationCreate: {"application", []Role{RoleAdmin, RoleAuditor}},
	ApplicationUpdate: {"application", []Role{RoleAdmin, RoleAuditor}},
	AssessmentRead:    {"assessment", everyone},
	AssessmentCreate:  {"assessment", []Role{RoleAdmin, RoleAuditor}},
	AssessmentUpdate:  {"assessment", []Role{RoleAdmin, RoleAuditor}},
	ReviewRead:        {"review", everyone},
	ReviewCreate:      {"review", []Role{RoleAdmin, RoleAuditor}},
	ReviewUpdate:      {"review", []Role{RoleAdmin, RoleAuditor}},
	FindingRead:       {"finding", everyone},
	FindingCreate:     {"finding", []Role{RoleAdmin, RoleAuditor}},
	FindingUpdate:     {"finding", []Role{RoleAdmin, RoleAuditor}},
	FindingComment:    {"finding", []Role{RoleAdmin, RoleAuditor, RoleManager, RoleOfficer}},
	// Actions are seen with their finding: their Resource is the finding's.
	ActionCreate:   {"finding", []Role{RoleAdmin, RoleAuditor, RoleManager}},
	ActionUpdate:   {"finding", []Role{RoleAdmin, RoleAuditor, RoleManager}},
	ActionComplete: {"finding", []Role{RoleAdmin, RoleManager, RoleOfficer}},
	// Evidence is given by those who complete actions.
	ArtifactCreate: {"finding", []Role{RoleAdmin, RoleManager, RoleOfficer}},
	ArtifactRemove: {"finding", []Role{RoleAdmin, RoleManager, RoleOfficer}},
	// Reports count and list findings: every role reads them, each over
	// the findings it may see (the finding scope, applied in their SQL).
	ReportRead: {"finding", everyone},
	// The outbox holds every user's mail: only admins read and retry it.
	NotificationRead:  {"notification", []Role{RoleAdmin}},
	NotificationRetry: {"notification", []Role{RoleAdmin}},
	// A mapping decides which old findings weigh on a new model's index:
	// an admin setting, like the models themselves.
	MappingUpdate: {"framework", []Role{RoleAdmin}},
	// The working-day calendar is organisation-wide reference data.
	CalendarUpdate: {"unit", []Role{RoleAdmin}},
	// Extensions are asked by those who answer for the date (the action's
	// assignee or the unit's manager) and decided by the auditors.
	ExtensionRequest: {"finding", []Role{RoleManager, RoleOfficer}},
	ExtensionDecide:  {"finding", []Role{RoleAdmin, RoleAuditor}},
}

var everyone = []Role{RoleAdmin, RoleAuditor, RoleManager, RoleOfficer, RoleViewer}

// visibility is how far each role sees each kind of object. Units are
// reference data everyone sees; managers and officers see the people of
// their own unit.
var visibility = map[string]map[Role]Scope{
	"unit": {RoleAdmin: ScopeAll, RoleAuditor: ScopeAll, RoleManager: ScopeAll, RoleOfficer: ScopeAll, RoleViewer: ScopeAll},
	"user": {RoleAdmin: ScopeAll, RoleAuditor: ScopeAll, RoleManager: ScopeUnit, RoleOfficer: ScopeUnit, RoleViewer: ScopeAll},
	// Applications, assessments and reviews are the organisation's
	// reference data; what is sensitive is in the findings.
	"application": {RoleAdmin: ScopeAll, RoleAuditor: ScopeAll, RoleManager: ScopeAll, RoleOfficer: ScopeAll, RoleViewer: ScopeAll},
	"assessment":  {RoleAdmin: ScopeAll, RoleAuditor: ScopeAll, RoleManager: ScopeAll, RoleOfficer: ScopeAll, RoleViewer: ScopeAll},
	"framework":   {RoleAdmin: ScopeAll, RoleAuditor: ScopeAll, RoleManager: ScopeAll, RoleOfficer: ScopeAll, RoleViewer: ScopeAll},
	"review":      {RoleAdmin: ScopeAll, RoleAuditor: ScopeAll, RoleManager: ScopeAll, RoleOfficer: ScopeAll, RoleViewer: ScopeAll},
	// A manager sees their unit's findings, an officer those where they
	// hold an action (Resource.Involved: the assignees).
	"finding": {RoleAdmin: ScopeAll, RoleAuditor: ScopeAll, RoleManager: ScopeUnit, RoleOfficer: ScopeOwn, RoleViewer: ScopeAll},
}

// ScopeOf returns how far p sees objects of kind, for list queries.
func (p Principal) ScopeOf(kind string) Scope { return visibility[kind][p.Role] }

// Sees reports whether p may see an object of kind.
func (p Principal) Sees(kind string, r Resource) bool {
	switch p.ScopeOf(kind) {
	case ScopeAll:
		return true
	case ScopeUnit:
		return r.UnitID == p.UnitID || involves(r, p.UserID)
	case ScopeOwn:
		return involves(r, p.UserID)
	}
	return false
}

func involves(r Resource, userID int64) bool {
	for _, id := range r.Involved {
		if id == userID {
			return true
		}
	}
	return false
}

// Authorize answers "may p do act to r": nil if so; NotFound when p may not
// even see r (so that its existence is not revealed); Forbidden when p sees
// it but may not act. A zero Resource stands for "a new object" and only the
// role is checked.
func Authorize(p Principal, act Action, r *Resource) error {
	ru, ok := rules[act]
	if !ok {
		return apperr.E(apperr.Forbidden, "This action is not permitted.")
	}
	if r != nil && !p.Sees(ru.kind, *r) {
		return apperr.E(apperr.NotFound, "There is no such %s.", ru.kind)
	}
	for _, role := range ru.roles {
		if role == p.Role {
			return nil
		}
	}
	return apperr.E(apperr.Forbidden, "Your role (%s) may not do this.", p.Role)
}
