package finding

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/auditlog"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// ApplicationInput registers an application.
type ApplicationInput struct {
	Name       string
	UnitID     int64
	Kind       string
	URL        *string // nil or "" for none
	Integrated bool
	Status     string // "" for active
}

// ApplicationPatch changes some fields of an application.
type ApplicationPatch struct {
	Name       opt.Field[string]
	UnitID     opt.Field[int64]
	Kind       opt.Field[string]
	URL        opt.Field[string]
	Integrated opt.Field[bool]
	Status     opt.Field[string]
}

// ApplicationFilter narrows an application list; nil fields do not filter.
type ApplicationFilter struct {
	// IDs, when not nil, keeps only these applications.
	IDs    []int64
	UnitID *int64
	Kind   *string
	Status *string
}

const applicationColumns = "id, name, unit_id, kind, url, integrated, status, version, created_at, updated_at"

// ListApplications returns applications in id order. Errors: Invalid (an
// unknown kind or status to filter by).
func (s *Service) ListApplications(ctx context.Context, p identity.Principal, f ApplicationFilter, pg Page) ([]Application, error) {
	if err := identity.Authorize(p, identity.ApplicationRead, nil); err != nil {
		return nil, err
	}
	var v apperr.Validation
	if f.Kind != nil {
		oneOf(&v, "kind", *f.Kind, ApplicationKinds)
	}
	if f.Status != nil {
		oneOf(&v, "status", *f.Status, ApplicationStatuses)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Table("applications").Select(applicationColumns).Where("id > ?", pg.AfterID)
	if f.IDs != nil {
		q = q.Where("id = ANY(?)", postgres.Array[int64](f.IDs))
	}
	if f.UnitID != nil {
		q = q.Where("unit_id = ?", *f.UnitID)
	}
	if f.Kind != nil {
		q = q.Where("kind = ?", *f.Kind)
	}
	if f.Status != nil {
		q = q.Where("status = ?", *f.Status)
	}
	var out []Application
	err := q.Order("id").Limit(pg.Limit).Scan(&out).Error
	return out, err
}

// GetApplication returns one application; NotFound when there is none.
func (s *Service) GetApplication(ctx context.Context, p identity.Principal, id int64) (Application, error) {
	a, err := application(s.db.WithContext(ctx), id)
	if err != nil {
		return Application{}, err
	}
	return a, identity.Authorize(p, identity.ApplicationRead, &identity.Resource{UnitID: a.UnitID})
}

func application(tx *gorm.DB, id int64) (Application, error) {
	var a Application
	res := tx.Raw(`SELECT `+applicationColumns+` FROM applications WHERE id = ?`, id).Scan(&a)
	if res.Error != nil {
		return Application{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Application{}, apperr.E(apperr.NotFound, "There is no application %d.", id)
	}
	return a, nil
}

// CreateApplication registers an application; its status defaults to
// active. Errors: Forbidden, Invalid (naming every bad field, including a
// unit that does not exist), Conflict (the name is taken, in any case).
func (s *Service) CreateApplication(ctx context.Context, p identity.Principal, in ApplicationInput) (Application, error) {
	if err := identity.Authorize(p, identity.ApplicationCreate, nil); err != nil {
		return Application{}, err
	}
	next := Application{Name: strings.TrimSpace(in.Name), UnitID: in.UnitID, Kind: in.Kind, URL: cleanURL(in.URL),
		Integrated: in.Integrated, Status: in.Status}
	if next.Status == "" {
		next.Status = "active"
	}
	var out Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var v apperr.Validation
		if err := validateApplication(tx, &v, next); err != nil {
			return err
		}
		err := tx.Raw(`INSERT INTO applications (name, unit_id, kind, url, integrated, status) VALUES (?, ?, ?, ?, ?, ?)
			RETURNING `+applicationColumns,
			next.Name, next.UnitID, next.Kind, next.URL, next.Integrated, next.Status).Scan(&out).Error
		if err != nil {
			return translateApplication(err)
		}
		return auditlog.Write(tx, &p.UserID, "create", "application", out.ID, auditlog.Created(map[string]any{
			"name": out.Name, "unit_id": out.UnitID, "kind": out.Kind, "url": out.URL,
			"integrated": out.Integrated, "status": out.Status,
		}))
	})
	return out, err
}

