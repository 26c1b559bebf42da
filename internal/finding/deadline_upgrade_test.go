package finding_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
	"github.com/tindaklanjut/tindaklanjut/migrations"
)

// TestDeadlineMigrationKeepsRemindersOnce: 00010 rewrites the keys of the
// action reminders already queued to name their due date, as the planner
// now writes them, so that none is planned again after the upgrade; its
// Down gives them back their old keys.
func TestDeadlineMigrationKeepsRemindersOnce(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbtest.EmptyURL(t), postgres.Options{MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { postgres.Close(db) })
	sqlDB, _ := db.DB()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	err = db.Exec(`INSERT INTO notifications (dedup_key, kind, data) VALUES
		('action:17:due-7', 'action_due', '{"due_date": "2024-09-02", "days_before": 7}'),
		('action:17:overdue-8', 'action_overdue', '{"due_date": "2024-09-02", "days_overdue": 8}'),
		('finding:3:unassigned', 'finding_unassigned', '{"days": 7}')`).Error
	if err != nil {
		t.Fatal(err)
	}
	keys := func() []string {
		var out []string
		db.Raw(`SELECT dedup_key FROM notifications ORDER BY id`).Scan(&out)
		return out
	}
	if _, err := p.UpTo(ctx, 10); err != nil {
		t.Fatal(err)
	}
	want := []string{"action:17:2024-09-02:due-7", "action:17:2024-09-02:overdue-8", "finding:3:unassigned"}
	if diff := cmp.Diff(want, keys()); diff != "" {
		t.Errorf("after 00010 (-want +got):\n%s", diff)
	}
	if _, err := p.DownTo(ctx, 9); err != nil {
		t.Fatal(err)
	}
	want = []string{"action:17:due-7", "action:17:overdue-8", "finding:3:unassigned"}
	if diff := cmp.Diff(want, keys()); diff != "" {
		t.Errorf("after 00010's Down (-want +got):\n%s", diff)
	}
}
