package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// TestRemind drives the reminders from the command line: bad arguments are
// usage errors naming the problem; --dry-run lists what would be planned
// and sent and changes nothing; a run plans and delivers (kept, without
// SMTP_URL; left to retry when the mail server is unreachable), and a
// second run at the same instant plans nothing new.
func TestRemind(t *testing.T) {
	ctx := context.Background()
	url, db := commandDB(t)
	ids := identity.NewService(db, time.Now, identity.DefaultSettings)
	if _, err := identity.EnsureAdmin(ctx, db, "admin@kalselprov.go.id", "kata-sandi-uji-123"); err != nil {
		t.Fatal(err)
	}
	var adminID int64
	db.Raw("SELECT id FROM users WHERE role = 'admin'").Scan(&adminID)
	admin := identity.Principal{UserID: adminID, Role: identity.RoleAdmin}
	unit, err := ids.CreateUnit(ctx, admin, identity.UnitInput{Code: "DISKOMINFO", Name: "Diskominfo"})
	if err != nil {
		t.Fatal(err)
	}
	officer, err := ids.CreateUser(ctx, &admin, identity.UserInput{Email: "staf@kalselprov.go.id", Name: "Staf", Role: identity.RoleOfficer,
		UnitID: unit.ID, Password: "kata-sandi-uji-123"})
	if err != nil {
		t.Fatal(err)
	}
	wita, _ := time.LoadLocation("Asia/Makassar")
	svc := finding.NewService(db, func() time.Time { return time.Date(2024, 8, 1, 10, 0, 0, 0, wita) }, wita)
	on, due, actionDue := "2024-07-15", "2024-09-30", "2024-09-02"
	rev, err := svc.CreateReview(ctx, admin, finding.ReviewInput{Kind: "ict_audit", Title: "Audit TIK 2024", ConductedOn: &on})
	if err != nil {
		t.Fatal(err)
	}
	d, err := svc.CreateFinding(ctx, admin, finding.FindingInput{ReviewID: rev.ID, Title: "Pedoman audit belum ada", Severity: "high",
		UnitID: &unit.ID, Recommendation: "Menetapkan pedoman audit TIK", DueDate: &due})
	if err != nil {
		t.Fatal(err)
	}
	if d, err = svc.Transition(ctx, admin, d.ID, finding.TransitionInput{Verb: finding.Issue, Version: d.Version}); err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateAction(ctx, admin, d.ID, finding.ActionInput{Title: "Menyusun pedoman", AssigneeID: officer.ID, DueDate: &actionDue})
	if err != nil {
		t.Fatal(err)
	}

	vars := map[string]string{"DATABASE_URL": url, "TINDAKLANJUT_DATA_DIR": t.TempDir(), "TINDAKLANJUT_CONFIG": writeFile(t, ""),
		"TINDAKLANJUT_LOG_LEVEL": "warn"}
	remind := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"remind"}, args...), mapEnv(vars), strings.NewReader(""), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"no instant", nil, "--at is required"},
		{"a date only", []string{"--at", "2024-09-02"}, `--at "2024-09-02" is not an RFC 3339 instant`},
		{"words", []string{"--at", "besok pagi"}, "is not an RFC 3339 instant"},
		{"no zone", []string{"--at", "2024-09-02T08:00:00"}, "is not an RFC 3339 instant"},
		{"unknown flag", []string{"--at", "2024-09-02T08:00:00+08:00", "--force"}, "flag provided but not defined: -force"},
		{"extra argument", []string{"--at", "2024-09-02T08:00:00+08:00", "now"}, `unexpected argument "now"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, err := remind(tt.args...)
			if err != errUsage || !strings.Contains(errOut, tt.want) || !strings.Contains(errOut, "usage: tindaklanjut remind") {
				t.Errorf("err = %v; stderr:\n%s\nwant usage with %q", err, errOut, tt.want)
			}
		})
	}

	count := func() (n int64) {
		db.Raw(`SELECT count(*) * 100 + count(*) FILTER (WHERE status = 'pending') FROM notifications`).Scan(&n)
		return n
	}
	before := count()
	out, _, err := remind("--at", "2024-08-26T09:00:00+08:00", "--dry-run")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"would plan  2024-08-26 08:00  action_due             action:" + itoa(a.ID) + ":2024-09-02:due-7  to staf@kalselprov.go.id",
		"would send  2024-08-01 10:00  action_assigned        event:",
		"1 to plan, 1 queued to send then; nothing changed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if after := count(); after != before {
		t.Errorf("the dry run changed the outbox (%d → %d)", before, after)
	}

	out, _, err = remind("--at", "2024-08-26T09:00:00+08:00")
	if err != nil || !strings.Contains(out, "planned 1 (action_due 1); delivery: 0 sent, 2 kept") {
		t.Errorf("run: %v\n%s", err, out)
	}
	out, _, err = remind("--at", "2024-08-26T09:30:00+08:00")
	if err != nil || !strings.Contains(out, "planned nothing new; delivery: 0 sent, 0 kept") {
		t.Errorf("second run: %v\n%s", err, out)
	}

	// A mail server that cannot be reached: the mail waits for a retry.
	vars["SMTP_URL"] = "smtp://" + freeAddr(t) + "?tls=none"
	out, _, err = remind("--at", "2024-08-30T09:00:00+08:00")
	if err != nil || !strings.Contains(out, "planned 1 (action_due 1); delivery: 0 sent, 0 kept, 0 skipped, 1 to retry, 0 failed") {
		t.Errorf("unreachable server: %v\n%s", err, out)
	}
	var lastError string
	db.Raw(`SELECT last_error FROM notifications WHERE status = 'pending'`).Scan(&lastError)
	if !strings.Contains(lastError, "connect") {
		t.Errorf("last_error %q", lastError)
	}
}
