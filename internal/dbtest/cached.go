package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// cachedReady remembers the cached templates this process has seen built, so
// that later callers skip the advisory lock.
var cachedReady sync.Map // name → struct{}

// Cached returns a connection pool on a fresh copy of a database that fill
// populated once, on top of the migrated template. The populated database is
// kept on the test server as a template named after the migrations and key,
// so it is built once per server (once per process on the throwaway
// cluster): key must change whenever what fill writes changes. The copy is
// dropped when tb ends.
func Cached(tb testing.TB, key string, fill func(*gorm.DB) error) *gorm.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), CachedURL(tb, key, fill), postgres.Options{})
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	tb.Cleanup(func() { postgres.Close(db) })
	return db
}

// CachedURL is Cached for callers that connect themselves (or hand the
// database to another program): it returns the copy's URL.
func CachedURL(tb testing.TB, key string, fill func(*gorm.DB) error) string {
	tb.Helper()
	if err := setup(); err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	sum := sha256.Sum256([]byte(template + "\x00" + key))
	name := "tindaklanjut_cache_" + hex.EncodeToString(sum[:])[:20]
	if _, ok := cachedReady.Load(name); !ok {
		start := time.Now()
		built, err := ensureCached(context.Background(), name, fill)
		if err != nil {
			tb.Fatalf("dbtest: cached database %q: %v", key, err)
		}
		if built {
			tb.Logf("dbtest: built cached database %q in %s", key, time.Since(start).Round(time.Millisecond))
		}
		cachedReady.Store(name, struct{}{})
	}
	return clone(tb, name)
}

// ensureCached builds template name with fill unless it exists, under an
// advisory lock so that processes starting together build it once. It
// reports whether it built it.
func ensureCached(ctx context.Context, name string, fill func(*gorm.DB) error) (bool, error) {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return false, fmt.Errorf("connect to %s: %w", redact(adminURL), err)
	}
	defer conn.Close(ctx)
	key := fnv.New64a()
	key.Write([]byte(name))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(key.Sum64())); err != nil {
		return false, err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(key.Sum64()))

	var ready bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&ready)
	if err == nil && ready {
		return false, nil
	}
	ident := pgx.Identifier{name}.Sanitize()
	if err == nil { // left half-filled by a failed or killed process
		if _, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
			return false, err
		}
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE "+pgx.Identifier{template}.Sanitize()); err != nil {
		return false, err
	}
	db, err := postgres.Open(ctx, withDatabase(adminURL, name), postgres.Options{MaxConns: 4})
	if err != nil {
		return false, err
	}
	err = fill(db)
	postgres.Close(db)
	if err != nil {
		return false, err
	}
	_, err = conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	return true, err
}

// clone copies template from for tb and drops the copy when tb ends. It
// copies files rather than logging every page (PostgreSQL 15's default),
// which is several times faster for a template of hundreds of megabytes.
func clone(tb testing.TB, from string) string {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	defer conn.Close(ctx)
	name := "tindaklanjut_test_" + randomSuffix()
	ident := pgx.Identifier{name}.Sanitize()
	q := "CREATE DATABASE " + ident + " TEMPLATE " + pgx.Identifier{from}.Sanitize()
	var version int
	if conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version) == nil && version >= 150000 {
		q += " STRATEGY = FILE_COPY"
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			tb.Errorf("dbtest: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			tb.Errorf("dbtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(adminURL, name)
}
