// Package finding is the follow-up workflow: applications and reviews, the
// findings they produce, the actions that follow a finding up, the life
// cycle that takes a finding from draft to closure, and the hash-chained
// history of every step.
package finding

import (
	"slices"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Application is a reviewed information system.
type Application struct {
	ID         int64
	Name       string
	UnitID     int64
	Kind       string // administrasi | publik
	URL        *string
	Integrated bool
	Status     string // active | retired
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ApplicationKinds and ApplicationStatuses are the allowed values.
var (
	ApplicationKinds    = []string{"administrasi", "publik"}
	ApplicationStatuses = []string{"active", "retired"}
)

// Review is one review event that produced findings.
type Review struct {
	ID            int64
	Kind          string
	Title         string
	ConductedOn   date.Date
	ApplicationID *int64
	AssessmentID  *int64
	Summary       string
	CreatedBy     int64
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ReviewKinds are the kinds of review.
var ReviewKinds = []string{"application_review", "spbe_evaluation", "ict_audit", "internal_audit"}

// Severity ranks a finding.
type Severity string

// Severities lists the severities, lowest first.
var Severities = []Severity{"low", "medium", "high", "critical"}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return slices.Contains(Severities, s) }

// Finding is a temuan: the audit-finding parts, who answers for it, and
// where it is in its life cycle.
type Finding struct {
	ID             int64
	Code           string
	ReviewID       int64
	Title          string
	Condition      string
	Criteria       string
	Cause          string
	Effect         string
	Recommendation string
	Severity       Severity
	UnitID         *int64
	ApplicationID  *int64
	IndicatorCodes postgres.Array[string]
	DueDate        date.Date
	State          State
	CreatedBy      int64
	IssuedAt       *time.Time
	SubmittedBy    *int64
	SubmittedAt    *time.Time
	ClosedAt       *time.Time
	EventCount     int
	HeadHash       []byte
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Overdue reports whether f's due date has passed, as of today (in the
// organisation's time zone), while follow-up is still expected of the unit.
func (f Finding) Overdue(today date.Date) bool {
	return f.State.Active() && !f.DueDate.IsZero() && f.DueDate.Before(today)
}

// ArtifactKinds are the kinds of evidence document.
var ArtifactKinds = []string{"sk", "surat_edaran", "peraturan", "tata_kelola", "pedoman", "peta_rencana", "sop", "laporan", "lainnya"}

// ActionStatus is todo or done.
type ActionStatus string

// The action statuses.
const (
	Todo ActionStatus = "todo"
	Done ActionStatus = "done"
)

// Action is one follow-up task (tindak lanjut) on a finding.
type Action struct {
	ID                    int64
	FindingID             int64
	Title                 string
	Description           string
	AssigneeID            int64
	DueDate               date.Date
	RequiredArtifactKinds postgres.Array[string]
	Status                ActionStatus
	CompletionNote        string
	CompletedBy           *int64
	CompletedAt           *time.Time
	CreatedBy             int64
	Version               int
	CreatedAt             time.Time
	UpdatedAt             time.Time
	Artifacts             []Artifact `gorm:"-"`
}

// Overdue reports whether a's due date has passed while it is still to do.
func (a Action) Overdue(today date.Date) bool { return a.Status == Todo && a.DueDate.Before(today) }

// Artifact is the metadata of an evidence document (bukti dukung).
type Artifact struct {
	ID         int64
	ActionID   int64
	Kind       string
	Title      string
	DocNumber  string
	DocDate    date.Date
	Signer     string
	FileName   string
	MediaType  string
	Size       int64
	SHA256     []byte `gorm:"column:sha256"`
	UploadedBy int64
	// RemovedAt is when the document was withdrawn from its action (it
	// stays in the history); nil while it is evidence.
	RemovedAt *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Detail is a finding with its actions and their evidence.
type Detail struct {
	Finding
	Actions []Action
}

const findingColumns = `id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity, unit_id,
	application_id, indicator_codes, due_date, state, created_by, issued_at, submitted_by, submitted_at, closed_at,
	event_count, head_hash, version, created_at, updated_at`
