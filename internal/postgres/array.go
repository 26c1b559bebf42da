package postgres

import (
	"database/sql/driver"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
)

// Array is a PostgreSQL array column (text[], bigint[]) read and written
// through database/sql, which knows no arrays of its own.
type Array[T any] []T

// typeMaps are pgx's codecs, reused: a Map is not safe for concurrent use
// and costly to build.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// Scan decodes the array from its text form.
func (a *Array[T]) Scan(src any) error {
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	var out []T
	if err := m.SQLScanner(&out).Scan(src); err != nil {
		return err
	}
	if out == nil {
		out = []T{}
	}
	*a = out
	return nil
}

// Value hands the slice to pgx, which encodes it as an array.
func (a Array[T]) Value() (driver.Value, error) {
	if a == nil {
		return []T{}, nil
	}
	return []T(a), nil
}

// GormDataType tells GORM's schema parser that the type is a column of its
// own, not a relation.
func (Array[T]) GormDataType() string { return "array" }
