// Package postgres opens the service's database, applies its migrations and,
// when no DATABASE_URL is given, runs a managed local PostgreSQL cluster.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/tindaklanjut/tindaklanjut/migrations"
)

// Options configure the connection pool.
type Options struct {
	// MaxConns caps the pool; zero means DefaultMaxConns.
	MaxConns int
	Logger   *slog.Logger
	// ConnectTimeout bounds each connection attempt when the URL sets no
	// connect_timeout; zero leaves it to the caller's context.
	ConnectTimeout time.Duration
	// Tracer, when set, sees every statement the pool's connections send
	// (the benchmarks count round trips with it).
	Tracer pgx.QueryTracer
}

// DefaultMaxConns is the pool size when none is configured: twice the
// processor cores plus one, the rule of thumb of PostgreSQL's wiki
// ("Number Of Database Connections"). PostgreSQL serves a few busy
// connections per core best; more of them move the queue from the pool,
// where waiting is cheap and fair, into the kernel's scheduler, where the
// backends compete for the cores with each other and with this process.
// On the 2-core reference machine, with 8 concurrent clients
// (internal/api benchmarks): a pool of 20 gave the finding list a p99 of
// 16–22 ms and transitions 0.49–0.59 of pgbench's rate; a pool of 5 gave
// 12–17 ms and 0.34–0.40; a pool of 4, 11–15 ms and 0.36–0.39.
// Transitions hold their connection for several round trips, so they gain
// from more connections where reads lose.
func DefaultMaxConns() int {
	return 2*runtime.GOMAXPROCS(0) + 1
}

// Open connects to the database at url and checks that it answers. The
// returned *gorm.DB stays inside store packages; it never reaches handlers.
func Open(ctx context.Context, url string, opts Options) (*gorm.DB, error) {
	db, err := openPool(url, opts)
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := Ping(pingCtx, db); err != nil {
		Close(db)
		return nil, fmt.Errorf("connect to database: %w", describe(err))
	}
	return db, nil
}

// openPool prepares the pool on url without connecting.
func openPool(url string, opts Options) (*gorm.DB, error) {
	if opts.MaxConns <= 0 {
		opts.MaxConns = DefaultMaxConns()
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = opts.ConnectTimeout
	}
	if opts.Tracer != nil {
		cfg.Tracer = opts.Tracer
	}
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(opts.MaxConns)
	sqlDB.SetMaxIdleConns(opts.MaxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db, err := gorm.Open(gormpg.New(gormpg.Config{Conn: sqlDB}), &gorm.Config{
		// Driver errors stay *pgconn.PgError so that stores can tell which
		// constraint failed (see Violation) and say which field is at fault.
		TranslateError:         false,
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true, // Open pings; OpenReplica must not
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		sqlDB.Close()
		return nil, err
	}
	return db, nil
}

// describe turns the most common connection failures into advice.
func describe(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "3D000":
			return fmt.Errorf("%s: create the database first (createdb) or fix DATABASE_URL", pgErr.Message)
		case "28P01", "28000":
			return fmt.Errorf("%s: check the user and password in DATABASE_URL", pgErr.Message)
		}
	}
	return err
}

// Close closes the pool behind db.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Migrator applies the embedded migrations.
type Migrator struct {
	provider *goose.Provider
}

// NewMigrator prepares the migrations for db. Concurrent migrators (several
// replicas starting at once) serialise on a PostgreSQL advisory lock.
func NewMigrator(db *gorm.DB, log *slog.Logger) (*Migrator, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	opts := []goose.ProviderOption{goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true)}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, opts...)
	if err != nil {
		return nil, err
	}
	return &Migrator{provider: p}, nil
}

// Up applies every pending migration and returns how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.provider.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// Pending reports whether migrations remain to be applied.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.provider.HasPending(ctx)
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Version   int64
	Name      string
	AppliedAt time.Time // zero when pending
}

// Status lists every migration.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Name: s.Source.Path, AppliedAt: s.AppliedAt})
	}
	return out, nil
}

// Ping checks that db answers within the context's deadline.
func Ping(ctx context.Context, db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}
