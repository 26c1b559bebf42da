// Package migrations holds the database schema as numbered plain SQL files,
// embedded in the binary and applied by goose (see internal/postgres).
package migrations

import "embed"

// FS holds every migration file.
//
//go:embed *.sql
var FS embed.FS
