// Package idempotency stores the responses of creating requests, so that a
// client's retry with the same Idempotency-Key gets the first answer instead
// of creating a duplicate. Records live 24 hours and belong to the caller.
package idempotency

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// TTL is how long a key is remembered.
const TTL = 24 * time.Hour

// Response is a stored answer.
type Response struct {
	Status      int
	ContentType string
	Location    string
	Body        []byte
}

// Store keeps idempotency records in PostgreSQL.
type Store struct {
	db  *gorm.DB
	now func() time.Time
}

// NewStore returns a store; now is the clock.
func NewStore(db *gorm.DB, now func() time.Time) *Store { return &Store{db: db, now: now} }

// ErrInProgress is returned when the first request with a key has not
// finished within the wait.
var ErrInProgress = apperr.E(apperr.Conflict, "A request with this Idempotency-Key is still being processed; retry in a moment.")

// ErrMismatch is returned when a key is reused with another request.
var ErrMismatch = apperr.E(apperr.Invalid, "This Idempotency-Key was used with a different request; use a new key for a new request.")

// Begin claims key for the caller. It returns (nil, nil) when the caller owns
// the key now and must run the request and then Finish or Abandon it; the
// stored response when the same request already completed; ErrMismatch when
// the key was used for another request; ErrInProgress when the first request
// is still running after waiting up to wait.
func (s *Store) Begin(ctx context.Context, userID int64, key, method, path string, fingerprint []byte, wait time.Duration) (*Response, error) {
	deadline := time.Now().Add(wait)
	for {
		res := s.db.WithContext(ctx).Exec(`INSERT INTO idempotency_keys (user_id, key, method, path, fingerprint, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, key) DO NOTHING`,
			userID, key, method, path, fingerprint, s.now(), s.now().Add(TTL))
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 1 {
			return nil, nil
		}
		var row struct {
			Method      string
			Path        string
			Fingerprint []byte
			Status      *int
			ContentType *string
			Location    *string
			Body        []byte
			ExpiresAt   time.Time
		}
		r := s.db.WithContext(ctx).Raw(`SELECT method, path, fingerprint, status, content_type, location, body, expires_at
			FROM idempotency_keys WHERE user_id = ? AND key = ?`, userID, key).Scan(&row)
		if r.Error != nil {
			return nil, r.Error
		}
		switch {
		case r.RowsAffected == 0:
			continue // abandoned meanwhile: claim it again
		case row.ExpiresAt.Before(s.now()):
			s.db.WithContext(ctx).Exec(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND expires_at < ?`, userID, key, s.now())
			continue
		case row.Method != method || row.Path != path || string(row.Fingerprint) != string(fingerprint):
			return nil, ErrMismatch
		case row.Status != nil:
			out := &Response{Status: *row.Status, Body: row.Body}
			if row.ContentType != nil {
				out.ContentType = *row.ContentType
			}
			if row.Location != nil {
				out.Location = *row.Location
			}
			return out, nil
		}
		if time.Now().After(deadline) {
			return nil, ErrInProgress
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Finish stores the response of the request that owns key.
func (s *Store) Finish(ctx context.Context, userID int64, key string, r Response) error {
	return s.db.WithContext(ctx).Exec(`UPDATE idempotency_keys SET status = ?, content_type = ?, location = ?, body = ?
		WHERE user_id = ? AND key = ?`, r.Status, r.ContentType, r.Location, r.Body, userID, key).Error
}

// Abandon releases key after a request that must not be replayed (an
// internal error): a retry then runs again.
func (s *Store) Abandon(ctx context.Context, userID int64, key string) error {
	err := s.db.WithContext(context.WithoutCancel(ctx)).Exec(`DELETE FROM idempotency_keys WHERE user_id = ? AND key = ? AND status IS NULL`, userID, key).Error
	if code, _ := postgres.Violation(err); code != "" {
		return errors.New("idempotency: abandon: " + code)
	}
	return err
}
