package findingtest_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestGenerate checks a small generated data set: the sizes asked for, every
// state present, well-formed unique codes with their counters, and intact
// hash chains that the service then extends as it would its own.
func TestGenerate(t *testing.T) {
	ctx := context.Background()
	size := findingtest.Size{Units: 6, Findings: 600, Actions: 1200, Events: 6000, Seed: 7}
	db := findingtest.DB(t, size)

	var got struct{ Units, Findings, Actions, Events, Codes, BadCodes, Artifacts int }
	db.Raw(`SELECT (SELECT count(*) FROM units) AS units, (SELECT count(*) FROM findings) AS findings,
		(SELECT count(*) FROM actions) AS actions, (SELECT count(*) FROM finding_events) AS events,
		(SELECT count(DISTINCT code) FROM findings) AS codes,
		(SELECT count(*) FROM findings WHERE code !~ '^TL-[0-9]{4}-[0-9]{4,}$') AS bad_codes,
		(SELECT count(*) FROM artifacts) AS artifacts`).Scan(&got)
	if got.Units != size.Units || got.Findings != size.Findings || got.Actions != size.Actions || got.Events != size.Events {
		t.Errorf("generated %+v; want %+v", got, size)
	}
	if got.Codes != size.Findings || got.BadCodes != 0 {
		t.Errorf("%d distinct codes, %d malformed; want %d and 0", got.Codes, got.BadCodes, size.Findings)
	}
	if got.Artifacts == 0 {
		t.Error("no evidence generated")
	}
	// Set aside while loading, the indexes come back as the migrations
	// made them, and the search column keeps its statistics target.
	var target int
	db.Raw(`SELECT attstattarget FROM pg_attribute WHERE attrelid = 'findings'::regclass AND attname = 'search_text'`).Scan(&target)
	if target != 1000 {
		t.Errorf("the search column's statistics target is %d; want the migration's 1000", target)
	}
	var searchIndex int
	db.Raw(`SELECT count(*) FROM pg_indexes WHERE indexname = 'findings_search_text_idx'`).Scan(&searchIndex)
	if searchIndex != 1 {
		t.Error("the search index did not come back after loading")
	}
	var states []string
	db.Raw(`SELECT state FROM findings GROUP BY state ORDER BY state`).Scan(&states)
	if len(states) != len(finding.States) {
		t.Errorf("states present %v; want all of %v", states, finding.States)
	}
	var behind int
	db.Raw(`SELECT count(*) FROM finding_code_counters c
		WHERE c.last < (SELECT max(split_part(code, '-', 3)::int) FROM findings WHERE split_part(code, '-', 2)::int = c.year)`).Scan(&behind)
	if behind != 0 {
		t.Errorf("%d code counters are behind the codes handed out", behind)
	}
	var misassigned int
	db.Raw(`SELECT count(*) FROM actions a JOIN findings f ON f.id = a.finding_id JOIN users u ON u.id = a.assignee_id
		WHERE u.unit_id <> f.unit_id OR f.state IN ('draft', 'open')`).Scan(&misassigned)
	if misassigned != 0 {
		t.Errorf("%d actions on drafts or open findings, or assigned outside the finding's unit", misassigned)
	}

	rep, err := finding.VerifyHistory(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Breaks) > 0 || rep.Events != size.Events {
		t.Fatalf("verify: %d events, breaks %v", rep.Events, rep.Breaks)
	}

	// The service appends to a generated chain as to its own.
	var f struct {
		ID      int64
		Version int
	}
	db.Raw(`SELECT id, version FROM findings WHERE state = 'in_progress' ORDER BY id LIMIT 1`).Scan(&f)
	var auditor identity.Principal
	db.Raw(`SELECT id AS user_id, role, unit_id FROM users WHERE role = 'auditor' ORDER BY id LIMIT 1`).Scan(&auditor)
	now := findingtest.Today.Time(time.UTC).Add(9 * time.Hour)
	svc := finding.NewService(db, func() time.Time { return now }, time.UTC)
	if _, err := svc.Transition(ctx, auditor, f.ID, finding.TransitionInput{Verb: finding.MarkNotActionable,
		Reason: "Aplikasi telah dihentikan", Version: f.Version}); err != nil {
		t.Fatal(err)
	}
	if rep, err := finding.VerifyHistory(ctx, db); err != nil || len(rep.Breaks) > 0 || rep.Events != size.Events+1 {
		t.Fatalf("verify after a transition: %d events, breaks %v, err %v", rep.Events, rep.Breaks, err)
	}
}

// TestGenerateDeterministic: the same size and seed give the same data.
func TestGenerateDeterministic(t *testing.T) {
	size := findingtest.Size{Units: 3, Findings: 50, Actions: 80, Events: 500, Seed: 3}
	sum := func() string {
		var s string
		findingtest.DB(t, size).Raw(`SELECT md5(string_agg(code || state || title || coalesce(encode(head_hash, 'hex'), ''), ',' ORDER BY id))
			FROM findings`).Scan(&s)
		return s
	}
	ctx := context.Background()
	a := sum()
	// A second generation into an empty migrated database, not the cache.
	db := dbtest.New(t)
	if err := findingtest.Generate(ctx, db, size); err != nil {
		t.Fatal(err)
	}
	var b string
	db.Raw(`SELECT md5(string_agg(code || state || title || coalesce(encode(head_hash, 'hex'), ''), ',' ORDER BY id)) FROM findings`).Scan(&b)
	if a == "" || a != b {
		t.Errorf("two generations differ: %q, %q", a, b)
	}
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(a) {
		t.Errorf("checksum %q", a)
	}
}
