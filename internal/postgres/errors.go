package postgres

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

// SQLSTATE codes the stores translate into domain errors.
const (
	UniqueViolation     = "23505"
	ForeignKeyViolation = "23503"
	CheckViolation      = "23514"
	SerializationFail   = "40001"
	UndefinedTable      = "42P01"
)

// Violation returns the SQLSTATE code and constraint name of a database
// error, or "" and "" when err is not one.
func Violation(err error) (code, constraint string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, pgErr.ConstraintName
	}
	return "", ""
}

// SQLSTATEs that say the database cannot serve this request now, though it
// may in a moment: an administrator or a crash shut the server down, it is
// starting, it has no connection slot left, or (after a failover) this
// connection reached a server that now only reads.
var unavailableCodes = map[string]bool{
	"57P01": true, // admin_shutdown
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now
	"53300": true, // too_many_connections
	"25006": true, // read_only_sql_transaction
}

// Unavailable reports whether err means the database cannot be reached or
// cannot serve writes just now — a lost, refused or broken connection, a
// server shutting down or starting, a read-only server — as opposed to an
// error of the request or of the code. Such a request may succeed when it
// is tried again; the HTTP edges answer it 503 with Retry-After.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || unavailableCodes[pgErr.Code]
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		pgconn.SafeToRetry(err)
}

// RetryUnavailable is how long a client is asked to wait before trying a
// request the database could not serve: long enough for a restarted server
// or a failover to finish, short enough not to lose the user.
const RetryUnavailable = 5 * time.Second

// UnavailableError returns err as the domain's Unavailable kind (503 with
// Retry-After at the HTTP edges, never a 500) when it says the database
// cannot serve now, and err unchanged otherwise (domain errors included).
// Nothing is retried here: a client retries a write safely with the same
// Idempotency-Key.
func UnavailableError(err error) error {
	if apperr.KindOf(err) != "" || !Unavailable(err) {
		return err
	}
	return &apperr.Error{Kind: apperr.Unavailable, RetryAfter: RetryUnavailable,
		Message: "The database cannot be reached just now. Try again in a few seconds; a write sent with an Idempotency-Key may be sent again safely."}
}
