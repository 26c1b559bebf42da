// Package dbtest gives every test its own fresh, migrated database on a real
// PostgreSQL, in milliseconds.
//
// The first test of a `go test` process that asks for a database migrates a
// template database named after a hash of the migrations (once per server, and
// shared by every process that uses the same server and migrations); each test
// then gets CREATE DATABASE … TEMPLATE …, dropped at cleanup. The server is
// TEST_DATABASE_URL (a role that may create databases) or, when that is unset,
// a throwaway cluster in a temporary directory, started with the same code
// that runs the service's managed database and stopped by Main.
//
// A package that uses it calls Main from TestMain:
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/migrations"
)

var (
	setupOnce sync.Once
	setupErr  error
	adminURL  string // a maintenance database on the test server
	template  string // the migrated template's name
	cluster   *postgres.Cluster
	tempDir   string
)

// Main runs the package's tests and then stops the throwaway cluster, if one
// was started. It does not return.
func Main(m *testing.M) {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	if tempDir != "" {
		os.RemoveAll(tempDir)
	}
	os.Exit(code)
}

func setup() error {
	setupOnce.Do(func() { setupErr = doSetup() })
	return setupErr
}

func doSetup() error {
	ctx := context.Background()
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		adminURL = u
	} else {
		dir, err := os.MkdirTemp("", "tindaklanjut-test-")
		if err != nil {
			return err
		}
		tempDir = dir
		c, err := postgres.NewCluster(postgres.ClusterOptions{
			Dir:       filepath.Join(dir, "pg"),
			LogFile:   filepath.Join(dir, "postgres.log"),
			Ephemeral: true,
		})
		if err != nil {
			return err
		}
		if err := c.Start(ctx); err != nil {
			return err
		}
		cluster = c
		adminURL = c.URL("postgres")
	}
	sum, err := migrationsHash()
	if err != nil {
		return err
	}
	template = "tindaklanjut_tpl_" + sum[:16]
	return ensureTemplate(ctx)
}

// migrationsHash names the template after the migrations' content, so that a
// changed migration never reuses a stale template on a shared server.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(data))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// ensureTemplate builds the template database once, under an advisory lock so
// that test processes of several packages starting together wait for one
// another instead of racing.
func ensureTemplate(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("dbtest: connect to %s: %w", redact(adminURL), err)
	}
	defer conn.Close(ctx)
	key := fnv.New64a()
	key.Write([]byte(template))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(key.Sum64())); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(key.Sum64()))

	var ready bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", template).Scan(&ready)
	if err == nil && ready {
		return nil
	}
	ident := pgx.Identifier{template}.Sanitize()
	if err == nil { // left half-built by a crashed process
		if _, err := conn.Exec(ctx, "DROP DATABASE "+ident+" WITH (FORCE)"); err != nil {
			return err
		}
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE template0"); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, withDatabase(adminURL, template), postgres.Options{MaxConns: 2})
	if err != nil {
		return err
	}
	m, err := postgres.NewMigrator(db, nil)
	if err == nil {
		_, err = m.Up(ctx)
	}
	postgres.Close(db)
	if err != nil {
		return fmt.Errorf("dbtest: migrate template: %w", err)
	}
	_, err = conn.Exec(ctx, "ALTER DATABASE "+ident+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false")
	return err
}

// URL creates a fresh, migrated database for t and returns its URL. It is
// dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	return create(t, "")
}

// EmptyURL creates an empty database (no migrations applied) for t.
func EmptyURL(t testing.TB) string {
	t.Helper()
	return create(t, "template0")
}

// New returns a connection pool on a fresh, migrated database for t.
func New(t testing.TB) *gorm.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), URL(t), postgres.Options{MaxConns: 10})
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { postgres.Close(db) })
	return db
}

// create makes a database from the template from ("" for the migrated one).
func create(t testing.TB, from string) string {
	t.Helper()
	if err := setup(); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	if from == "" {
		from = template
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	defer conn.Close(ctx)
	name := "tindaklanjut_test_" + randomSuffix()
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident+" TEMPLATE "+pgx.Identifier{from}.Sanitize()); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			t.Errorf("dbtest: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(adminURL, name)
}

func randomSuffix() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// withDatabase returns rawURL pointing at database name instead.
func withDatabase(rawURL, name string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		// key=value form
		return strings.TrimSpace(rawURL) + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the test database"
	}
	return u.Redacted()
}

// ServerURL returns the URL of the test server's maintenance database, for
// tests that need to create or inspect databases themselves.
func ServerURL(t testing.TB) string {
	t.Helper()
	if err := setup(); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return adminURL
}
