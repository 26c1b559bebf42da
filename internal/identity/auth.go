package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// TokenKind tells API bearer tokens from browser sessions; both live in one
// store and are checked the same way.
type TokenKind string

// The token kinds.
const (
	TokenAPI     TokenKind = "api"
	TokenSession TokenKind = "session"
)

// tokenPrefix marks our tokens so that secret scanners and people recognise
// a leaked one.
const tokenPrefix = "tl_"

// Client describes where a sign-in comes from.
type Client struct {
	IP        string
	UserAgent string
}

// IssuedToken is a new token; Token is shown to the caller once and stored
// only as a hash.
type IssuedToken struct {
	Token     string
	ExpiresAt time.Time
	User      User
}

// errBadCredentials is the one answer to a failed sign-in, whether the email
// is unknown, the password wrong or the user inactive.
var errBadCredentials = apperr.E(apperr.Unauthenticated, "The email or password is not correct.")

// dummyHash is checked against when the email is unknown, so that an unknown
// email costs as much time as a wrong password. It is made on the first
// such sign-in, not when the program starts: hashing takes argon2's 19 MiB
// and a third of a second, which every start and every command paid, and
// the garbage collector then sized the heap after it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("tindaklanjut-timing-equaliser")
	return h
})

// Login checks email and password and issues a token of kind. Attempts are
// counted per account and per client address before the password is
// checked; over the limit it answers TooManyRequests with the time until
// the window ends, without checking the password at all.
func (s *Service) Login(ctx context.Context, email, password string, client Client, kind TokenKind) (IssuedToken, error) {
	now := s.now()
	email = strings.ToLower(strings.TrimSpace(email))
	subjects := [2]string{"email:" + email, "ip:" + client.IP}
	window := now.Truncate(s.settings.FailureWindow)
	if err := s.reserveAttempt(ctx, subjects, window, now); err != nil {
		return IssuedToken{}, err
	}

	var u User
	res := s.db.WithContext(ctx).Raw(`SELECT `+userColumns+`, password_hash FROM users WHERE lower(email) = ?`, email).Scan(&u)
	if res.Error != nil {
		return IssuedToken{}, res.Error
	}
	hash := u.PasswordHash
	if res.RowsAffected == 0 {
		hash = dummyHash()
	}
	ok, err := CheckPassword(hash, password)
	if err != nil || !ok || res.RowsAffected == 0 || !u.Active {
		// The attempt was counted as a failure when it was reserved.
		return IssuedToken{}, errBadCredentials
	}
	if err := s.releaseAttempt(ctx, subjects, window); err != nil {
		return IssuedToken{}, err
	}
	tok, err := s.issue(ctx, u.ID, kind, client, now)
	if err != nil {
		return IssuedToken{}, err
	}
	u.PasswordHash = ""
	tok.User = u
	return tok, nil
}

// reserveAttempt counts a sign-in attempt against the account and the
// client address as a failure, in one statement, unless either is at its
// limit. Counting before the password is checked is what makes the limit
// exact: a check followed later by a write let a burst of parallel guesses
// all pass the check before any was counted. The upsert locks each row it
// updates; a concurrent attempt waits and re-evaluates the limit on the
// updated count. Both rows are written in one fixed order (the account
// first), so two attempts never wait on each other in a cycle. When one
// subject is at its limit the other's increment is rolled back with the
// transaction, so a refused attempt counts nowhere.
func (s *Service) reserveAttempt(ctx context.Context, subjects [2]string, window, now time.Time) error {
	throttled := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var counted []string
		err := tx.Raw(`INSERT INTO login_failures AS f (subject, window_start, failures)
			VALUES (?, ?, 1), (?, ?, 1)
			ON CONFLICT (subject, window_start) DO UPDATE SET failures = f.failures + 1
				WHERE f.failures < CASE WHEN f.subject LIKE 'ip:%' THEN ?::int ELSE ?::int END
			RETURNING subject`,
			subjects[0], window, subjects[1], window, s.settings.AddressFailures, s.settings.AccountFailures).
			Scan(&counted).Error
		if err != nil {
			return err
		}
		if len(counted) < len(subjects) {
			throttled = true
			return errRollback
		}
		return nil
	})
	if throttled {
		wait := window.Add(s.settings.FailureWindow).Sub(now)
		return &apperr.Error{Kind: apperr.TooManyRequests, RetryAfter: wait,
			Message: "Too many failed sign-in attempts. Wait a few minutes before trying again."}
	}
	return err
}

