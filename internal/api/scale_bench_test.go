package api_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/api"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// The scale benchmarks put the service beside the least SQL that does the
// same work, run through the service's own pgx pool from as many clients
// in the same run, and report the service's ratio to it (of-raw: requests
// per second over queries per second; p99-of-raw: the service's p99 over
// the raw one's). Sizes and concurrency come from the environment:
//
//	TL_BENCH_CLIENTS=32 TL_BENCH_FINDINGS=100000 go test -p 1 -run '^$' \
//	    -bench 'Summary|ListVsRaw|SearchVsRaw|WritesVsRaw' -benchtime 3s ./internal/api/
//
// Each raw sub-benchmark runs before its service one, which reads its
// figures.

// rawResult is a raw sub-benchmark's figures.
type rawResult struct {
	rate float64
	p99  time.Duration
}

// vsRaw runs the raw and the service sub-benchmarks of one piece of work.
func (w *workflowBench) vsRaw(b *testing.B, name string, raw func(ctx context.Context, conn *pgx.Conn, c *benchClient) error,
	service func(c *benchClient)) {
	var base rawResult
	ctx := context.Background()
	b.Run(name+"/raw", func(b *testing.B) {
		var lat []time.Duration
		var mu sync.Mutex
		base.rate = w.clients(b, func(c *benchClient) {
			t0 := time.Now()
			if err := postgres.WithConn(ctx, w.db, func(conn *pgx.Conn) error { return raw(ctx, conn, c) }); err != nil {
				panic(err)
			}
			d := time.Since(t0)
			c.lat = append(c.lat, d)
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		})
		base.p99 = p99(lat)
	})
	b.Run(name+"/service", func(b *testing.B) {
		var lat []time.Duration
		var mu sync.Mutex
		rate := w.clients(b, func(c *benchClient) {
			service(c)
			mu.Lock()
			lat = append(lat, c.lat[len(c.lat)-1])
			mu.Unlock()
		})
		if base.rate > 0 {
			b.ReportMetric(rate/base.rate, "of-raw")
			b.ReportMetric(float64(p99(lat))/float64(base.p99), "p99-of-raw")
		}
	})
}

func p99(lat []time.Duration) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	lat = slices.Clone(lat)
	slices.Sort(lat)
	return lat[min(len(lat)-1, len(lat)*99/100)]
}

