package framework_test

import (
	"context"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// TestOutlook: the latest assessment is the highest year's last created,
// whatever the order of creation; the next milestone is the earliest on or
// after the day across every assessment (one on the day itself counts, one
// the day before does not), ties going to the first assessment created;
// with no assessment there is neither, and roles without the right to read
// assessments are refused.
func TestOutlook(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var auditor identity.Principal
	if err := db.Raw(`INSERT INTO units (code, name) VALUES ('U1', 'Diskominfo') RETURNING id`).Scan(&auditor.UnitID).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Raw(`INSERT INTO users (email, name, role, unit_id, password_hash) VALUES ('auditor@kalselprov.go.id', 'Auditor', 'auditor', ?, 'x')
		RETURNING id`, auditor.UnitID).Scan(&auditor.UserID).Error; err != nil {
		t.Fatal(err)
	}
	auditor.Role = identity.RoleAuditor
	as := framework.NewAssessments(db, time.Now)
	day := date.MustParse("2026-03-10")

	o, err := as.Outlook(ctx, auditor, day)
	if err != nil || o.Latest != nil || o.Next != nil {
		t.Fatalf("no assessment: %+v, %v", o, err)
	}
	create := func(year int, name string, ms ...string) framework.Assessment {
		in := framework.AssessmentInput{Year: year, Name: name}
		for i, d := range ms {
			in.Milestones = append(in.Milestones, framework.MilestoneInput{Name: name + " tahap " + string(rune('A'+i)), Date: d})
		}
		a, err := as.Create(ctx, auditor, in)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	create(2025, "Evaluasi 2025", "2026-03-09", "2026-04-01")
	latest := create(2026, "Evaluasi 2026", "2026-03-20")
	create(2024, "Evaluasi 2024", "2026-04-01")
	o, err = as.Outlook(ctx, auditor, day)
	if err != nil {
		t.Fatal(err)
	}
	if o.Latest == nil || o.Latest.ID != latest.ID || o.Latest.Name != "Evaluasi 2026" || o.Latest.FrameworkCode != framework.DefaultCode ||
		o.Latest.Year != 2026 || o.Latest.Scoring != framework.Levels {
		t.Errorf("latest: %+v", o.Latest)
	}
	if o.Next == nil || o.Next.Assessment != "Evaluasi 2026" || o.Next.Name != "Evaluasi 2026 tahap A" || o.Next.Date.String() != "2026-03-20" {
		t.Errorf("next: %+v", o.Next)
	}
	// Past 2026-03-20, two milestones share 2026-04-01: the first
	// assessment's. A second assessment of 2026 is the latest.
	o, _ = as.Outlook(ctx, auditor, date.MustParse("2026-03-21"))
	if o.Next == nil || o.Next.Assessment != "Evaluasi 2025" || o.Next.Date.String() != "2026-04-01" {
		t.Errorf("next after the 20th: %+v", o.Next)
	}
	again := create(2026, "Evaluasi 2026 ulang")
	if o, _ = as.Outlook(ctx, auditor, date.MustParse("2026-03-09")); o.Latest == nil || o.Latest.ID != again.ID ||
		o.Next == nil || o.Next.Name != "Evaluasi 2025 tahap A" {
		t.Errorf("the day of a milestone, a second 2026: %+v %+v", o.Latest, o.Next)
	}
	if o, _ = as.Outlook(ctx, auditor, date.MustParse("2026-04-02")); o.Next != nil {
		t.Errorf("every milestone past: %+v", o.Next)
	}
	if _, err := as.Outlook(ctx, identity.Principal{}, day); apperr.KindOf(err) != apperr.Forbidden && apperr.KindOf(err) != apperr.Unauthenticated {
		t.Errorf("no principal: %v", err)
	}
}
