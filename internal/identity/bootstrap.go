// Package identity owns units, users, passwords and sessions, and the access
// policy that says who may do what.
package identity

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
)

// BootstrapResult says what EnsureAdmin did.
type BootstrapResult struct {
	// Created is true when a new admin was made (or an existing user promoted).
	Created bool
	Email   string
	// GeneratedPassword is set when no password was configured; it is shown
	// to the operator once and stored only as a hash.
	GeneratedPassword string
}

// bootstrapUnit holds the first admin when the database has no unit yet.
const (
	bootstrapUnitCode = "ADMIN"
	bootstrapUnitName = "Administrator Sistem"
)

// EnsureAdmin makes sure an active admin exists, so that an empty database is
// never a dead end. When none exists it creates one with email (or, if a user
// with that email exists, promotes and reactivates them). With an empty
// password it generates one. Replicas starting together serialise on an
// advisory lock, so exactly one admin is made.
func EnsureAdmin(ctx context.Context, db *gorm.DB, email, password string) (BootstrapResult, error) {
	res := BootstrapResult{Email: email}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SELECT pg_advisory_xact_lock(hashtext('tindaklanjut.bootstrap_admin'))").Error; err != nil {
			return err
		}
		var admins int64
		if err := tx.Raw("SELECT count(*) FROM users WHERE role = 'admin' AND active").Scan(&admins).Error; err != nil {
			return err
		}
		if admins > 0 {
			return nil
		}
		if password == "" {
			password = GeneratePassword()
			res.GeneratedPassword = password
		}
		hash, err := HashPassword(password)
		if err != nil {
			return err
		}
		var existing []int64
		if err := tx.Raw("SELECT id FROM users WHERE lower(email) = lower(?)", email).Scan(&existing).Error; err != nil {
			return err
		}
		res.Created = true
		if len(existing) > 0 {
			return tx.Exec(`UPDATE users SET role = 'admin', active = true, password_hash = ?,
				version = version + 1, updated_at = now() WHERE id = ?`, hash, existing[0]).Error
		}
		var unitID int64
		err = tx.Raw(`INSERT INTO units (code, name) VALUES (?, ?)
			ON CONFLICT (lower(code)) DO UPDATE SET code = units.code RETURNING id`,
			bootstrapUnitCode, bootstrapUnitName).Scan(&unitID).Error
		if err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO users (email, name, role, unit_id, password_hash) VALUES (?, ?, 'admin', ?, ?)`,
			strings.ToLower(email), "Administrator", unitID, hash).Error
	})
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("create first admin: %w", err)
	}
	return res, nil
}
