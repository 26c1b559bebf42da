package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/report"
)

// summaryTotals are the figures of the whole summary that move at midnight.
func (f *fixture) summaryTotals(who string) countsDoc {
	f.t.Helper()
	var got summaryDoc
	mustStatus(f.t, f.do("GET", "/api/v1/reports/summary", f.tokens[who], "", &got), 200)
	return got.countsDoc
}

// TestSummaryCrossesMidnight counts findings due on the day, on the 8th
// and on the 31st day after it, a second before and a second after
// midnight in the organisation's time zone (WITA), before and after the
// day's advance of the kept counts: each crosses one window exactly then.
func TestSummaryCrossesMidnight(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2024, 9, 20, 15, 59, 59, 0, time.UTC)) // 23:59:59 WITA on 2024-09-20
	for _, due := range []string{"2024-09-20", "2024-09-28", "2024-10-21"} {
		f.setDue(f.findingIn("open").ID, due)
	}
	reports := report.NewService(f.db, 0)
	ctx := context.Background()
	if err := reports.Advance(ctx, date.MustParse("2024-09-20")); err != nil {
		t.Fatal(err)
	}
	before := countsDoc{Total: 3, ByState: states("open", 3), ByAuditCategory: categories(0, 0, 3, 0),
		Overdue: 0, DueIn7Days: 1, DueIn30Days: 2}
	after := countsDoc{Total: 3, ByState: states("open", 3), ByAuditCategory: categories(0, 0, 3, 0),
		Overdue: 1, DueIn7Days: 1, DueIn30Days: 2}
	for _, who := range []string{"auditor", "manager"} {
		if diff := cmp.Diff(before, f.summaryTotals(who)); diff != "" {
			t.Errorf("%s at 23:59:59 (-want +got):\n%s", who, diff)
		}
	}
	f.setNow(time.Date(2024, 9, 20, 16, 0, 1, 0, time.UTC)) // 00:00:01 WITA on 2024-09-21
	// Before the scheduler's advance, then after it, then a day early.
	for _, anchor := range []string{"", "2024-09-21", "2024-09-22"} {
		if anchor != "" {
			if err := reports.Advance(ctx, date.MustParse(anchor)); err != nil {
				t.Fatal(err)
			}
		}
		for _, who := range []string{"auditor", "manager"} {
			if diff := cmp.Diff(after, f.summaryTotals(who)); diff != "" {
				t.Errorf("%s at 00:00:01, anchor %q (-want +got):\n%s", who, anchor, diff)
			}
		}
	}
}

