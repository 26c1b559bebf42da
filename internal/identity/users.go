package identity

import (
	"context"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/auditlog"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// UserInput creates a user.
type UserInput struct {
	Email    string
	Name     string
	NIP      *string
	Role     Role
	UnitID   int64
	Active   *bool // default true
	Password string
}

// UserPatch changes some fields of a user.
type UserPatch struct {
	Email    opt.Field[string]
	Name     opt.Field[string]
	NIP      opt.Field[string]
	Role     opt.Field[Role]
	UnitID   opt.Field[int64]
	Active   opt.Field[bool]
	Password opt.Field[string]
}

// UserFilter narrows a user list.
type UserFilter struct {
	// IDs, when not nil, keeps only these users.
	IDs    []int64
	UnitID *int64
	Role   *Role
	Active *bool
}

const userColumns = "id, email, name, nip, role, unit_id, active, lang, version, created_at, updated_at"

func validateUser(v *apperr.Validation, email, name string, nip *string, role Role) {
	checkEmail(v, "email", email)
	checkName(v, "name", name, 200)
	checkNIP(v, "nip", nip)
	if !role.Valid() {
		v.Add("role", "must be one of admin, auditor, manager, officer, viewer")
	}
}

// ListUsers returns the users p may see, in id order.
func (s *Service) ListUsers(ctx context.Context, p Principal, f UserFilter, pg Page) ([]User, error) {
	if err := Authorize(p, UserRead, nil); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Table("users").Select(userColumns).Where("id > ?", pg.AfterID)
	if p.ScopeOf("user") == ScopeUnit {
		q = q.Where("unit_id = ?", p.UnitID)
	}
	if f.IDs != nil {
		q = q.Where("id = ANY(?)", postgres.Array[int64](f.IDs))
	}
	if f.UnitID != nil {
		q = q.Where("unit_id = ?", *f.UnitID)
	}
	if f.Role != nil {
		q = q.Where("role = ?", string(*f.Role))
	}
	if f.Active != nil {
		q = q.Where("active = ?", *f.Active)
	}
	var out []User
	err := q.Order("id").Limit(pg.Limit).Scan(&out).Error
	return out, err
}

// GetUser returns a user p may see; NotFound otherwise.
func (s *Service) GetUser(ctx context.Context, p Principal, id int64) (User, error) {
	u, err := s.user(s.db.WithContext(ctx), id)
	if err != nil {
		return User{}, err
	}
	if err := Authorize(p, UserRead, &Resource{UnitID: u.UnitID, Involved: []int64{u.ID}}); err != nil {
		return User{}, err
	}
	return u, nil
}

func (s *Service) user(tx *gorm.DB, id int64) (User, error) {
	var u User
	res := tx.Raw(`SELECT `+userColumns+` FROM users WHERE id = ?`, id).Scan(&u)
	if res.Error != nil {
		return User{}, res.Error
	}
	if res.RowsAffected == 0 {
		return User{}, apperr.E(apperr.NotFound, "There is no user %d.", id)
	}
	return u, nil
}

// CreateUser adds a user. A nil actor is the operator at the command line.
// Errors: Forbidden, Invalid, Conflict (email or NIP taken).
func (s *Service) CreateUser(ctx context.Context, actor *Principal, in UserInput) (User, error) {
	if actor != nil {
		if err := Authorize(*actor, UserCreate, nil); err != nil {
			return User{}, err
		}
	}
	in.Email = strings.TrimSpace(in.Email)
	var v apperr.Validation
	validateUser(&v, in.Email, in.Name, in.NIP, in.Role)
	checkPassword(&v, "password", in.Password)
	if in.UnitID <= 0 && !v.Has("unit_id") {
		v.Add("unit_id", "is required")
	}
	if err := v.Err(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	active := true
	if in.Active != nil {
		active = *in.Active
	}
	var u User
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.unit(tx, in.UnitID); err != nil {
			return unitRef("unit_id", err)
		}
		err := tx.Raw(`INSERT INTO users (email, name, nip, role, unit_id, active, password_hash)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+userColumns,
			in.Email, strings.TrimSpace(in.Name), in.NIP, string(in.Role), in.UnitID, active, hash).Scan(&u).Error
		if err != nil {
			return translateUser(err, in.Email)
		}
		return audit(tx, actor, "create", "user", u.ID, auditlog.Created(map[string]any{
			"email": u.Email, "name": u.Name, "nip": u.NIP, "role": u.Role,
			"unit_id": u.UnitID, "active": u.Active,
		}))
	})
	return u, err
}

// UpdateUser changes a user if version is still current. Deactivating a user
// or setting their password revokes their tokens in the same transaction.
// The last active admin cannot be demoted or deactivated. Errors: NotFound,
// Forbidden, Invalid, Conflict.
func (s *Service) UpdateUser(ctx context.Context, p Principal, id int64, version int, in UserPatch) (User, error) {
	var out User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.user(tx, id)
		if err != nil {
			return err
		}
		if err := Authorize(p, UserUpdate, &Resource{UnitID: cur.UnitID, Involved: []int64{cur.ID}}); err != nil {
			return err
		}
		if cur.Version != version {
			return staleVersion(version, cur.Version)
		}
		next := cur
		var v apperr.Validation
		for field, f := range map[string]bool{"email": in.Email.Null, "name": in.Name.Null, "role": in.Role.Null,
			"unit_id": in.UnitID.Null, "active": in.Active.Null, "password": in.Password.Null} {
			if f {
				v.Add(field, "must not be null")
			}
		}
		if in.Email.Set {
			next.Email = strings.TrimSpace(in.Email.Value)
		}
		if in.Name.Set {
			next.Name = strings.TrimSpace(in.Name.Value)
		}
		if in.NIP.Set {
			next.NIP = in.NIP.Ptr()
		}
		if in.Role.Set {
			next.Role = in.Role.Value
		}
		if in.UnitID.Set {
			next.UnitID = in.UnitID.Value
		}
		if in.Active.Set {
			next.Active = in.Active.Value
		}
		validateUser(&v, next.Email, next.Name, next.NIP, next.Role)
		hash := ""
		if in.Password.Set && !in.Password.Null {
			checkPassword(&v, "password", in.Password.Value)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if next.UnitID != cur.UnitID {
			if _, err := s.unit(tx, next.UnitID); err != nil {
				return unitRef("unit_id", err)
			}
		}
		if cur.Role == RoleAdmin && cur.Active && (next.Role != RoleAdmin || !next.Active) {
			var others int64
			// Lock the admins so that two demotions cannot both pass.
			err := tx.Raw(`SELECT count(*) FROM (SELECT id FROM users WHERE role = 'admin' AND active AND id <> ? FOR UPDATE) a`, id).Scan(&others).Error
			if err != nil {
				return err
			}
			if others == 0 {
				return apperr.E(apperr.Conflict, "This is the last active admin; make another user admin first.")
			}
		}
		if in.Password.Set {
			if hash, err = HashPassword(in.Password.Value); err != nil {
				return err
			}
		}
		res := tx.Raw(`UPDATE users SET email = ?, name = ?, nip = ?, role = ?, unit_id = ?, active = ?,
				password_hash = COALESCE(NULLIF(?, ''), password_hash), version = version + 1, updated_at = now()
			WHERE id = ? AND version = ? RETURNING `+userColumns,
			next.Email, next.Name, next.NIP, string(next.Role), next.UnitID, next.Active, hash, id, version).Scan(&out)
		if res.Error != nil {
			return translateUser(res.Error, next.Email)
		}
		if res.RowsAffected == 0 {
			return staleVersion(version, cur.Version)
		}
		if !out.Active || hash != "" {
			if err := tx.Exec(`UPDATE auth_tokens SET revoked_at = now() WHERE user_id = ? AND revoked_at IS NULL`, id).Error; err != nil {
				return err
			}
		}
		changes := diff(map[string][2]any{
			"email": {cur.Email, out.Email}, "name": {cur.Name, out.Name}, "nip": {cur.NIP, out.NIP},
			"role": {cur.Role, out.Role}, "unit_id": {cur.UnitID, out.UnitID}, "active": {cur.Active, out.Active},
		})
		if hash != "" {
			changes["password"] = change{To: "changed"}
		}
		return audit(tx, &p, "update", "user", id, changes)
	})
	return out, err
}

func translateUser(err error, email string) error {
	if code, constraint := postgres.Violation(err); code == postgres.UniqueViolation {
		if constraint == "users_nip_key" {
			return &apperr.Error{Kind: apperr.Conflict, Message: "Another user already has this NIP.",
				Fields: []apperr.FieldError{{Field: "nip", Message: "is already used by another user"}}}
		}
		e := apperr.E(apperr.Conflict, "Another user already has the email %s.", email)
		e.Fields = []apperr.FieldError{{Field: "email", Message: "is already used by another user"}}
		return e
	}
	return err
}

// Languages are the languages of the web interface a user may choose.
var Languages = []string{"id", "en"}

// SetLanguage records the language p chose for the web interface. It is
// the user's own preference: it needs no version and is not audited.
// Errors: Invalid for a language not offered.
func (s *Service) SetLanguage(ctx context.Context, p Principal, lang string) error {
	if !slices.Contains(Languages, lang) {
		var v apperr.Validation
		v.Add("lang", "must be one of %s", strings.Join(Languages, ", "))
		return v.Err()
	}
	return s.db.WithContext(ctx).Exec(`UPDATE users SET lang = ? WHERE id = ?`, lang, p.UserID).Error
}
