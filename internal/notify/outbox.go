package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Notification is one email the service decided to send.
type Notification struct {
	ID             int64
	DedupKey       string
	Kind           string
	FindingID      *int64
	ActionID       *int64
	EventID        *int64
	To             postgres.Array[int64] `gorm:"column:to_user_ids"`
	Cc             postgres.Array[int64] `gorm:"column:cc_user_ids"`
	Data           json.RawMessage       `gorm:"type:jsonb"`
	Status         string
	DueAt          time.Time
	NextAttemptAt  time.Time
	FirstAttemptAt *time.Time
	Attempts       int
	LastError      *string
	Subject        *string
	BodyText       *string
	BodyHTML       *string `gorm:"column:body_html"`
	SentAt         *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// ToEmails and CcEmails are the recipients' addresses, as List
	// reads them.
	ToEmails postgres.Array[string] `gorm:"->"`
	CcEmails postgres.Array[string] `gorm:"->"`
}

const notificationColumns = `id, dedup_key, kind, finding_id, action_id, event_id, to_user_ids, cc_user_ids, data, status,
	due_at, next_attempt_at, first_attempt_at, attempts, last_error, subject, body_text, body_html, sent_at, created_at, updated_at`

// Outbox is what admins see of the notifications and may do with them.
type Outbox struct {
	db  *gorm.DB
	now func() time.Time
}

// NewOutbox returns the outbox on db; now is the clock of retries.
func NewOutbox(db *gorm.DB, now func() time.Time) *Outbox {
	return &Outbox{db: db, now: now}
}

// Filter narrows the list of notifications.
type Filter struct {
	Status    string // "": any
	Kind      string // "": any
	FindingID *int64
}

// Page asks for the notifications before an id (newest first).
type Page struct {
	BeforeID int64 // 0: from the newest
	Limit    int
}

// List returns notifications newest first. Errors: Forbidden for anyone
// but an admin; Invalid for an unknown status or kind.
func (o *Outbox) List(ctx context.Context, p identity.Principal, f Filter, pg Page) ([]Notification, error) {
	if err := identity.Authorize(p, identity.NotificationRead, nil); err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		var v apperr.Validation
		v.Add("status", "must be one of pending, sending, sent, failed, kept, skipped")
		return nil, v.Err()
	}
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		var v apperr.Validation
		v.Add("kind", "must be one of %s", strings.Join(Kinds, ", "))
		return nil, v.Err()
	}
	q := o.db.WithContext(ctx).Table("notifications").Select(notificationColumns + `,
		ARRAY(SELECT email FROM users WHERE id = ANY(to_user_ids) ORDER BY array_position(to_user_ids, id)) AS to_emails,
		ARRAY(SELECT email FROM users WHERE id = ANY(cc_user_ids) ORDER BY array_position(cc_user_ids, id)) AS cc_emails`).
		Order("id DESC").Limit(pg.Limit)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.FindingID != nil {
		q = q.Where("finding_id = ?", *f.FindingID)
	}
	if pg.BeforeID > 0 {
		q = q.Where("id < ?", pg.BeforeID)
	}
	var out []Notification
	err := q.Scan(&out).Error
	return out, err
}

// Retry re-queues a failed notification for delivery now, with a fresh
// retry window. Errors: Forbidden for anyone but an admin; NotFound;
// Conflict when it has not failed.
func (o *Outbox) Retry(ctx context.Context, p identity.Principal, id int64) (Notification, error) {
	if err := identity.Authorize(p, identity.NotificationRetry, nil); err != nil {
		return Notification{}, err
	}
	now := o.now()
	var out Notification
	res := o.db.WithContext(ctx).Raw(`UPDATE notifications SET status = 'pending', next_attempt_at = ?, first_attempt_at = NULL, updated_at = ?
		WHERE id = ? AND status = 'failed' RETURNING `+notificationColumns, now, now, id).Scan(&out)
	if res.Error != nil {
		return Notification{}, res.Error
	}
	if res.RowsAffected == 1 {
		return out, nil
	}
	var status string
	err := o.db.WithContext(ctx).Raw(`SELECT status FROM notifications WHERE id = ?`, id).Row().Scan(&status)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Notification{}, apperr.E(apperr.NotFound, "There is no such notification.")
	case err != nil:
		return Notification{}, err
	}
	return Notification{}, apperr.E(apperr.Conflict, "Only a failed notification can be retried; this one is %s.", status)
}

// Due lists the notifications a sender would take at the instant at
// (pending ones whose time has come, and expired leases), oldest first,
// with their recipients' addresses: what the remind command's dry run
// shows the operator.
func (o *Outbox) Due(ctx context.Context, at time.Time) ([]Notification, error) {
	var out []Notification
	err := o.db.WithContext(ctx).Raw(`SELECT `+notificationColumns+`,
			ARRAY(SELECT email FROM users WHERE id = ANY(to_user_ids) ORDER BY id) AS to_emails,
			ARRAY(SELECT email FROM users WHERE id = ANY(cc_user_ids) ORDER BY id) AS cc_emails
		FROM notifications WHERE status IN ('pending', 'sending') AND next_attempt_at <= ? ORDER BY next_attempt_at, id`, at).Scan(&out).Error
	return out, err
}
