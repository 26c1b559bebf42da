package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	return onPgx(conn, fn)
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

// ReadConn is WithConn for reads: when fn fails because its connection is
// gone or its server cannot serve (Unavailable: the server restarted, or a
// failover moved the primary elsewhere and the pool still held connections
// to the old one), fn runs once more on a fresh connection, within the same
// request. Only reads may pass through here: fn must change nothing, so
// that running it twice is harmless, and must start afresh each time (fill
// its results anew). Writes are never repeated blindly; a client repeats
// one safely with its Idempotency-Key.
func ReadConn(ctx context.Context, db *gorm.DB, fn func(*pgx.Conn) error) error {
	err := WithConn(ctx, db, fn)
	// A new connection that failed to connect was fresh already.
	var connectErr *pgconn.ConnectError
	if err == nil || ctx.Err() != nil || !Unavailable(err) || errors.As(err, &connectErr) {
		return err
	}
	sqlDB, dbErr := db.DB()
	if dbErr != nil {
		return err
	}
	conn, ok := liveConn(ctx, sqlDB)
	if !ok {
		return err
	}
	defer conn.Close()
	return onPgx(conn, fn)
}

// liveConn takes a pooled connection that answers a ping. The pool pings
// only connections idle for over a second before handing them out, so
// after a failover it still holds busy ones to the old server; each of
// them fails its ping here and the pool drops it (the driver calls it a
// bad connection), until one answers: an idle one that is live, or a new
// one, which follows DATABASE_URL's hosts to the current primary.
func liveConn(ctx context.Context, sqlDB *sql.DB) (*sql.Conn, bool) {
	for range sqlDB.Stats().MaxOpenConnections + 1 {
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return nil, false
		}
		if err := conn.PingContext(ctx); err == nil {
			return conn, true
		}
		conn.Close()
	}
	return nil, false
}

// ReadTx runs fn in a read-only transaction at REPEATABLE READ (one
// snapshot for all its queries) through ReadConn: a transaction that
// failed because its connection was lost runs once more on a fresh one.
func ReadTx(ctx context.Context, db *gorm.DB, fn func(pgx.Tx) error) error {
	return ReadConn(ctx, db, func(conn *pgx.Conn) error {
		tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
		if err != nil {
			return err
		}
		// Not the request's context: a cancelled request must still end the
		// transaction before the connection goes back to the pool.
		defer tx.Rollback(context.WithoutCancel(ctx))
		return fn(tx)
	})
}

// onPgx runs fn on conn's pgx connection.
func onPgx(conn *sql.Conn, fn func(*pgx.Conn) error) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: the pool's driver is %T, not pgx", dc)
		}
		return fn(c.Conn())
	})
}
