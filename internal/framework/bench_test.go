package framework_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// BenchmarkIndexWithCarryOver computes a pemdi-2026 assessment's index now
// and projected on the full generated data set (findingtest.Full: 100,000
// findings naming spbe-2020 indicators, which reach the Pemdi indicators
// through the shipped mapping), from 8 concurrent clients, and reports the
// latency percentiles of one Index call (its snapshot transaction, the
// assessment and model reads, the carry-over counts, the arithmetic).
// Target (issue 13): p95 under 50 ms.
//
//	go test -p 1 -run '^$' -bench IndexWithCarryOver -benchtime 3s ./internal/framework/
func BenchmarkIndexWithCarryOver(b *testing.B) {
	if testing.Short() {
		b.Skip("generates 100,000 findings")
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, findingtest.URL(b, findingtest.Full), postgres.Options{})
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
	for _, ind := range rep.Indicators {
		carried += ind.ActiveFindings
	}
	if carried == 0 || rep.Projected.Index <= rep.Current.Index {
		b.Fatalf("no carried-over findings on the data set: %+v", rep.Current)
	}

	const clients = 8
	var mu sync.Mutex
	var lat []time.Duration
	b.ResetTimer()
	var wg sync.WaitGroup
	var next sync.Mutex
	n := 0
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for {
				next.Lock()
				if n >= b.N {
					next.Unlock()
					break
				}
				n++
				next.Unlock()
				t0 := time.Now()
				if _, err := as.Index(ctx, auditor, a.ID); err != nil {
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
	b.StopTimer()
	findingtest.ReportLatency(b, lat)
	b.ReportMetric(float64(carried), "counted-findings")
}