// errRollback ends a transaction that has nothing to keep.
var errRollback = errors.New("identity: rolled back")

// releaseAttempt takes back the failure reserveAttempt counted, for an
// attempt that succeeded: the account starts afresh, and the address keeps
// only its failures, so that an office behind one address may sign in all
// morning.
func (s *Service) releaseAttempt(ctx context.Context, subjects [2]string, window time.Time) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`DELETE FROM login_failures WHERE subject = ?`, subjects[0]).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE login_failures SET failures = failures - 1
			WHERE subject = ? AND window_start = ? AND failures > 0`, subjects[1], window).Error
	})
}

func (s *Service) issue(ctx context.Context, userID int64, kind TokenKind, client Client, now time.Time) (IssuedToken, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return IssuedToken{}, err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	expires := now.Add(s.settings.TokenTTL)
	err := s.db.WithContext(ctx).Exec(`INSERT INTO auth_tokens (user_id, token_hash, kind, created_at, expires_at, last_used_at, client_ip, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, userID, sum[:], string(kind), now, expires, now, client.IP, truncate(client.UserAgent, 300)).Error
	if err != nil {
		return IssuedToken{}, err
	}
	return IssuedToken{Token: token, ExpiresAt: expires}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// Authenticate resolves a token to its principal and user in one query, so
// that no request reads its caller twice. An unknown, expired or revoked
// token, or one of an inactive user, is Unauthenticated.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, User, error) {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 100 {
		return Principal{}, User{}, apperr.E(apperr.Unauthenticated, "The token is not valid.")
	}
	sum := sha256.Sum256([]byte(token))
	now := s.now()
	var u User
	var tokenID int64
	var lastUsed time.Time
	// Every request passes here: read with pgx directly, without GORM's
	// reflection; once more on a fresh connection when a lost one failed
	// it.
	err := postgres.ReadConn(ctx, s.db, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, `SELECT t.id, t.last_used_at,
				u.id, u.email, u.name, u.nip, u.role, u.unit_id, u.active, u.lang, u.version, u.created_at, u.updated_at
			FROM auth_tokens t JOIN users u ON u.id = t.user_id
			WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.active`, sum[:], now).
			Scan(&tokenID, &lastUsed, &u.ID, &u.Email, &u.Name, &u.NIP, &u.Role, &u.UnitID, &u.Active, &u.Lang, &u.Version, &u.CreatedAt, &u.UpdatedAt)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return Principal{}, User{}, apperr.E(apperr.Unauthenticated, "The token is not valid, has expired or was revoked. Sign in again.")
	}
	if err != nil {
		return Principal{}, User{}, err
	}
	// Record use at most once a minute: a write per request would double the
	// cost of every read.
	if now.Sub(lastUsed) > time.Minute {
		s.db.WithContext(ctx).Exec(`UPDATE auth_tokens SET last_used_at = ? WHERE id = ?`, now, tokenID)
	}
	p := Principal{UserID: u.ID, Role: u.Role, UnitID: u.UnitID, TokenID: tokenID}
	return p, u, nil
}

// Revoke ends the token p signed in with.
func (s *Service) Revoke(ctx context.Context, p Principal) error {
	return s.db.WithContext(ctx).Exec(`UPDATE auth_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, s.now(), p.TokenID).Error
}

// RevokeToken ends the token whose value is token. A value that is no
// token, or one already ended, is not an error: the caller wants it gone,
// and it is.
func (s *Service) RevokeToken(ctx context.Context, token string) error {
	if !strings.HasPrefix(token, tokenPrefix) || len(token) > 100 {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	return s.db.WithContext(ctx).Exec(`UPDATE auth_tokens SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL`,
		s.now(), sum[:]).Error
}

// PurgeExpired deletes tokens, failure counters and idempotency records that
// can no longer matter. It is a scheduled job.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	now := s.now()
	var total int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`DELETE FROM auth_tokens WHERE expires_at < ? OR revoked_at < ?`, []any{now.Add(-24 * time.Hour), now.Add(-24 * time.Hour)}},
			{`DELETE FROM login_failures WHERE window_start < ?`, []any{now.Add(-2 * s.settings.FailureWindow)}},
			{`DELETE FROM idempotency_keys WHERE expires_at < ?`, []any{now}},
		} {
			res := tx.Exec(q.sql, q.args...)
			if res.Error != nil {
				return res.Error
			}
			total += res.RowsAffected
		}
		return nil
	})
	return total, err
}
