// Command tindaklanjut is the whole service in one binary: the HTTP server
// and scheduler (serve), and the operator's commands beside it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.LookupEnv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "tindaklanjut:", err)
		}
		os.Exit(1)
	}
}

// errUsage means the usage text has already been printed.
var errUsage = errors.New("usage")

const usage = `tindaklanjut — follow-up tracking for review, SPBE evaluation and ICT audit findings

Usage:
  tindaklanjut [serve]                 run the HTTP server and scheduler (default)
  tindaklanjut migrate [up|status]     apply or list database migrations
  tindaklanjut user add --email E --name N --role R --unit CODE [--nip NIP] [--password-stdin]
                                       add a user (password from stdin, or generated)
  tindaklanjut framework import FILE   add an evaluation model (SPBE 2020, Pemdi 2026, …) from a JSON file
  tindaklanjut framework import-mapping FILE
                                       add or replace the mapping between two models
  tindaklanjut import findings --review ID --as EMAIL FILE [--commit]
                                       preview (or, with --commit, write) a register from XLSX/CSV
  tindaklanjut verify-history          recompute every finding's hash-chained history
                                       and name the first broken link of each chain
  tindaklanjut verify-artifacts [--gc] re-hash every stored evidence document; report missing,
                                       corrupt and unreferenced ones (--gc removes the latter)
  tindaklanjut remind --at INSTANT [--dry-run]
                                       plan the reminders due as of an RFC 3339 instant
                                       and deliver the queue (--dry-run: only list them)
  tindaklanjut backup --out FILE       write a consistent backup of the database and the evidence
                                       store to FILE while the service runs
  tindaklanjut restore --from FILE     restore a backup into an installation with an empty database
                                       and evidence store, then run both verify commands
  tindaklanjut version                 print the version
  tindaklanjut help                    print this text

Configuration comes from configs/tindaklanjut.env (or the file named by
TINDAKLANJUT_CONFIG) and the environment; see README.md.
`

// timeNow is the clock of the commands.
var timeNow = time.Now

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// env is how commands read the environment: os.LookupEnv in main, a map in
// tests.
type env func(string) (string, bool)

// run is the whole program; main only supplies the process's context, args,
// environment and streams, so that tests can run it in-process.
func run(ctx context.Context, args []string, lookupEnv env, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return runServe(ctx, args, lookupEnv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args, lookupEnv, stdout, stderr)
	case "user":
		return runUser(ctx, args, lookupEnv, stdin, stdout, stderr)
	case "framework":
		return runFramework(ctx, args, lookupEnv, stdout, stderr)
	case "import":
		return runImport(ctx, args, lookupEnv, stdout, stderr)
	case "verify-history":
		return runVerifyHistory(ctx, args, lookupEnv, stdout, stderr)
	case "verify-artifacts":
		return runVerifyArtifacts(ctx, args, lookupEnv, stdout, stderr)
	case "remind":
		return runRemind(ctx, args, lookupEnv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args, lookupEnv, stdout, stderr)
	case "restore":
		return runRestore(ctx, args, lookupEnv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "tindaklanjut", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "tindaklanjut: unknown command %q\n\n%s", cmd, usage)
		return errUsage
	}
}
