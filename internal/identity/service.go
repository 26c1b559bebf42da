package identity

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/auditlog"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Settings tune sign-in and tokens.
type Settings struct {
	// TokenTTL is how long a token or session stays valid.
	TokenTTL time.Duration
	// FailureWindow is the throttling window; within one, an account may
	// fail AccountFailures times and a client address AddressFailures times.
	FailureWindow   time.Duration
	AccountFailures int
	AddressFailures int
}

// DefaultSettings are the production defaults.
var DefaultSettings = Settings{
	TokenTTL:        24 * time.Hour,
	FailureWindow:   15 * time.Minute,
	AccountFailures: 5,
	AddressFailures: 30,
}

// Service is the identity domain: units, users, sign-in and tokens.
type Service struct {
	db       *gorm.DB
	now      func() time.Time
	settings Settings
}

// NewService returns the service; now is the clock.
func NewService(db *gorm.DB, now func() time.Time, s Settings) *Service {
	return &Service{db: db, now: now, settings: s}
}

// Page asks for the objects after a key, at most Limit of them.
type Page struct {
	AfterID int64
	Limit   int
}

// --- validation -----------------------------------------------------------

var (
	unitCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$`)
	nipRE      = regexp.MustCompile(`^[0-9]{18}$`)
)

// checkName validates a person's or unit's name.
func checkName(v *apperr.Validation, field, s string, max int) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "is required")
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "must be at most %d characters", max)
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.Add(field, "must not contain control characters")
	}
}

// checkEmail validates a bare email address.
func checkEmail(v *apperr.Validation, field, s string) {
	if s == "" {
		v.Add(field, "is required")
		return
	}
	if len(s) > 254 {
		v.Add(field, "must be at most 254 characters")
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s[strings.LastIndex(s, "@")+1:], ".") && !strings.HasSuffix(s, "@localhost") {
		v.Add(field, "must be an email address such as nama@kalselprov.go.id")
	}
}

func checkNIP(v *apperr.Validation, field string, s *string) {
	if s != nil && !nipRE.MatchString(*s) {
		v.Add(field, "must be exactly 18 digits (NIP)")
	}
}

func checkPassword(v *apperr.Validation, field, s string) {
	switch n := utf8.RuneCountInString(s); {
	case n < 8:
		v.Add(field, "must be at least 8 characters")
	case n > 200:
		v.Add(field, "must be at most 200 characters")
	}
}

// --- audit ----------------------------------------------------------------

// change is one field's before and after, for the audit log.
type change = auditlog.Change

func audit(tx *gorm.DB, actor *Principal, action, objectType string, id int64, changes map[string]change) error {
	var actorID *int64
	if actor != nil {
		actorID = &actor.UserID
	}
	return auditlog.Write(tx, actorID, action, objectType, id, changes)
}

// AuditEntry is one recorded change to a user or unit.
type AuditEntry struct {
	ID         int64
	ActorID    *int64
	Action     string
	ObjectType string
	ObjectID   int64
	Changes    string // JSON: {"field": {"from": …, "to": …}}
	CreatedAt  time.Time
}

// History returns the audit entries of one object, oldest first.
func (s *Service) History(ctx context.Context, objectType string, id int64) ([]AuditEntry, error) {
	var out []AuditEntry
	err := s.db.WithContext(ctx).Raw(`SELECT id, actor_id, action, object_type, object_id, changes::text AS changes, created_at
		FROM audit_log WHERE object_type = ? AND object_id = ? ORDER BY id`, objectType, id).Scan(&out).Error
	return out, err
}

// --- units ----------------------------------------------------------------

// UnitInput creates a unit.
type UnitInput struct {
	Code     string
	Name     string
	ParentID *int64
	Email    *string
}

// UnitPatch changes some fields of a unit.
type UnitPatch struct {
	Code     opt.Field[string]
	Name     opt.Field[string]
	ParentID opt.Field[int64]
	Email    opt.Field[string]
}

func validateUnit(v *apperr.Validation, code, name string, email *string) {
	if !unitCodeRE.MatchString(code) {
		v.Add("code", "must be 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	checkName(v, "name", name, 200)
	if email != nil {
		checkEmail(v, "email", *email)
	}
}

const unitColumns = "id, code, name, parent_id, email, version, created_at, updated_at"

// ListUnits returns units in id order.
func (s *Service) ListUnits(ctx context.Context, p Principal, pg Page) ([]Unit, error) {
	if err := Authorize(p, UnitRead, nil); err != nil {
		return nil, err
	}
	var out []Unit
	err := s.db.WithContext(ctx).Raw(`SELECT `+unitColumns+` FROM units WHERE id > ? ORDER BY id LIMIT ?`,
		pg.AfterID, pg.Limit).Scan(&out).Error
	return out, err
}

// GetUnit returns one unit; NotFound when there is none.
func (s *Service) GetUnit(ctx context.Context, p Principal, id int64) (Unit, error) {
	u, err := s.unit(s.db.WithContext(ctx), id)
	if err != nil {
		return Unit{}, err
	}
	return u, Authorize(p, UnitRead, &Resource{UnitID: u.ID})
}

func (s *Service) unit(tx *gorm.DB, id int64) (Unit, error) {
	var u Unit
	res := tx.Raw(`SELECT `+unitColumns+` FROM units WHERE id = ?`, id).Scan(&u)
	if res.Error != nil {
		return Unit{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Unit{}, apperr.E(apperr.NotFound, "There is no unit %d.", id)
	}
	return u, nil
}

// UnitByCode returns the unit with code (case-insensitive); NotFound when
// there is none. It serves the command line, where units are named by code.
func (s *Service) UnitByCode(ctx context.Context, code string) (Unit, error) {
	var u Unit
	res := s.db.WithContext(ctx).Raw(`SELECT `+unitColumns+` FROM units WHERE lower(code) = lower(?)`, code).Scan(&u)
	if res.Error != nil {
		return Unit{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Unit{}, apperr.E(apperr.NotFound, "There is no unit with code %q.", code)
	}
	return u, nil
}

// CreateUnit adds a unit. Errors: Forbidden, Invalid, Conflict (code taken).
func (s *Service) CreateUnit(ctx context.Context, p Principal, in UnitInput) (Unit, error) {
	if err := Authorize(p, UnitCreate, nil); err != nil {
		return Unit{}, err
	}
	var v apperr.Validation
	validateUnit(&v, in.Code, in.Name, in.Email)
	if err := v.Err(); err != nil {
		return Unit{}, err
	}
	var u Unit
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if in.ParentID != nil {
			if _, err := s.unit(tx, *in.ParentID); err != nil {
				return unitRef("parent_id", err)
			}
		}
		err := tx.Raw(`INSERT INTO units (code, name, parent_id, email) VALUES (?, ?, ?, ?) RETURNING `+unitColumns,
			in.Code, strings.TrimSpace(in.Name), in.ParentID, in.Email).Scan(&u).Error
		if err != nil {
			return translateUnit(err)
		}
		return audit(tx, &p, "create", "unit", u.ID, auditlog.Created(map[string]any{
			"code": u.Code, "name": u.Name, "parent_id": u.ParentID, "email": u.Email,
		}))
	})
	return u, err
}

// UpdateUnit changes a unit if version is still current. Errors: NotFound,
// Forbidden, Invalid, Conflict (stale version or code taken).
func (s *Service) UpdateUnit(ctx context.Context, p Principal, id int64, version int, in UnitPatch) (Unit, error) {
	var out Unit
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.unit(tx, id)
		if err != nil {
			return err
		}
		if err := Authorize(p, UnitUpdate, &Resource{UnitID: cur.ID}); err != nil {
			return err
		}
		if cur.Version != version {
			return staleVersion(version, cur.Version)
		}
		next := cur
		if in.Code.Set {
			next.Code = in.Code.Value
		}
		if in.Name.Set {
			next.Name = strings.TrimSpace(in.Name.Value)
		}
		if in.ParentID.Set {
			next.ParentID = in.ParentID.Ptr()
		}
		if in.Email.Set {
			next.Email = in.Email.Ptr()
		}
		var v apperr.Validation
		if in.Code.Null {
			v.Add("code", "must not be null")
		}
		if in.Name.Null {
			v.Add("name", "must not be null")
		}
		validateUnit(&v, next.Code, next.Name, next.Email)
		if err := v.Err(); err != nil {
			return err
		}
		if next.ParentID != nil {
			if err := s.checkParent(tx, id, *next.ParentID); err != nil {
				return err
			}
		}
		res := tx.Raw(`UPDATE units SET code = ?, name = ?, parent_id = ?, email = ?, version = version + 1, updated_at = now()
			WHERE id = ? AND version = ? RETURNING `+unitColumns,
			next.Code, next.Name, next.ParentID, next.Email, id, version).Scan(&out)
		if res.Error != nil {
			return translateUnit(res.Error)
		}
		if res.RowsAffected == 0 {
			return staleVersion(version, cur.Version)
		}
		return audit(tx, &p, "update", "unit", id, diff(map[string][2]any{
			"code":      {cur.Code, out.Code},
			"name":      {cur.Name, out.Name},
			"parent_id": {cur.ParentID, out.ParentID},
			"email":     {cur.Email, out.Email},
		}))
	})
	return out, err
}

// checkParent refuses a parent that does not exist or would make a cycle.
func (s *Service) checkParent(tx *gorm.DB, id, parentID int64) error {
	var cycle []int64
	err := tx.Raw(`WITH RECURSIVE up(id, parent_id) AS (
			SELECT id, parent_id FROM units WHERE id = ?
			UNION SELECT u.id, u.parent_id FROM units u JOIN up ON u.id = up.parent_id)
		SELECT id FROM up`, parentID).Scan(&cycle).Error
	if err != nil {
		return err
	}
	if len(cycle) == 0 {
		return invalidRef("parent_id", "no such unit")
	}
	for _, x := range cycle {
		if x == id {
			return invalidRef("parent_id", "would make the unit its own ancestor")
		}
	}
	return nil
}

// unitRef is the error of a unit reference in field that could not be
// read: "no such unit" when there is none, the error itself otherwise (a
// database that cannot be reached is no reason to call the unit unknown).
func unitRef(field string, err error) error {
	if apperr.KindOf(err) == apperr.NotFound {
		return invalidRef(field, "no such unit")
	}
	return err
}

func invalidRef(field, format string, args ...any) error {
	var v apperr.Validation
	v.Add(field, format, args...)
	return v.Err()
}

func translateUnit(err error) error {
	if code, _ := postgres.Violation(err); code == postgres.UniqueViolation {
		return &apperr.Error{Kind: apperr.Conflict, Message: "Another unit already has this code.",
			Fields: []apperr.FieldError{{Field: "code", Message: "is already used by another unit"}}}
	}
	return err
}

func staleVersion(sent, current int) error {
	return apperr.E(apperr.Conflict, "The object was changed by someone else (you sent version %d, it is now at version %d). Reload it and apply your change again.", sent, current)
}

// diff keeps the fields whose value changed.
func diff(pairs map[string][2]any) map[string]change { return auditlog.Diff(pairs) }
