package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
)

const remindUsage = `usage: tindaklanjut remind --at <RFC 3339 instant> [--dry-run]

Plans every reminder due as of the instant, exactly as the scheduler would,
and delivers the queue (mails due by then) through SMTP_URL, or keeps them in
the outbox when SMTP_URL is empty. The instant is written like
2024-09-02T08:00:00+08:00.

  --dry-run   list what would be planned and sent, and change nothing
`

// runRemind is `tindaklanjut remind`.
func runRemind(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("remind", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	atFlag := fs.String("at", "", "")
	dryRun := fs.Bool("dry-run", false, "")
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "tindaklanjut remind: "+format+"\n\n%s", append(a, remindUsage)...)
		return errUsage
	}
	if err := fs.Parse(args); err != nil {
		return bad("%v", err)
	}
	if fs.NArg() > 0 {
		return bad("unexpected argument %q", fs.Arg(0))
	}
	if *atFlag == "" {
		return bad("--at is required")
	}
	at, err := time.Parse(time.RFC3339, *atFlag)
	if err != nil {
		return bad("--at %q is not an RFC 3339 instant such as 2024-09-02T08:00:00+08:00", *atFlag)
	}
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	db, err := openDatabase(ctx, cfg, newLogger(cfg, stderr), true)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := newReminders(cfg, db, calendar.NewStore(db.DB, time.Now), newLogger(cfg, stderr), nil)
	if err != nil {
		return err
	}
	tz := cfg.TimeZone
	if *dryRun {
		planned, err := r.planner.Preview(ctx, at)
		if err != nil {
			return err
		}
		for _, p := range planned {
			fmt.Fprintf(stdout, "would plan  %s  %-22s %s  to %s%s\n", p.DueAt.In(tz).Format("2006-01-02 15:04"), p.Kind, p.DedupKey,
				strings.Join(p.ToEmails, ", "), cc(p.CcEmails))
		}
		queued, err := r.outbox.Due(ctx, at)
		if err != nil {
			return err
		}
		for _, n := range queued {
			fmt.Fprintf(stdout, "would send  %s  %-22s %s  to %s%s\n", n.DueAt.In(tz).Format("2006-01-02 15:04"), n.Kind, n.DedupKey,
				strings.Join(n.ToEmails, ", "), cc(n.CcEmails))
		}
		fmt.Fprintf(stdout, "dry run as of %s: %d to plan, %d queued to send then; nothing changed\n",
			at.In(tz).Format(time.RFC3339), len(planned), len(queued))
		return nil
	}
	counts, err := r.planner.Plan(ctx, at)
	if err != nil {
		return err
	}
	st, err := r.sender.SendDue(ctx, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "as of %s: planned %s; delivery: %s\n", at.In(tz).Format(time.RFC3339), byKind(counts), st)
	if st.Failed > 0 {
		return errors.New("some mails failed; see GET /api/v1/notifications?status=failed")
	}
	return nil
}

func cc(emails []string) string {
	if len(emails) == 0 {
		return ""
	}
	return ", cc " + strings.Join(emails, ", ")
}

// byKind writes counts as "3 (action_due 2, weekly_digest 1)".
func byKind(counts map[string]int) string {
	total := 0
	var parts []string
	for k, n := range counts {
		total += n
		parts = append(parts, fmt.Sprintf("%s %d", k, n))
	}
	sort.Strings(parts)
	if total == 0 {
		return "nothing new"
	}
	return fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))
}

// reminders are the planner, sender and outbox, built from the
// configuration for serve and remind alike.
type reminders struct {
	planner *notify.Planner
	sender  *notify.Sender
	outbox  *notify.Outbox
}
