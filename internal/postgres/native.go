package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// WithConn runs fn on a pooled connection through pgx's own interface. Hot
// reads that return many rows use it: database/sql converts every value
// twice (to a driver.Value, then to the destination), pgx scans once.
func WithConn(ctx context.Context, db *gorm.DB, fn func(*pgx.Conn) error) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: the pool's driver is %T, not pgx", dc)
		}
		return fn(c.Conn())
	})
}

// Numbered rewrites GORM's ? placeholders as PostgreSQL's $1, $2, … for
// pgx. The SQL must hold no ? of its own (in a literal or an operator).
func Numbered(q string) string {
	var b strings.Builder
	n := 0
	for {
		i := strings.IndexByte(q, '?')
		if i < 0 {
			b.WriteString(q)
			return b.String()
		}
		n++
		b.WriteString(q[:i])
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
		q = q[i+1:]
	}
}
