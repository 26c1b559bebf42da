package postgres_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

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
	// Per model: spbe-2020 has 8 aspects in 4 domains, two scales of five
	// levels and five bands; pemdi-2026 has 7 aspects and no domains, one
	// scale, five bands with labels, 20 indicators weighing 100 with each
	// aspect's indicators weighing the aspect.
	type parts struct {
		Code                                                     string
		Domains, Aspects, Levels, Predicates, Labels, Indicators int
		Weight                                                   float64
		AspectsAddingUp                                          int
	}
	var got []parts
	err = db.Raw(`SELECT f.code,
			(SELECT count(*) FROM framework_domains d WHERE d.framework_id = f.id) AS domains,
			(SELECT count(*) FROM framework_aspects a WHERE a.framework_id = f.id) AS aspects,
			(SELECT count(*) FROM framework_levels l WHERE l.framework_id = f.id) AS levels,
			(SELECT count(*) FROM framework_predicates p WHERE p.framework_id = f.id) AS predicates,
			(SELECT count(*) FROM framework_predicates p WHERE p.framework_id = f.id AND p.label <> '') AS labels,
			(SELECT count(*) FROM framework_indicators i WHERE i.framework_id = f.id) AS indicators,
			(SELECT sum(weight)::float8 FROM framework_indicators i WHERE i.framework_id = f.id) AS weight,
			(SELECT count(*) FROM framework_aspects a WHERE a.framework_id = f.id
				AND a.weight = (SELECT sum(i.weight) FROM framework_indicators i WHERE i.aspect_id = a.id)) AS aspects_adding_up
		FROM frameworks f ORDER BY f.code`).Scan(&got).Error
	if err != nil {
		t.Fatal(err)
	}
	wantParts := []parts{{"pemdi-2026", 0, 7, 5, 5, 5, 20, 100, 7}, {"spbe-2020", 4, 8, 10, 5, 0, 47, 100, 8}}
	if diff := cmp.Diff(wantParts, got); diff != "" {
		t.Errorf("models (-want +got):\n%s", diff)
	}
}