// BenchmarkSummary measures GET /reports/summary for an auditor (every
// finding, every unit) and for the manager of the biggest unit, beside the
// raw read of the kept counts it is made of, and beside the naive count by
// state and unit over all findings that the issue measured (what the
// summary cost before the counts were kept).
func BenchmarkSummary(b *testing.B) {
	w := newWorkflowBench(b)
	ctx := context.Background()
	var big int64
	w.db.Raw(`SELECT unit_id FROM findings WHERE unit_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&big)
	manager := w.signIn(b, "manager", big)
	w.vsRaw(b, "all", func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return drain(conn.Query(ctx, `SELECT unit_id, grp, draft, open, in_progress, submitted, closed, not_actionable,
			due_lt0, due_lt8, due_lt31 FROM finding_counts`))
	}, func(c *benchClient) {
		mustCode(c.do(http.MethodGet, "/api/v1/reports/summary", w.auditor, ""), http.StatusOK, "summary")
	})
	w.vsRaw(b, "unit", func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return drain(conn.Query(ctx, `SELECT unit_id, grp, draft, open, in_progress, submitted, closed, not_actionable,
			due_lt0, due_lt8, due_lt31 FROM finding_counts WHERE unit_id = $1`, big))
	}, func(c *benchClient) {
		mustCode(c.do(http.MethodGet, "/api/v1/reports/summary", manager, ""), http.StatusOK, "summary")
	})
	b.Run("naive_count_by_state_and_unit", func(b *testing.B) {
		w.clients(b, func(c *benchClient) {
			t0 := time.Now()
			if err := postgres.WithConn(ctx, w.db, func(conn *pgx.Conn) error {
				return drain(conn.Query(ctx, `SELECT unit_id, state, count(*) FROM findings GROUP BY 1, 2`))
			}); err != nil {
				panic(err)
			}
			c.lat = append(c.lat, time.Since(t0))
		})
	})
}

// signIn creates a user of role in unit and returns their token.
func (w *workflowBench) signIn(b *testing.B, role string, unit int64) string {
	b.Helper()
	email := role + ".scale@kalselprov.go.id"
	w.db.Exec(`INSERT INTO users (email, name, role, unit_id, password_hash)
		SELECT ?, 'Uji Skala', ?, ?, password_hash FROM users WHERE email = 'auditor.bench@kalselprov.go.id'`, email, role, unit)
	var tok struct{ Token string }
	rec := w.request(http.MethodPost, "/api/v1/auth/token", "", `{"email":"`+email+`","password":"`+password+`"}`)
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tok) != nil {
		b.Fatalf("sign in: %d %s", rec.Code, rec.Body)
	}
	return tok.Token
}

// drain reads every row of a query.
func drain(rows pgx.Rows, err error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// listColumns are the columns the finding list reads.
const listColumns = `id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity, unit_id,
	application_id, indicator_codes, due_date, state, created_by, issued_at, submitted_by, submitted_at, closed_at,
	event_count, head_hash, version, created_at, updated_at, due_sort::text`

// BenchmarkListVsRaw measures the list of the biggest unit's overdue
// findings in progress, its first page and its last full page, beside the
// keyset query of the same page (the list's own SQL shape) through pgx.
func BenchmarkListVsRaw(b *testing.B) {
	w := newWorkflowBench(b)
	var unit int64
	w.db.Raw(`SELECT unit_id FROM findings WHERE state = 'in_progress' AND due_sort < ? GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`,
		findingtest.Today).Scan(&unit)
	path := fmt.Sprintf("/api/v1/findings?state=in_progress&unit_id=%d&overdue=true&limit=50", unit)
	var pages []string
	urls, sizes := w.listPages(b, path)
	for i, u := range urls {
		if sizes[i] == 50 {
			pages = append(pages, u)
		}
	}
	if len(pages) < 5 {
		b.Fatalf("the list has %d full pages; want a deep one", len(pages))
	}
	k := len(pages) - 1
	var after struct {
		Due string
		ID  int64
	}
	w.db.Raw(`SELECT due_sort::text AS due, id FROM findings WHERE unit_id = ? AND state = 'in_progress' AND due_sort < ?
		ORDER BY due_sort, id OFFSET ? LIMIT 1`, unit, findingtest.Today, k*50-1).Scan(&after)
	const q = `SELECT ` + listColumns + ` FROM findings WHERE unit_id = $1 AND state = 'in_progress' AND due_sort < $2`
	const order = ` ORDER BY findings.due_sort, findings.id LIMIT 51`
	today := findingtest.Today.String()
	w.vsRaw(b, "first", func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return drain(conn.Query(ctx, q+order, unit, today))
	}, func(c *benchClient) {
		mustCode(c.do(http.MethodGet, pages[0], w.auditor, ""), http.StatusOK, "list")
	})
	w.vsRaw(b, fmt.Sprintf("page%d", k+1), func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return drain(conn.Query(ctx, q+` AND (due_sort, id) > ($3::date, $4)`+order, unit, today, after.Due, after.ID))
	}, func(c *benchClient) {
		mustCode(c.do(http.MethodGet, pages[k], w.auditor, ""), http.StatusOK, "list")
	})

	// The whole list, unfiltered, at its middle page: the cursor the
	// service hands out after that many rows, made here rather than paged
	// to.
	var total int
	w.db.Raw(`SELECT count(*) FROM findings`).Scan(&total)
	middle := total / 50 / 2
	var mid finding.Cursor
	w.db.Raw(`SELECT due_sort::text AS due, id FROM findings ORDER BY due_sort, id OFFSET ? LIMIT 1`, middle*50-1).Row().Scan(&mid.Due, &mid.ID)
	key, err := postgres.Secret(context.Background(), w.db, "cursor_key")
	if err != nil {
		b.Fatal(err)
	}
	deep := "/api/v1/findings?limit=50&cursor=" + url.QueryEscape(api.EncodeCursor(key, "findings", mid))
	w.vsRaw(b, fmt.Sprintf("all_page%d", middle+1), func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return drain(conn.Query(ctx, `SELECT `+listColumns+` FROM findings WHERE (due_sort, id) > ($1::date, $2)`+order, mid.Due, mid.ID))
	}, func(c *benchClient) {
		mustCode(c.do(http.MethodGet, deep, w.auditor, ""), http.StatusOK, "list")
	})
}

// searchTerms are the text searches BenchmarkSearchVsRaw makes: the
// generator's words, from rare to common (a code is set at run time).
var searchTerms = []struct{ name, q string }{
	{"rare_word", "kriptografi"},            // about 1 finding in 100
	{"two_words", "sertifikat kedaluwarsa"}, // an application's issue, a few in 100
	{"common_word", "kebijakan"},            // about 1 in 10
	{"app_name", "Perizinan"},               // findings of one kind of application
	{"no_match", "kriptogarfi"},             // a typo: nothing found
}

// BenchmarkSearchVsRaw measures the text search of the finding list (q=,
// every finding, as an auditor) at its first page, for a code and for
// words from rare to common, beside the same search's SQL (the list's own
// query: every word a substring of code, title, condition or
// recommendation, ILIKE over the trigram-indexed expression) through pgx.
// Target (issue 17): p95 under 100 ms at 1,000,000 findings.
func BenchmarkSearchVsRaw(b *testing.B) {
	w := newWorkflowBench(b)
	var code string
	w.db.Raw(`SELECT code FROM findings ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 3 FROM findings)`).Scan(&code)
	terms := append([]struct{ name, q string }{{"code", code}}, searchTerms...)
	for _, t := range terms {
		where, args := finding.ListCondition(identity.Principal{Role: identity.RoleAuditor}, finding.Filter{Query: t.q}, findingtest.Today)
		q := postgres.Numbered(`SELECT ` + listColumns + ` FROM findings WHERE ` + where + ` ORDER BY findings.due_sort, findings.id LIMIT 51`)
		path := "/api/v1/findings?limit=50&q=" + url.QueryEscape(t.q)
		w.vsRaw(b, t.name, func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
			return drain(conn.Query(ctx, q, args...))
		}, func(c *benchClient) {
			mustCode(c.do(http.MethodGet, path, w.auditor, ""), http.StatusOK, "search")
		})
	}
}

// BenchmarkWritesVsRaw measures a transition (mark_not_actionable, then
// reopen, on findings in progress each client has to itself) and the
// creation of a draft finding, beside the least SQL that makes the same
// change: one statement that updates the finding, version-checked, and
// appends its event (or inserts the finding and its first event).
func BenchmarkWritesVsRaw(b *testing.B) {
	w := newWorkflowBench(b)
	n := benchClients()
	const perClient = 64
	var ids []int64
	w.db.Raw(`SELECT id FROM findings WHERE state = 'in_progress' ORDER BY id % 97, id LIMIT ?`, 2*n*perClient).Scan(&ids)
	if len(ids) < 2*n*perClient {
		b.Fatalf("%d findings in progress; want %d", len(ids), 2*n*perClient)
	}
	type target struct {
		id      int64
		version int
		state   string
	}
	split := func(ids []int64) [][]*target {
		out := make([][]*target, n)
		for i, id := range ids {
			t := &target{id: id, state: "in_progress"}
			w.db.Raw(`SELECT version FROM findings WHERE id = ?`, id).Scan(&t.version)
			out[i%n] = append(out[i%n], t)
		}
		return out
	}
	rawTargets, serviceTargets := split(ids[:n*perClient]), split(ids[n*perClient:])
	var actor int64
	w.db.Raw(`SELECT id FROM users WHERE email = 'auditor.bench@kalselprov.go.id'`).Scan(&actor)
	next := make([]int, n)
	pick := func(targets [][]*target, c *benchClient) *target {
		t := targets[c.id][next[c.id]%perClient]
		next[c.id]++
		return t
	}
	toggle := func(t *target) (verb, to string) {
		if t.state == "in_progress" {
			return "mark_not_actionable", "not_actionable"
		}
		return "reopen", "in_progress"
	}
	w.vsRaw(b, "transition", func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		t := pick(rawTargets, c)
		verb, to := toggle(t)
		hash := make([]byte, 32)
		rand.Read(hash)
		tag, err := conn.Exec(ctx, `WITH u AS (
				UPDATE findings SET state = $2, version = version + 1, event_count = event_count + 1, head_hash = $3, updated_at = now()
				WHERE id = $1 AND version = $4 RETURNING id, event_count, state)
			INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
			SELECT id, event_count, $5, $6, $7, state, '{"reason":"Aplikasi telah dihentikan"}', now(), $3, $3 FROM u`,
			t.id, to, hash, t.version, verb, actor, t.state)
		if err == nil && tag.RowsAffected() != 1 {
			err = fmt.Errorf("finding %d at version %d: not changed", t.id, t.version)
		}
		t.state, t.version = to, t.version+1
		return err
	}, func(c *benchClient) {
		t := pick(serviceTargets, c)
		verb, _ := toggle(t)
		t.state, t.version = w.move(c, t.id, verb, "Aplikasi telah dihentikan", t.version)
	})

	var reviews, units []int64
	w.db.Raw(`SELECT id FROM reviews ORDER BY id`).Scan(&reviews)
	w.db.Raw(`SELECT id FROM units ORDER BY id`).Scan(&units)
	var count atomic.Int64
	w.vsRaw(b, "create", func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		i := int(count.Add(1))
		hash := make([]byte, 32)
		rand.Read(hash)
		_, err := conn.Exec(ctx, `WITH f AS (
				INSERT INTO findings (code, review_id, title, condition, criteria, cause, effect, recommendation, severity,
					unit_id, indicator_codes, due_date, created_by, event_count, head_hash)
				VALUES ($1, $2, $3, 'Belum ada dokumen peta rencana manajemen risiko SPBE yang ditetapkan.',
					'Peraturan Menteri PANRB Nomor 5 Tahun 2020 tentang Pedoman Manajemen Risiko SPBE',
					'Belum ada tim manajemen risiko', 'Indikator 38 bernilai 1',
					'Menyusun dan menetapkan peta rencana manajemen risiko SPBE', 'high', $4, '{I38,I05}', '2025-12-31', $5, 1, $6)
				RETURNING id)
			INSERT INTO finding_events (finding_id, seq, kind, actor_id, to_state, data, created_at, hash)
			SELECT id, 1, 'created', $5, 'draft', '{}', now(), $6 FROM f`,
			fmt.Sprintf("TL-2097-%07d", i), reviews[i%len(reviews)], fmt.Sprintf("Peta rencana manajemen risiko SPBE belum ada (%d)", i),
			units[i%len(units)], actor, hash)
		return err
	}, func(c *benchClient) {
		i := int(count.Add(1))
		mustCode(c.do(http.MethodPost, "/api/v1/findings", w.auditor, createBody(reviews[i%len(reviews)], i, units[i%len(units)])),
			http.StatusCreated, "create")
	})
}
