package findingtest_test

import (
	"runtime"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
)

// BenchmarkBenchSize builds (or reuses) the cached data set of the load
// benchmarks, findingtest.BenchSize(), and checks that it holds the rows
// asked for. Run it once to build a big set ahead of the benchmarks that
// use it, with the memory the generation took:
//
//	TEST_DATABASE_URL=… TL_BENCH_FINDINGS=1000000 go test -run '^$' \
//	    -bench BenchSize -benchtime 1x ./internal/finding/findingtest/
func BenchmarkBenchSize(b *testing.B) {
	size := findingtest.BenchSize()
	for b.Loop() {
		db := findingtest.DB(b, size)
		var got struct{ Findings, Actions, Events int }
		db.Raw(`SELECT (SELECT count(*) FROM findings) AS findings, (SELECT count(*) FROM actions) AS actions,
			(SELECT count(*) FROM finding_events) AS events`).Scan(&got)
		if got.Findings != size.Findings || got.Actions != size.Actions || got.Events != size.Events {
			b.Fatalf("generated %+v; want %+v", got, size)
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	b.ReportMetric(float64(m.Sys)/(1<<20), "sys-MiB")
}
