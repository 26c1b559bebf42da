package postgres_test

import (
	"context"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrateEmptyDatabaseThenNoop(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbtest.EmptyURL(t), postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer postgres.Close(db)
	m, err := postgres.NewMigrator(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if pending, err := m.Pending(ctx); err != nil || !pending {
		t.Fatalf("Pending on an empty database = %v, %v; want true", pending, err)
	}
	n, err := m.Up(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n != len(st) {
		t.Fatalf("first Up applied %d migrations; want all %d", n, len(st))
	}
	for _, s := range st {
		if s.AppliedAt.IsZero() {
			t.Errorf("migration %d %s not applied", s.Version, s.Name)
		}
	}
	n, err = m.Up(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second Up = %d, %v; want 0, nil", n, err)
	}
	if pending, err := m.Pending(ctx); err != nil || pending {
		t.Fatalf("Pending after Up = %v, %v; want false", pending, err)
	}
}

func TestFrameworkSeed(t *testing.T) {
	db := dbtest.New(t)
	type row struct {
		Code   string
		Weight float64
		N      int
	}
	var total struct {
		N      int
		Weight float64
		Min    string
		Max    string
	}
	err := db.Raw(`SELECT count(*) AS n, sum(i.weight)::float8 AS weight, min(i.code) AS min, max(i.code) AS max
		FROM framework_indicators i JOIN frameworks f ON f.id = i.framework_id WHERE f.code = 'spbe-2020'`).Scan(&total).Error
	if err != nil {
		t.Fatal(err)
	}
	if total.N != 47 || total.Weight != 100 || total.Min != "I01" || total.Max != "I47" {
		t.Fatalf("indicators: %+v; want 47 indicators I01..I47 weighing 100", total)
	}
	// Domain weights as the facts give them, and each domain's weight equal to
	// the sum of its indicators'.
	var domains []row
	err = db.Raw(`SELECT d.code, d.weight::float8 AS weight, count(i.id) AS n
		FROM framework_domains d
		JOIN framework_aspects a ON a.domain_id = d.id
		JOIN framework_indicators i ON i.aspect_id = a.id
		GROUP BY d.code, d.weight
		HAVING abs(sum(i.weight) - d.weight) < 0.0001
		ORDER BY d.code`).Scan(&domains).Error
	if err != nil {
		t.Fatal(err)
	}
	want := []row{{"D1", 13, 10}, {"D2", 25, 10}, {"D3", 16.5, 11}, {"D4", 45.5, 16}}
	if len(domains) != len(want) {
		t.Fatalf("domains whose indicator weights add up: %+v; want %+v", domains, want)
	}
	for i := range want {
		if domains[i] != want[i] {
			t.Errorf("domain %d = %+v; want %+v", i, domains[i], want[i])
		}
	}
	var aspects, levels, predicates int
	db.Raw(`SELECT count(*) FROM framework_aspects`).Scan(&aspects)
	db.Raw(`SELECT count(*) FROM framework_levels`).Scan(&levels)
	db.Raw(`SELECT count(*) FROM framework_predicates`).Scan(&predicates)
	if aspects != 8 || levels != 10 || predicates != 5 {
		t.Errorf("aspects, levels, predicates = %d, %d, %d; want 8, 10, 5", aspects, levels, predicates)
	}
}
