package findingtest

import (
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// ReportLatency reports the 50th, 95th and 99th percentiles and the
// maximum of the latencies a benchmark on the data set measured, in
// milliseconds.
func ReportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(q float64) float64 {
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.95), "p95-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}

// BenchClients is how many concurrent clients the load benchmarks run:
// TL_BENCH_CLIENTS, 8 when unset.
func BenchClients() int {
	if n, err := strconv.Atoi(os.Getenv("TL_BENCH_CLIENTS")); err == nil && n > 0 {
		return n
	}
	return 8
}

// BenchSize is the data set of the load benchmarks: Full, or with
// TL_BENCH_FINDINGS set (such as 1000000) as many findings with actions,
// events and units in Full's proportions (units as a province's 60 grow
// to the nation's 615).
func BenchSize() Size {
	n, err := strconv.Atoi(os.Getenv("TL_BENCH_FINDINGS"))
	if err != nil || n <= 0 || n == Full.Findings {
		return Full
	}
	s := Full
	s.Findings, s.Actions, s.Events = n, n*Full.Actions/Full.Findings, n*Full.Events/Full.Findings
	s.Units = min(615, max(Full.Units, n*Full.Units/Full.Findings))
	return s
}
