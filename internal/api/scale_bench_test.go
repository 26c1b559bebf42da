package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"sync"
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
	w.versus(b, name, []baseline{{name: "raw", run: raw}}, service)
}

// baseline is raw SQL over pgx that the service is compared with; the
// service's sub-benchmark reports its ratio to it as of-<name> (requests
// per second over queries per second) and p99-of-<name>.
type baseline struct {
	name string
	run  func(ctx context.Context, conn *pgx.Conn, c *benchClient) error
	// pre, if set, runs first, without a connection: work the service
	// too does before it takes one.
	pre func(c *benchClient) error
}

// versus runs the baselines' sub-benchmarks, then the service's.
func (w *workflowBench) versus(b *testing.B, name string, baselines []baseline, service func(c *benchClient)) {
	base := make([]rawResult, len(baselines))
	ctx := context.Background()
	for i, raw := range baselines {
		b.Run(name+"/"+raw.name, func(b *testing.B) {
			var lat []time.Duration
			var mu sync.Mutex
			base[i].rate = w.clients(b, func(c *benchClient) {
				t0 := time.Now()
				if raw.pre != nil {
					if err := raw.pre(c); err != nil {
						panic(err)
					}
				}
				if err := postgres.WithConn(ctx, w.db, func(conn *pgx.Conn) error { return raw.run(ctx, conn, c) }); err != nil {
					panic(err)
				}
				d := time.Since(t0)
				c.lat = append(c.lat, d)
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			})
			base[i].p99 = p99(lat)
		})
	}
	b.Run(name+"/service", func(b *testing.B) {
		var lat []time.Duration
		var mu sync.Mutex
		rate := w.clients(b, func(c *benchClient) {
			service(c)
			mu.Lock()
			lat = append(lat, c.lat[len(c.lat)-1])
			mu.Unlock()
		})
		for i, raw := range baselines {
			if base[i].rate > 0 {
				b.ReportMetric(rate/base[i].rate, "of-"+raw.name)
				b.ReportMetric(float64(p99(lat))/float64(base[i].p99), "p99-of-"+raw.name)
			}
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
			due_lt0, due_lt8, due_lt31 FROM finding_counts WHERE grp = '' AND unit_id >= 0 OR unit_id < 0`))
	}, func(c *benchClient) {
		mustCode(c.do(http.MethodGet, "/api/v1/reports/summary", w.auditor, ""), http.StatusOK, "summary")
	})
	w.vsRaw(b, "unit", func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return drain(conn.Query(ctx, `SELECT unit_id, grp, draft, open, in_progress, submitted, closed, not_actionable,
			due_lt0, due_lt8, due_lt31 FROM finding_counts WHERE unit_id = $1`, big))
	}, func(c *benchClient) {
		mustCode(c.do(http.MethodGet, "/api/v1/reports/summary", manager, ""), http.StatusOK, "summary")
	})
	// The auditor's reads while findings change: one writer makes a
	// transition every 1/TL_BENCH_WRITE_RATE s (20 when unset; 0: as fast
	// as it can), each of which the next read must count, so that reads
	// after it read the counts again (package kept).
	rate, _ := strconv.Atoi(os.Getenv("TL_BENCH_WRITE_RATE"))
	if os.Getenv("TL_BENCH_WRITE_RATE") == "" {
		rate = 20
	}
	var targets []struct {
		ID      int64
		Version int
		State   string
	}
	w.db.Raw(`SELECT id, version, state FROM findings WHERE state = 'in_progress' ORDER BY id LIMIT 5000`).Scan(&targets)
	b.Run("all/while_writing", func(b *testing.B) {
		stop, done := make(chan struct{}), make(chan int)
		go func() {
			c := &benchClient{w: w}
			always := make(chan time.Time)
			close(always)
			tick := (<-chan time.Time)(always)
			if rate > 0 {
				t := time.NewTicker(time.Second / time.Duration(rate))
				defer t.Stop()
				tick = t.C
			}
			n := 0
			for {
				select {
				case <-stop:
					done <- n
					return
				case <-tick:
				}
				t := &targets[n%len(targets)]
				verb, reason := "mark_not_actionable", "Aplikasi telah dihentikan"
				if t.State != "in_progress" {
					verb, reason = "reopen", "Temuan berulang pada pemeriksaan berikutnya"
				}
				t.State, t.Version = w.move(c, t.ID, verb, reason, t.Version)
				n++
			}
		}()
		t0 := time.Now()
		w.clients(b, func(c *benchClient) {
			mustCode(c.do(http.MethodGet, "/api/v1/reports/summary", w.auditor, ""), http.StatusOK, "summary")
		})
		close(stop)
		b.ReportMetric(float64(<-done)/time.Since(t0).Seconds(), "writes/s")
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
// recommendation, a LIKE over their lowercased, trigram-indexed copy) through pgx.
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