// UpdateApplication changes an application if version is still current.
// Errors: NotFound, Forbidden, Invalid, Conflict (stale version, or the new
// name is taken).
func (s *Service) UpdateApplication(ctx context.Context, p identity.Principal, id int64, version int, in ApplicationPatch) (Application, error) {
	var out Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := application(tx, id)
		if err != nil {
			return err
		}
		if err := identity.Authorize(p, identity.ApplicationUpdate, &identity.Resource{UnitID: cur.UnitID}); err != nil {
			return err
		}
		if cur.Version != version {
			return staleVersion(version, cur.Version)
		}
		var v apperr.Validation
		for field, null := range map[string]bool{"name": in.Name.Null, "unit_id": in.UnitID.Null, "kind": in.Kind.Null,
			"integrated": in.Integrated.Null, "status": in.Status.Null} {
			if null {
				v.Add(field, "must not be null")
			}
		}
		next := cur
		if in.Name.Set {
			next.Name = strings.TrimSpace(in.Name.Value)
		}
		if in.UnitID.Set {
			next.UnitID = in.UnitID.Value
		}
		if in.Kind.Set {
			next.Kind = in.Kind.Value
		}
		if in.URL.Set {
			next.URL = cleanURL(in.URL.Ptr())
		}
		if in.Integrated.Set {
			next.Integrated = in.Integrated.Value
		}
		if in.Status.Set {
			next.Status = in.Status.Value
		}
		if err := validateApplication(tx, &v, next); err != nil {
			return err
		}
		res := tx.Raw(`UPDATE applications SET name = ?, unit_id = ?, kind = ?, url = ?, integrated = ?, status = ?,
				version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? RETURNING `+applicationColumns,
			next.Name, next.UnitID, next.Kind, next.URL, next.Integrated, next.Status, s.now(), id, version).Scan(&out)
		if res.Error != nil {
			return translateApplication(res.Error)
		}
		if res.RowsAffected == 0 {
			return staleVersion(version, cur.Version)
		}
		return auditlog.Write(tx, &p.UserID, "update", "application", id, auditlog.Diff(map[string][2]any{
			"name": {cur.Name, out.Name}, "unit_id": {cur.UnitID, out.UnitID}, "kind": {cur.Kind, out.Kind},
			"url": {cur.URL, out.URL}, "integrated": {cur.Integrated, out.Integrated}, "status": {cur.Status, out.Status},
		}))
	})
	return out, err
}

// validateApplication checks every field of a and returns the Invalid
// error naming each bad one, with the errors v already holds; the unit is
// looked up in tx.
func validateApplication(tx *gorm.DB, v *apperr.Validation, a Application) error {
	checkLine(v, "name", a.Name, true, 200)
	switch {
	case v.Has("unit_id"):
	case a.UnitID <= 0:
		v.Add("unit_id", "is required")
	default:
		var found bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM units WHERE id = ?)`, a.UnitID).Scan(&found).Error; err != nil {
			return err
		}
		if !found {
			v.Add("unit_id", "no such unit")
		}
	}
	if !v.Has("kind") {
		oneOf(v, "kind", a.Kind, ApplicationKinds)
	}
	checkURL(v, "url", a.URL)
	if !v.Has("status") {
		oneOf(v, "status", a.Status, ApplicationStatuses)
	}
	return v.Err()
}

// cleanURL trims a URL; empty means none.
func cleanURL(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

// checkURL accepts an absolute http or https address without credentials.
func checkURL(v *apperr.Validation, field string, s *string) {
	if s == nil {
		return
	}
	if len(*s) > 2048 {
		v.Add(field, "must be at most 2048 characters")
		return
	}
	u, err := url.Parse(*s)
	switch {
	case err != nil || !slices.Contains([]string{"http", "https"}, u.Scheme) || u.Host == "" || u.Opaque != "" ||
		strings.ContainsAny(*s, " \t"):
		v.Add(field, "must be an absolute http or https address, such as https://sipd.kalselprov.go.id")
	case u.User != nil:
		v.Add(field, "must not hold a user name or password")
	}
}

func translateApplication(err error) error {
	switch code, _ := postgres.Violation(err); code {
	case postgres.UniqueViolation:
		return &apperr.Error{Kind: apperr.Conflict, Message: "Another application already has this name.",
			Fields: []apperr.FieldError{{Field: "name", Message: "is already used by another application"}}}
	case postgres.ForeignKeyViolation:
		return invalidField("unit_id", "no such unit")
	}
	return err
}
