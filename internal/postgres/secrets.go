package postgres

import (
	"context"
	"crypto/rand"

	"gorm.io/gorm"
)

// Secret returns the service's secret called name, making a random 32-byte
// one on first use. Every replica reads the same value.
func Secret(ctx context.Context, db *gorm.DB, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var value []byte
	err := db.WithContext(ctx).Raw(`WITH ins AS (
			INSERT INTO app_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING RETURNING value)
		SELECT value FROM ins UNION ALL SELECT value FROM app_secrets WHERE name = ? LIMIT 1`, name, fresh, name).Row().Scan(&value)
	return value, err
}
