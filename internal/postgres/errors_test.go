package postgres_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

func TestUnavailable(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"crash shutdown", &pgconn.PgError{Code: "57P02"}, true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"read-only after a failover", fmt.Errorf("update: %w", &pgconn.PgError{Code: "25006"}), true},
		{"refused", fmt.Errorf("dial: %w", syscall.ECONNREFUSED), true},
		{"connection closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{"bad connection", driver.ErrBadConn, true},
		{"cut off", io.ErrUnexpectedEOF, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"a plain error", errors.New("boom"), false},
		{"the client went away", context.Canceled, false},
	} {
		if got := postgres.Unavailable(tt.err); got != tt.want {
			t.Errorf("%s: Unavailable = %v; want %v", tt.name, got, tt.want)
		}
	}
	// Domain errors stay what they are; database outages become 503s.
	notFound := apperr.E(apperr.NotFound, "There is no unit 5.")
	if got := postgres.UnavailableError(notFound); got != notFound {
		t.Errorf("a domain error changed: %v", got)
	}
	var ae *apperr.Error
	if err := postgres.UnavailableError(&pgconn.PgError{Code: "57P01"}); !errors.As(err, &ae) || ae.Kind != apperr.Unavailable || ae.RetryAfter <= 0 {
		t.Errorf("shutdown: %v", err)
	}
}
