package identity

import "time"

// Role is what a user may do, per the role table in PRODUCT.md.
type Role string

// The roles.
const (
	RoleAdmin   Role = "admin"
	RoleAuditor Role = "auditor"
	RoleManager Role = "manager"
	RoleOfficer Role = "officer"
	RoleViewer  Role = "viewer"
)

// Roles lists every role, in the order forms show them.
var Roles = []Role{RoleAdmin, RoleAuditor, RoleManager, RoleOfficer, RoleViewer}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Unit is a perangkat daerah: an organisational unit that owns findings.
type Unit struct {
	ID        int64
	Code      string
	Name      string
	ParentID  *int64
	Email     *string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// User is a person who signs in.
type User struct {
	ID     int64
	Email  string
	Name   string
	NIP    *string
	Role   Role
	UnitID int64
	Active bool
	// Lang is the language the user chose for the web interface: "id"
	// (the default) or "en".
	Lang         string
	PasswordHash string `gorm:"column:password_hash"`
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID  int64
	Role    Role
	UnitID  int64
	TokenID int64
}
