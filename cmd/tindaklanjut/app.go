package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/term"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/config"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// loadConfig reads and validates the configuration, naming every problem.
func loadConfig(lookupEnv env) (*config.Config, error) {
	cfg, err := config.Load(lookupEnv)
	if err != nil {
		return nil, fmt.Errorf("configuration is not valid:\n%w", indent(err))
	}
	return cfg, nil
}

func indent(err error) error {
	var lines []error
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			lines = append(lines, fmt.Errorf("  - %w", e))
		}
		return errors.Join(lines...)
	}
	return fmt.Errorf("  - %w", err)
}

// newLogger writes text to a terminal and JSON otherwise (or as configured).
func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			format = "text"
		}
	}
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// database is an open, migrated database and, when the service manages its
// own, the cluster under it.
type database struct {
	DB       *gorm.DB
	Migrator *postgres.Migrator
	// replica serves the heavy reads that tolerate lag (DATABASE_READ_URL);
	// nil without one.
	replica *postgres.Replica
	cluster *postgres.Cluster
	log     *slog.Logger
}

// openMigrated is how one-shot commands reach the database: the
// configuration, then the database with every migration applied.
func openMigrated(ctx context.Context, lookupEnv env, stderr io.Writer) (*database, error) {
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return nil, err
	}
	return openDatabase(ctx, cfg, newLogger(cfg, stderr), true)
}

// openDatabase connects to DATABASE_URL or starts the managed cluster under
// the data directory, then (if migrate) applies pending migrations.
func openDatabase(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool) (*database, error) {
	d := &database{log: log}
	url := cfg.DatabaseURL
	if dir := filepath.Join(cfg.DataDir, "postgres"); cfg.ManagedDatabase() && ownedElsewhere(dir) {
		// `serve` runs the managed database and this is another command
		// (verify-history, migrate, a second replica): use the running
		// server as it is; starting the cluster would take it for an
		// orphan and stop it under the service.
		url, _ = runningClusterURL(dir, "tindaklanjut")
		log.Info("using the managed postgres that another process of this installation runs", "dir", dir)
	} else if cfg.ManagedDatabase() {
		c, err := postgres.NewCluster(postgres.ClusterOptions{
			Dir:     dir,
			LogFile: filepath.Join(cfg.DataDir, "postgres.log"),
			Logger:  log,
		})
		if err != nil {
			return nil, err
		}
		if err := c.Start(ctx); err != nil {
			return nil, fmt.Errorf("managed postgres: %w", err)
		}
		d.cluster = c
		// The database belongs to this process: if it dies, start it again.
		c.Supervise()
		if err := c.EnsureDatabase(ctx, "tindaklanjut"); err != nil {
			d.Close()
			return nil, fmt.Errorf("managed postgres: %w", err)
		}
		url = c.URL("tindaklanjut")
	}
	db, err := postgres.Open(ctx, url, postgres.Options{MaxConns: cfg.DBMaxConns, Logger: log})
	if err != nil {
		d.Close()
		return nil, err
	}
	d.DB = db
	if cfg.DatabaseReadURL != "" {
		if d.replica, err = postgres.OpenReplica(cfg.DatabaseReadURL, postgres.Options{MaxConns: cfg.DBMaxConns, Logger: log}); err != nil {
			d.Close()
			return nil, err
		}
	}
	d.Migrator, err = postgres.NewMigrator(db, nil)
	if err != nil {
		d.Close()
		return nil, err
	}
	if migrate {
		n, err := d.Migrator.Up(ctx)
		if err != nil {
			d.Close()
			return nil, err
		}
		if n > 0 {
			log.Info("migrations applied", "count", n)
		}
	}
	return d, nil
}

// ownedElsewhere reports whether a ready server runs on the managed
// cluster in dir whose parent is alive: a server that another process of
// ours (serve) started and watches over. One whose parent is gone (its
// owner crashed; it was reparented to init) is an orphan, which starting
// the cluster stops and replaces.
func ownedElsewhere(dir string) bool {
	p, ok := readPostmaster(dir)
	if !ok || !p.ready() {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		return false // not Linux, or gone: start the cluster as before
	}
	// pid (comm) state ppid …; comm may hold spaces, so read after its ')'.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 2 {
		return false
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid > 1
}

// Ready reports whether the database answers and its schema is current.
func (d *database) Ready(ctx context.Context) error {
	if d.cluster != nil {
		select {
		case <-d.cluster.Exited():
			return errors.New("managed database is not running")
		default:
		}
	}
	if err := postgres.Ping(ctx, d.DB); err != nil {
		return errors.New("database unreachable")
	}
	pending, err := d.Migrator.Pending(ctx)
	if err != nil {
		return errors.New("cannot read migration state")
	}
	if pending {
		return errors.New("database migrations pending")
	}
	return nil
}

// Close closes the pool and then stops the managed cluster, in that order.
func (d *database) Close() {
	d.replica.Close()
	if d.DB != nil {
		postgres.Close(d.DB)
	}
	if d.cluster != nil {
		if err := d.cluster.Stop(); err != nil {
			d.log.Error("stop managed postgres", "err", err)
		}
	}
}
