package notify

import (
	"context"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// The digest choices of a user.
const (
	DigestWeekly = "weekly"
	DigestDaily  = "daily"
	DigestOff    = "off"
)

// DigestChoices are the values of Preferences.Digest.
var DigestChoices = []string{DigestWeekly, DigestDaily, DigestOff}

// OptionalKinds are the kinds of event mail a user may switch off;
// MandatoryKinds (deadline reminders, overdue notices, escalations) always
// go.
var (
	OptionalKinds = []string{"action_assigned", "finding_submitted", "finding_rejected", "finding_closed",
		"finding_not_actionable", KindExtensionRequested, KindExtensionDecided}
	MandatoryKinds = []string{KindActionDue, KindActionOverdue, KindEscalation}
)

// Preferences are one user's choices of optional mail.
type Preferences struct {
	// Digest is weekly, daily or off.
	Digest string
	// Events says for each kind of event mail whether it is sent; the
	// mandatory kinds are always true.
	Events  map[string]bool
	Version int
}

// PreferencesPatch changes some of a user's choices.
type PreferencesPatch struct {
	Digest *string
	Events map[string]bool
}

// PreferenceStore keeps the users' notification preferences.
type PreferenceStore struct {
	db *gorm.DB
}

// NewPreferenceStore returns the store on db.
func NewPreferenceStore(db *gorm.DB) *PreferenceStore { return &PreferenceStore{db: db} }

type preferenceRow struct {
	Digest    string
	EventsOff postgres.Array[string]
	Version   int
}

func (r preferenceRow) preferences() Preferences {
	out := Preferences{Digest: r.Digest, Events: map[string]bool{}, Version: r.Version}
	for _, k := range OptionalKinds {
		out.Events[k] = !slices.Contains(r.EventsOff, k)
	}
	for _, k := range MandatoryKinds {
		out.Events[k] = true
	}
	return out
}

// defaults are a user's preferences before they change any: the weekly
// digest and every mail, at version 1.
var defaults = preferenceRow{Digest: DigestWeekly, Version: 1}

func (s *PreferenceStore) row(db *gorm.DB, userID int64) (preferenceRow, error) {
	var rows []preferenceRow
	if err := db.Raw(`SELECT digest, events_off, version FROM notification_preferences WHERE user_id = ?`, userID).Scan(&rows).Error; err != nil {
		return preferenceRow{}, err
	}
	if len(rows) == 0 {
		return defaults, nil
	}
	return rows[0], nil
}

// Get returns p's preferences.
func (s *PreferenceStore) Get(ctx context.Context, p identity.Principal) (Preferences, error) {
	r, err := s.row(s.db.WithContext(ctx), p.UserID)
	return r.preferences(), err
}

// Update changes p's preferences if version is current. Errors: Conflict
// (a stale version), Invalid (an unknown digest choice or kind of mail, a
// mandatory kind switched off).
func (s *PreferenceStore) Update(ctx context.Context, p identity.Principal, version int, in PreferencesPatch) (Preferences, error) {
	var out Preferences
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SELECT 1 FROM users WHERE id = ? FOR UPDATE`, p.UserID).Error; err != nil {
			return err
		}
		cur, err := s.row(tx, p.UserID)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return apperr.E(apperr.Conflict, "The preferences were changed elsewhere (you sent version %d, they are at version %d). Reload them and change them again.", version, cur.Version)
		}
		next := cur
		var v apperr.Validation
		if in.Digest != nil {
			if !slices.Contains(DigestChoices, *in.Digest) {
				v.Add("digest", "must be one of %s", strings.Join(DigestChoices, ", "))
			}
			next.Digest = *in.Digest
		}
		off := slices.Clone([]string(cur.EventsOff))
		kinds := make([]string, 0, len(in.Events))
		for k := range in.Events {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			on := in.Events[k]
			switch {
			case slices.Contains(MandatoryKinds, k):
				if !on {
					v.Add("events."+k, "cannot be switched off: deadline reminders, overdue notices and escalations always go")
				}
			case slices.Contains(OptionalKinds, k):
				off = slices.DeleteFunc(off, func(x string) bool { return x == k })
				if !on {
					off = append(off, k)
				}
			default:
				v.Add("events."+k, "is not a kind of mail; the kinds are %s", strings.Join(append(slices.Clone(OptionalKinds), MandatoryKinds...), ", "))
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		sort.Strings(off)
		next.EventsOff = off
		next.Version = cur.Version + 1
		err = tx.Exec(`INSERT INTO notification_preferences (user_id, digest, events_off, version) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, events_off = excluded.events_off, version = excluded.version,
				updated_at = now()`, p.UserID, next.Digest, next.EventsOff, next.Version).Error
		out = next.preferences()
		return err
	})
	return out, err
}

// Preferences returns the store of the users' preferences beside the
// outbox, on its database.
func (o *Outbox) Preferences() *PreferenceStore { return NewPreferenceStore(o.db) }