// TestSummaryCountersMatchRecount drives creations, transitions, and
// changes of unit, indicators and due date from eight clients at once,
// then writes as an import and a batch of due-date changes would (many
// findings in one statement, straight in SQL), edits the mapping, and
// compares the summary
// from the kept counts with one counted from the findings, for every
// scope, on days around today and across anchors.
func TestSummaryCountersMatchRecount(t *testing.T) {
	f := newFixture(t)
	f.setNow(time.Date(2024, 9, 20, 2, 0, 0, 0, time.UTC))
	codes := []string{`["I21"]`, `["I29","I30"]`, `["I24"]`, `["P02"]`, `["I21","P02"]`, `[]`, `["I01","I38","I39"]`}
	units := []int64{f.unitA.ID, f.unitB.ID}
	review := f.newReview("")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(w), 17))
			for range 4 {
				due := date.MustParse("2024-09-20").AddDays(rnd.IntN(80) - 40)
				var fd findingDoc
				mustStatus(t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan",
					"severity":"medium","unit_id":%d,"recommendation":"Menetapkan SK","due_date":%q,"indicator_codes":%s}`,
					review, units[rnd.IntN(2)], due, codes[rnd.IntN(len(codes))]), &fd), 201)
				if rnd.IntN(5) == 0 {
					continue // stays a draft
				}
				fd = f.mustMove("auditor", fd, "issue", "")
				patch := func(body string) {
					mustStatus(t, f.do("PATCH", fmt.Sprintf("/api/v1/findings/%d", fd.ID), f.tokens["auditor"],
						fmt.Sprintf(`{%s,"version":%d}`, body, fd.Version), &fd), 200)
				}
				for range 3 {
					switch rnd.IntN(4) {
					case 0:
						fd = f.mustMove("auditor", fd, "mark_not_actionable", "Tidak relevan")
						fd = f.mustMove("auditor", fd, "reopen", "Relevan lagi")
					case 1:
						patch(`"indicator_codes":` + codes[rnd.IntN(len(codes))])
					case 2: // another unit, while no action is assigned
						if fd.State != "open" {
							continue
						}
						patch(fmt.Sprintf(`"unit_id":%d`, units[rnd.IntN(2)]))
					case 3:
						patch(fmt.Sprintf(`"due_date":%q`, due.AddDays(rnd.IntN(20)-10)))
					}
				}
				if rnd.IntN(3) == 0 {
					f.mustMove("auditor", fd, "mark_not_actionable", "Ditutup")
				}
			}
		}(w)
	}
	wg.Wait()
	for _, st := range []string{"in_progress", "submitted", "closed"} {
		f.findingIn(st)
	}
	// An import: many findings of both units in one statement.
	if err := f.db.Exec(`INSERT INTO findings (code, review_id, title, recommendation, severity, unit_id, indicator_codes,
			due_date, state, created_by)
		SELECT 'TL-2099-' || lpad(g::text, 4, '0'), ?, 'Temuan impor', 'Menetapkan SK', 'low', (ARRAY[?, ?]::bigint[])[1 + g % 2],
			(ARRAY['{I21}', '{P05}', '{}', '{I01,I38}']::text[][])[1 + g % 4]::text[], date '2024-09-20' + (g % 70 - 35),
			(ARRAY['open', 'in_progress', 'closed'])[1 + g % 3], ?
		FROM generate_series(1, 60) g`, review, f.unitA.ID, f.unitB.ID, f.users["auditor"].ID).Error; err != nil {
		t.Fatal(err)
	}
	// A batch that moves due dates (working days, extensions).
	if err := f.db.Exec(`UPDATE findings SET due_date = due_date + 9 WHERE state = 'open' AND id % 3 = 0`).Error; err != nil {
		t.Fatal(err)
	}

	reports := report.NewService(f.db, 0)
	ctx := context.Background()
	scopes := map[string]identity.Principal{
		"admin":     f.admin(),
		"managerA":  {UserID: f.users["manager"].ID, Role: identity.RoleManager, UnitID: f.unitA.ID},
		"managerB":  {UserID: f.users["officerB"].ID, Role: identity.RoleManager, UnitID: f.unitB.ID},
		"officerA":  {UserID: f.users["officer"].ID, Role: identity.RoleOfficer, UnitID: f.unitA.ID},
		"noFinding": {UserID: f.users["viewer"].ID, Role: identity.RoleManager, UnitID: 1 << 40},
	}
	today := date.MustParse("2024-09-20")
	compare := func(stage string, anchors ...string) {
		t.Helper()
		for _, anchor := range anchors {
			if anchor != "" {
				if err := reports.Advance(ctx, date.MustParse(anchor)); err != nil {
					t.Fatal(err)
				}
			}
			for _, days := range []int{-45, -31, -8, -1, 0, 1, 7, 8, 30, 31, 60} {
				day := today.AddDays(days)
				for name, p := range scopes {
					kept, err := reports.Summary(ctx, p, day)
					if err != nil {
						t.Fatal(err)
					}
					recount, err := reports.Recount(ctx, p, day)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(recount, kept, cmpopts.EquateComparable(date.Date{})); diff != "" {
						t.Fatalf("%s, anchor %q, %s, %s: kept counts differ from a recount (-recount +kept):\n%s",
							stage, anchor, day, name, diff)
					}
				}
			}
		}
	}
	compare("after the writes", "", "2024-09-20", "2024-08-01", "2024-11-30")
	// A mapping edited: the aspects the findings count on change, and the
	// counts are made again when the edit commits.
	if err := f.db.Exec(`DELETE FROM framework_mapping_pairs WHERE from_code IN ('I21', 'I38')`).Error; err != nil {
		t.Fatal(err)
	}
	compare("after the mapping's edit", "", "2024-09-20")
	var all report.Summary
	all, _ = reports.Recount(ctx, f.admin(), today)
	if all.Total < 80 || all.Overdue == 0 || all.DueIn30Days == 0 || len(all.Units) != 2 {
		t.Fatalf("too little to compare: %+v", all.Counts)
	}
}

// TestFindingCodesFromTheYearsSequence records findings from sixteen
// clients at once on an installation whose counter for the year stood at
// 41: each gets its own code, numbered on from the counter, none waiting on
// a counter row.
func TestFindingCodesFromTheYearsSequence(t *testing.T) {
	f := newFixture(t)
	if err := f.db.Exec(`INSERT INTO finding_code_counters (year, last) VALUES (2024, 41)`).Error; err != nil {
		t.Fatal(err)
	}
	review := f.newReview("") // conducted in 2024
	codes := make(chan string, 16)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes <- f.newFinding(review, "").Code
		}()
	}
	wg.Wait()
	close(codes)
	var got []string
	for c := range codes {
		got = append(got, c)
	}
	slices.Sort(got)
	var want []string
	for n := 42; n < 42+16; n++ {
		want = append(want, fmt.Sprintf("TL-2024-%04d", n))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
}

// TestWritersInDifferentUnitsDoNotQueue holds a transition in unit A
// uncommitted and makes one in unit B from a session of another stripe
// (migration 00014): it must not wait, though both findings count in the
// same domains and aspects. A session of the holder's stripe does wait:
// the stripe is what keeps the groups' totals exact.
func TestWritersInDifferentUnitsDoNotQueue(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	issued := func(unit int64) int64 { return f.issuedIn(review, unit, `["I01","I38"]`) }
	a, b, b2 := issued(f.unitA.ID), issued(f.unitB.ID), issued(f.unitB.ID)
	ctx := context.Background()
	sqlDB, err := f.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	// Sessions by stripe: conns[0] holds; another of its stripe and one of
	// another stripe write in unit B.
	var held []*sql.Conn
	defer func() {
		for _, c := range held {
			c.ExecContext(ctx, `ROLLBACK`) // a failed check leaves none open on the test's database
			c.Close()
		}
	}()
	stripeOf := func(c *sql.Conn) int {
		var s int
		if err := c.QueryRowContext(ctx, `SELECT finding_counts_stripe()`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Sessions come as the database numbers its backends: look at up to
	// 32 for one of another stripe (15 in 16 are) and, by the way, one of
	// the holder's (1 in 16), without which that half is not shown.
	sqlDB.SetMaxOpenConns(40)
	var holder, same, other *sql.Conn
	for len(held) < 32 && (same == nil || other == nil) {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		switch {
		case holder == nil:
			holder = c
		case stripeOf(c) == stripeOf(holder) && same == nil:
			same = c
		case stripeOf(c) != stripeOf(holder) && other == nil:
			other = c
		}
	}
	if other == nil {
		t.Fatalf("no session of another stripe among %d", len(held))
	}
	exec := func(c *sql.Conn, q string, args ...any) error {
		_, err := c.ExecContext(ctx, q, args...)
		return err
	}
	move := `UPDATE findings SET state = 'in_progress' WHERE id = $1`
	if err := exec(holder, `BEGIN`); err != nil {
		t.Fatal(err)
	}
	if err := exec(holder, move, a); err != nil {
		t.Fatal(err)
	}
	try := func(c *sql.Conn, id int64) error {
		if err := exec(c, `BEGIN`); err != nil {
			t.Fatal(err)
		}
		defer exec(c, `ROLLBACK`)
		if err := exec(c, `SET LOCAL lock_timeout = '500ms'`); err != nil {
			t.Fatal(err)
		}
		return exec(c, move, id)
	}
	if err := try(other, b); err != nil {
		t.Fatalf("a transition in another unit from another stripe waited for the one held: %v", err)
	}
	if same == nil {
		t.Logf("no session of the holder's stripe among %d", len(held))
	} else if err := try(same, b2); err == nil || !strings.Contains(err.Error(), "lock timeout") {
		t.Fatalf("a transition from the holder's stripe did not wait for it: %v", err)
	}
	if err := exec(holder, `ROLLBACK`); err != nil {
		t.Fatal(err)
	}
}

// TestSummaryKeptUntilSomethingChanges reads the summary, then reads it
// again while another transaction holds every count locked: the answer
// comes at once, the same, without reading a count (nothing changed). Then
// it changes what the summary is made of outside the service, straight in
// SQL, and each read right after shows the change: a finding's state, a
// unit's code, an aspect's name, and a change committed after a change
// rolled back to a savepoint of the same transaction.
func TestSummaryKeptUntilSomethingChanges(t *testing.T) {
	f := newFixture(t)
	open := f.findingIn("open")
	f.findingIn("open")
	type doc struct {
		summaryDoc
		ByUnit []struct {
			UnitCode string `json:"unit_code"`
			countsDoc
		} `json:"by_unit"`
	}
	read := func(who string) (doc, *httptest.ResponseRecorder) {
		var got doc
		rec := f.do("GET", "/api/v1/reports/summary", f.tokens[who], "", &got)
		return got, rec
	}
	first, body := map[string]doc{}, map[string]string{}
	for _, who := range []string{"auditor", "manager"} {
		got, rec := read(who)
		mustStatus(t, rec, 200)
		first[who], body[who] = got, rec.Body.String()
	}

	for _, who := range []string{"auditor", "manager"} {
		rec := f.whileLocked("finding_counts, finding_due_counts", func() *httptest.ResponseRecorder {
			_, rec := read(who)
			return rec
		})
		mustStatus(t, rec, 200)
		if diff := cmp.Diff(body[who], rec.Body.String()); diff != "" {
			t.Errorf("%s, read again (-first +again):\n%s", who, diff)
		}
	}

	exec := func(query string, args ...any) {
		t.Helper()
		if err := f.db.Exec(query, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	wantOpen := first["auditor"].ByState["open"]
	check := func(step string, wantOpen int, unitCode, aspectName string) {
		t.Helper()
		got, code := read("auditor")
		mustStatus(t, code, 200)
		if got.ByState["open"] != wantOpen {
			t.Errorf("%s: %d open, want %d", step, got.ByState["open"], wantOpen)
		}
		if len(got.ByUnit) != 1 || got.ByUnit[0].UnitCode != unitCode {
			t.Errorf("%s: units %+v, want %s", step, got.ByUnit, unitCode)
		}
		if len(got.Aspects) == 0 || got.Aspects[0].Name != aspectName {
			t.Errorf("%s: first aspect %+v, want it named %q", step, got.Aspects, aspectName)
		}
	}
	aspect := first["auditor"].Aspects[0]
	check("before", wantOpen, "DISKOMINFO", aspect.Name)

	exec(`UPDATE findings SET state = 'closed', closed_at = now() WHERE id = ?`, open.ID)
	check("a finding closed in SQL", wantOpen-1, "DISKOMINFO", aspect.Name)
	exec(`UPDATE units SET code = 'DISKOMINFO-2' WHERE id = ?`, f.unitA.ID)
	check("a unit's code changed", wantOpen-1, "DISKOMINFO-2", aspect.Name)
	exec(`UPDATE framework_aspects SET name = 'Aspek Uji' WHERE code = ? AND framework_id = (SELECT id FROM frameworks WHERE code = ?)`,
		aspect.Code, aspect.FrameworkCode)
	check("an aspect renamed", wantOpen-1, "DISKOMINFO-2", "Aspek Uji")

	// The first change raises the stripe's counter and is rolled back with
	// the savepoint; the second must raise it again.
	tx := f.db.Begin()
	for _, q := range []string{
		`SAVEPOINT a`,
		`UPDATE findings SET state = 'open' WHERE id = ` + fmt.Sprint(open.ID),
		`ROLLBACK TO SAVEPOINT a`,
		`UPDATE findings SET state = 'in_progress' WHERE id = ` + fmt.Sprint(open.ID),
	} {
		if err := tx.Exec(q).Error; err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	got, code := read("auditor")
	mustStatus(t, code, 200)
	if got.ByState["closed"] != first["auditor"].ByState["closed"] || got.ByState["in_progress"] != first["auditor"].ByState["in_progress"]+1 {
		t.Errorf("after a change committed past a savepoint rolled back: %+v, before any change %+v", got.ByState, first["auditor"].ByState)
	}
}

// whileLocked runs read while another transaction holds tables locked
// against every other use, and returns what it answered; it fails the test
// when read waits on the lock.
func (f *fixture) whileLocked(tables string, read func() *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	f.t.Helper()
	lock := f.db.Begin()
	defer lock.Rollback()
	if err := lock.Exec(`LOCK TABLE ` + tables + ` IN ACCESS EXCLUSIVE MODE`).Error; err != nil {
		f.t.Fatal(err)
	}
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- read() }()
	select {
	case rec := <-done:
		return rec
	case <-time.After(5 * time.Second):
		lock.Rollback()
		<-done
		f.t.Fatalf("the read waited on %s though nothing had changed", tables)
		return nil
	}
}

// TestWritersOfOneStripeQueueOnItsVersion holds a change of a finding in
// unit A from one session, then changes a finding in unit B from another
// session of the same stripe: that one waits on the stripe's version
// counter (migration 00019) before it takes any count row, so the first can
// go on to change another finding of unit B without waiting, and both
// commit. Were the counter taken after the count rows, the second would
// hold unit B's rows while waiting for it, and the first's next change
// would deadlock.
func TestWritersOfOneStripeQueueOnItsVersion(t *testing.T) {
	f := newFixture(t)
	review := f.newReview("")
	issued := func(unit int64) int64 { return f.issuedIn(review, unit, `[]`) }
	a, b1, b2 := issued(f.unitA.ID), issued(f.unitB.ID), issued(f.unitB.ID)
	ctx := context.Background()
	sqlDB, err := f.db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.SetMaxOpenConns(40)
	// Of 17 sessions two share one of the 16 stripes.
	type session struct {
		conn        *sql.Conn
		pid, stripe int
	}
	var held []session
	defer func() {
		for _, s := range held {
			s.conn.ExecContext(ctx, `ROLLBACK`)
			s.conn.Close()
		}
	}()
	var first, second *session
	for first == nil {
		c, err := sqlDB.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		s := session{conn: c}
		if err := c.QueryRowContext(ctx, `SELECT pg_backend_pid(), finding_counts_stripe()`).Scan(&s.pid, &s.stripe); err != nil {
			t.Fatal(err)
		}
		held = append(held, s)
		for i := range held[:len(held)-1] {
			if held[i].stripe == s.stripe {
				first, second = &held[i], &held[len(held)-1]
				break
			}
		}
	}
	exec := func(s *session, q string, args ...any) error {
		_, err := s.conn.ExecContext(ctx, q, args...)
		return err
	}
	for _, s := range []*session{first, second} {
		if err := exec(s, `BEGIN`); err != nil {
			t.Fatal(err)
		}
		if err := exec(s, `SET LOCAL lock_timeout = '5s'`); err != nil {
			t.Fatal(err)
		}
	}
	move := `UPDATE findings SET state = 'in_progress' WHERE id = $1`
	if err := exec(first, move, a); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	go func() { waited <- exec(second, move, b1) }()
	// The second waits on a lock, not yet on unit B's rows.
	deadline := time.Now().Add(5 * time.Second)
	for {
		var waiting bool
		f.db.Raw(`SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = ?`, second.pid).Scan(&waiting)
		if waiting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second session of the stripe did not wait for the first")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := exec(first, move, b2); err != nil {
		t.Fatalf("the first session's change in unit B: %v", err)
	}
	if err := exec(first, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	if err := <-waited; err != nil {
		t.Fatalf("the second session's change, once the first committed: %v", err)
	}
	if err := exec(second, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	var n int
	f.db.Raw(`SELECT in_progress FROM finding_counts WHERE unit_id = ? AND grp = ''`, f.unitB.ID).Scan(&n)
	if n != 2 {
		t.Errorf("unit B counts %d findings in progress; want 2", n)
	}
}

// issuedIn records a finding of review in unit, naming the indicator codes
// of the JSON array codes, and issues it; it returns its id.
func (f *fixture) issuedIn(review, unit int64, codes string) int64 {
	f.t.Helper()
	var fd findingDoc
	mustStatus(f.t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan",
		"severity":"medium","unit_id":%d,"recommendation":"Menetapkan SK","due_date":"2030-01-31","indicator_codes":%s}`,
		review, unit, codes), &fd), 201)
	return f.mustMove("auditor", fd, "issue", "").ID
}
