// Package notify decides and delivers the service's email: the planner
// turns the reminder rules of PRODUCT.md into rows of the notifications
// outbox, once per subject and threshold; the sender claims due rows,
// renders them from templates/email and delivers them over SMTP, retrying
// what the mail server refuses for now; the outbox lists them for admins,
// who may re-queue a failed one.
//
// Time is always a parameter: the planner and the sender take the instant
// they act as of, so that the scheduler, the remind command and the tests
// drive the same code.
package notify

import (
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
)

// The kinds of scheduled notification the planner adds to those that
// events queue (finding.Notice*).
const (
	KindActionDue     = "action_due"
	KindActionOverdue = "action_overdue"
	KindUnassigned    = "finding_unassigned"
	KindAssessment    = "assessment_reminder"
	KindVerification  = "awaiting_verification"
	KindDigest        = "weekly_digest"
	KindEscalation    = "escalation"
	// The mails of extension requests (finding.NoticeExtension*).
	KindExtensionRequested = "extension_requested"
	KindExtensionDecided   = "extension_decided"
)

// The statuses of a notification.
const (
	statusPending = "pending"
	statusSending = "sending"
	statusSent    = "sent"
	statusFailed  = "failed"
	statusKept    = "kept"
	statusSkipped = "skipped"
)

// The sender's defaults and its back-off.
const (
	defaultBatch    = 200
	defaultLease    = 5 * time.Minute
	defaultRetryFor = 72 * time.Hour
	retryBase       = time.Minute
	retryCap        = time.Hour
)

const (
	// outboxChannel is NOTIFYed by the outbox's trigger when mail is queued.
	outboxChannel = "tindaklanjut_outbox"
	// plannerAdvisoryLock serialises planning passes across replicas.
	plannerAdvisoryLock = 0x746c_706c_616e // "tlplan"
	// The finding states whose findings are unresolved, and those in work.
	unresolvedStatesSQL = `('open', 'in_progress', 'submitted')`
	actionableStatesSQL = `('open', 'in_progress')`
)

// Statuses are the states of a notification, as the API filters them.
var Statuses = []string{statusPending, statusSending, statusSent, statusFailed, statusKept, statusSkipped}

// Rules are the reminder rules of PRODUCT.md ("Notifications and
// reminders"), all configurable.
type Rules struct {
	// Calendar is the organisation's working-day calendar, shared with the
	// other services of the process; nil: the planner reads one of its own.
	Calendar *calendar.Store
	// Loc is the organisation's time zone; SendHour (0–23) the hour of a
	// calendar day at which its reminders become due.
	Loc      *time.Location
	SendHour int
	// DueDays are the days before an action's due date that remind its
	// assignee (0: the due date), in any order.
	DueDays []int
	// OverdueEvery is the interval of overdue reminders, the first the day
	// after the due date; 0 sends none.
	OverdueEvery int
	// UnassignedAfter is the number of days after issue at which a finding
	// without an action is brought to its managers; 0 never.
	UnassignedAfter int
	// AssessmentDays are the days before a milestone that remind the
	// managers and the auditors.
	AssessmentDays []int
	// DigestWeekday is the day of the weekly digest.
	DigestWeekday time.Weekday
	// EscalationDays are the days overdue (smallest first) after which an
	// action or finding is brought one level further up the unit
	// hierarchy; none: never.
	EscalationDays []int
}

// DefaultRules are PRODUCT.md's defaults in loc.
func DefaultRules(loc *time.Location) Rules {
	return Rules{Loc: loc, SendHour: 8, DueDays: []int{30, 14, 7, 3, 1, 0}, OverdueEvery: 7,
		UnassignedAfter: 7, AssessmentDays: []int{30, 14, 7, 1}, DigestWeekday: time.Monday, EscalationDays: []int{14, 30}}
}

// SendDate is the latest calendar date whose reminders are due at the
// instant at: today in the organisation's zone once the send hour has
// come, else yesterday. Every threshold on or before it has passed.
func (r Rules) SendDate(at time.Time) date.Date {
	d := date.Of(at, r.Loc)
	if at.Before(r.SendAt(d)) {
		return d.AddDays(-1)
	}
	return d
}

// SendAt is the instant at which the reminders of day d become due.
func (r Rules) SendAt(d date.Date) time.Time {
	t := d.Time(r.Loc)
	return time.Date(t.Year(), t.Month(), t.Day(), r.SendHour, 0, 0, 0, r.Loc)
}

// isoWeekday is PostgreSQL's isodow of w: Monday 1 … Sunday 7.
func isoWeekday(w time.Weekday) int {
	if w == time.Sunday {
		return 7
	}
	return int(w)
}

func maxOf(xs []int) int {
	m := -1
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
