package importer

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkImportXLSX10k previews and commits a 10,000-row XLSX register
// and reports the commit's time and the most heap in use above what was
// in use before (peak-extra-MiB), sampled every millisecond, and the
// bytes allocated (alloc-MiB). Run it once:
//
//	go test -run '^$' -bench ImportXLSX10k -benchtime 1x ./internal/importer/
func BenchmarkImportXLSX10k(b *testing.B) {
	rows := make([][]any, 10_000)
	for i := range rows {
		rows[i] = []any{fmt.Sprint(i + 1), fmt.Sprintf("Temuan %d: kebijakan tata kelola belum ditetapkan", i+1),
			"Kebijakan internal belum ditetapkan oleh kepala daerah; rapat koordinasi belum dilaksanakan.", "Permen PANRB 59/2020",
			"Belum ada tim", "Layanan terganggu", fmt.Sprintf("Menetapkan kebijakan %d", i+1), "tinggi", "DISKOMINFO",
			fmt.Sprintf("I%02d", 1+i%47), "", time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC), "open", "catatan"}
	}
	data := xlsxOf(b, registerHeaders, rows)
	b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		e := newEnv(b)
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		var peak atomic.Uint64
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			var m runtime.MemStats
			for {
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		b.StartTimer()
		start := time.Now()
		res, err := e.svc.Import(context.Background(), e.auditor, Request{ReviewID: e.review, File: File{Name: "r.xlsx", Data: data}, Commit: true})
		took := time.Since(start)
		b.StopTimer()
		close(stop)
		<-done
		var end runtime.MemStats
		runtime.ReadMemStats(&end)
		if err != nil || res.New != 10_000 {
			b.Fatalf("%v %+v", err, res.Problems[:min(3, len(res.Problems))])
		}
		b.ReportMetric(took.Seconds(), "commit-s")
		b.ReportMetric(float64(peak.Load()-min(peak.Load(), base.HeapInuse))/(1<<20), "peak-extra-MiB")
		b.ReportMetric(float64(end.TotalAlloc-base.TotalAlloc)/(1<<20), "alloc-MiB")
		b.StartTimer()
	}
}
