package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// runMigrate applies migrations (up, the default) or lists them (status).
func runMigrate(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	if sub != "up" && sub != "status" || len(args) > 1 {
		fmt.Fprintf(stderr, "usage: tindaklanjut migrate [up|status]\n")
		return errUsage
	}
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	if err := cfg.CheckDataDir(); err != nil && cfg.ManagedDatabase() {
		return err
	}
	db, err := openDatabase(ctx, cfg, log, false)
	if err != nil {
		return err
	}
	defer db.Close()
	if sub == "up" {
		n, err := db.Migrator.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
		return nil
	}
	st, err := db.Migrator.Status(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tMIGRATION\tAPPLIED")
	for _, s := range st {
		applied := "pending"
		if !s.AppliedAt.IsZero() {
			applied = s.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, s.Name, applied)
	}
	return tw.Flush()
}
