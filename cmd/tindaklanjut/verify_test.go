package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// historyFixture records two findings with a few events each, through the
// services, and returns their codes.
func historyFixture(t *testing.T, db *gorm.DB) []finding.Detail {
	t.Helper()
	ctx := context.Background()
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
	svc := finding.NewService(db, time.Now, time.UTC)
	on := "2024-07-15"
	rev, err := svc.CreateReview(ctx, admin, finding.ReviewInput{Kind: "ict_audit", Title: "Audit TIK 2024", ConductedOn: &on})
	if err != nil {
		t.Fatal(err)
	}
	due := "2024-09-30"
	var out []finding.Detail
	for _, title := range []string{"Pedoman audit aplikasi belum ada", "Pedoman audit infrastruktur belum ada"} {
		d, err := svc.CreateFinding(ctx, admin, finding.FindingInput{ReviewID: rev.ID, Title: title, Severity: "high",
			UnitID: &unit.ID, Recommendation: "Menetapkan pedoman audit TIK", DueDate: &due, IndicatorCodes: []string{"I45"}})
		if err != nil {
			t.Fatal(err)
		}
		if d, err = svc.Transition(ctx, admin, d.ID, finding.TransitionInput{Verb: finding.Issue, Version: d.Version}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Comment(ctx, admin, d.ID, "Mohon segera ditindaklanjuti"); err != nil {
			t.Fatal(err)
		}
		if d, err = svc.Transition(ctx, admin, d.ID, finding.TransitionInput{Verb: finding.MarkNotActionable, Reason: "Dialihkan", Version: d.Version}); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func TestVerifyHistory(t *testing.T) {
	ctx := context.Background()
	url, db := commandDB(t)
	found := historyFixture(t, db)
	vars := map[string]string{"DATABASE_URL": url, "TINDAKLANJUT_DATA_DIR": t.TempDir(), "TINDAKLANJUT_CONFIG": writeFile(t, "")}
	verify := func() (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"verify-history"}, mapEnv(vars), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "2 findings, 8 events checked; 0 broken chains") {
		t.Fatalf("intact history: %v\n%s", err, out)
	}

	// The database itself refuses to change history.
	for _, stmt := range []string{
		"UPDATE finding_events SET data = '{}' WHERE seq = 3",
		"DELETE FROM finding_events WHERE seq = 4",
		"TRUNCATE finding_events CASCADE",
	} {
		if err := db.Exec(stmt).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v; want it refused", stmt, err)
		}
	}

	// Someone with the power to disable the guard edits the comment of the
	// first finding and removes the last event of the second.
	tamper := []string{
		"ALTER TABLE finding_events DISABLE TRIGGER finding_events_no_update_delete",
		`UPDATE finding_events SET data = '{"body": "Sudah ditindaklanjuti"}' WHERE finding_id = ` + itoa(found[0].ID) + ` AND seq = 3`,
		`DELETE FROM finding_events WHERE finding_id = ` + itoa(found[1].ID) + ` AND seq = 4`,
		"ALTER TABLE finding_events ENABLE TRIGGER finding_events_no_update_delete",
	}
	for _, stmt := range tamper {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	out, err := verify()
	if err != errBrokenHistory {
		t.Fatalf("tampered history: err = %v; want errBrokenHistory\n%s", err, out)
	}
	for _, want := range []string{
		"BROKEN finding " + found[0].Code + " (id " + itoa(found[0].ID) + "): event 3 (id ",
		"its content does not match its hash",
		"BROKEN finding " + found[1].Code + " (id " + itoa(found[1].ID) + "): the finding's head (event 4",
		"2 broken chains",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
