package framework_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// BenchmarkIndexWithCarryOver computes a pemdi-2026 assessment's index now
// and projected on the generated data set (findingtest.BenchSize: 100,000
// findings, or TL_BENCH_FINDINGS, naming spbe-2020 indicators, which reach
// the Pemdi indicators through the shipped mapping), from 8 concurrent
// clients (or TL_BENCH_CLIENTS), and reports the latency percentiles of
// one Index call (its snapshot transaction, the assessment and model
// reads, the carry-over counts, the arithmetic). Beside it, raw runs the
// same reads through pgx in one read-only snapshot transaction (the
// assessment, its milestones and scores, the carry-over counts), from as
// many clients in the same run; the service reports its ratios to it
// (of-raw: calls per second over raw transactions per second; p95-of-raw).
// Target (issue 13, and 17 at 1,000,000 findings): p95 under 50 ms.
//
//	TEST_DATABASE_URL=… TL_BENCH_FINDINGS=1000000 TL_BENCH_CLIENTS=32 go test -p 1 -run '^$' \
//	    -bench IndexWithCarryOver -benchtime 3s ./internal/framework/
func BenchmarkIndexWithCarryOver(b *testing.B) {
	if testing.Short() {
		b.Skip("generates 100,000 findings")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, findingtest.URL(b, findingtest.BenchSize()), postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { postgres.Close(db) })
	var auditor identity.Principal
	db.Raw(`SELECT id AS user_id, role, unit_id FROM users WHERE role = 'auditor' AND active ORDER BY id LIMIT 1`).Scan(&auditor)
	as := framework.NewAssessments(db, time.Now)
	a, err := as.Create(ctx, auditor, framework.AssessmentInput{Year: 2026, Name: "Evaluasi Pemdi Uji Beban", FrameworkCode: "pemdi-2026"})
	if err != nil {
		b.Fatal(err)
	}
	for i := 1; i <= 20; i++ {
		if _, err := as.PutScore(ctx, auditor, a.ID, fmt.Sprintf("P%02d", i), fmt.Sprintf("%d.%02d", 1+i%4, i*3), "4.50"); err != nil {
			b.Fatal(err)
		}
	}
	rep, err := as.Index(ctx, auditor, a.ID)
	if err != nil {
		b.Fatal(err)
	}
	carried := 0
	codes := make([]string, 0, len(rep.Indicators))
	for _, ind := range rep.Indicators {
		carried += ind.ActiveFindings
		codes = append(codes, ind.Code)
	}
	if carried == 0 || rep.Projected.Index <= rep.Current.Index {
		b.Fatalf("no carried-over findings on the data set: %+v", rep.Current)
	}

	var raw struct {
		rate float64
		p95  time.Duration
	}
	b.Run("raw", func(b *testing.B) {
		raw.rate, raw.p95 = indexClients(b, func() error {
			return postgres.WithConn(ctx, db, func(c *pgx.Conn) error {
				return pgx.BeginTxFunc(ctx, c, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
					for _, q := range []struct {
						sql string
						arg any
					}{
						{`SELECT a.id, a.year, a.name, f.code, f.scoring, a.version, a.created_at, a.updated_at
							FROM assessments a JOIN frameworks f ON f.id = a.framework_id WHERE a.id = $1`, a.ID},
						{`SELECT assessment_id, id, name, on_date FROM assessment_milestones WHERE assessment_id = $1 ORDER BY on_date, id`, a.ID},
						{`SELECT indicator_code, level, target_level, updated_at FROM assessment_scores WHERE assessment_id = $1`, a.ID},
						{`SELECT indicator_code, sum(active)::int FROM finding_indicator_counts
							WHERE indicator_code = ANY ($1::text[]) GROUP BY indicator_code HAVING sum(active) > 0`, codes},
					} {
						rows, err := tx.Query(ctx, q.sql, q.arg)
						if err != nil {
							return err
						}
						rows.Close()
						if err := rows.Err(); err != nil {
							return err
						}
					}
					return nil
				})
			})
		})
	})
	b.Run("service", func(b *testing.B) {
		rate, p95 := indexClients(b, func() error {
			_, err := as.Index(ctx, auditor, a.ID)
			return err
		})
		if raw.rate > 0 {
			b.ReportMetric(rate/raw.rate, "of-raw")
			b.ReportMetric(float64(p95)/float64(raw.p95), "p95-of-raw")
		}
		b.ReportMetric(float64(carried), "counted-findings")
	})
}

// indexClients runs op b.N times from findingtest.BenchClients() clients,
// reports the latency percentiles and returns the rate and the p95.
func indexClients(b *testing.B, op func() error) (float64, time.Duration) {
	clients := findingtest.BenchClients()
	var mu sync.Mutex
	var lat []time.Duration
	var n atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for n.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if err := op(); err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	findingtest.ReportLatency(b, lat)
	slices.Sort(lat)
	rate := float64(len(lat)) / elapsed.Seconds()
	b.ReportMetric(rate, "calls/s")
	if len(lat) == 0 {
		return rate, 0
	}
	return rate, lat[min(len(lat)-1, len(lat)*95/100)]
}
