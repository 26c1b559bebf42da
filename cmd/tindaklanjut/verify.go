package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

const verifyHistoryUsage = `usage: tindaklanjut verify-history

Recomputes the hash chain of every finding's history and names the first
broken link of each broken chain: an event changed after it was written, an
event missing, or a finding whose head no longer matches its last event.
Exits with status 1 when any chain is broken.
`

// errBrokenHistory is the exit status of a failed verification; the
// details are already printed.
var errBrokenHistory = errors.New("the history of some findings is broken")

// runVerifyHistory is `tindaklanjut verify-history`.
func runVerifyHistory(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	if len(args) != 0 {
		fmt.Fprint(stderr, verifyHistoryUsage)
		return errUsage
	}
	db, err := openMigrated(ctx, lookupEnv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := finding.VerifyHistory(ctx, db.DB)
	if err != nil {
		return err
	}
	for _, b := range rep.Breaks {
		fmt.Fprintf(stdout, "BROKEN %s\n", b)
	}
	fmt.Fprintf(stdout, "%d findings, %d events checked; %d broken chains\n", rep.Findings, rep.Events, len(rep.Breaks))
	if len(rep.Breaks) > 0 {
		return errBrokenHistory
	}
	return nil
}
