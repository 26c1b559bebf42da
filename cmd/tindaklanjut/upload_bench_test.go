package main

// BenchmarkUpload measures evidence uploads end to end: the real binary
// runs serve (with its production GC settings) on a fresh test database and
// a data directory of its own, and the benchmark uploads 20 MiB PDFs to an
// action of an in-progress finding over HTTP, as the action's officer.
//
//   - single20MiB: one upload at a time. Reports the upload throughput
//     (MiB/s) beside a plain `cp` of the same 20 MiB file on the same disk
//     (cp-MiB/s) and a `cp` followed by an fsync of the copy
//     (cp+fsync-MiB/s: what the store does before it answers), each
//     measured after every upload, the ratios of-cp and of-cp+fsync, and
//     the CPU time the server spends per upload (server-cpu-ms/op).
//   - concurrent8x20MiB: eight uploads at once. Samples the server's VmRSS
//     every 10 ms, idle (at rest after a warm-up upload) and during the
//     uploads, and reports idle-rss-MiB, peak-rss-MiB and peak-above-idle-MiB
//     (target: under 64 MiB above idle); also hwm-above-idle-MiB, from the
//     kernel's own peak (VmHWM, reset through clear_refs before the
//     uploads), which no sample can miss; and rest-rss-MiB, at rest after
//     the last uploads (target: under 40 MiB).
//
// Every upload sends different bytes, so deduplication never spares the
// store a write. Run it alone (it sends about a gigabyte at -benchtime 5x):
//
//	go test -p 1 -run '^$' -bench Upload -benchtime 5x ./cmd/tindaklanjut/

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/server"
)

const benchDocSize = 20 << 20

const mib = 1 << 20

func BenchmarkUpload(b *testing.B) {
	if testing.Short() {
		b.Skip("builds and runs the binary; uploads gigabytes")
	}
	bin := buildServer(b)
	dataDir := b.TempDir()
	vars := artEnv(b, dbtest.URL(b), dataDir)
	srv := startBinServe(b, bin, vars)
	target := newUploadTarget(b, "http://"+srv.addr)
	b.Run("single20MiB", func(b *testing.B) { benchUploadSingle(b, target, dataDir, srv.pid()) })
	b.Run("concurrent8x20MiB", func(b *testing.B) { benchUploadConcurrent(b, target, srv.pid()) })
}

// uploadSeed makes every benchmark upload's content new.
var uploadSeed atomic.Uint64

// renew gives doc new content (a PDF still) and returns its hash.
func renew(doc []byte) string {
	// Byte 100 is inside the stream's filler, past the header.
	binary.LittleEndian.PutUint64(doc[100:], uploadSeed.Add(1))
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// benchUpload uploads doc and fails unless it was stored as sent.
func benchUpload(target uploadTarget, doc []byte, sum string) error {
	status, data, err := target.upload(context.Background(), "SK Gubernur Tim Manajemen Risiko SPBE.pdf",
		bytes.NewReader(doc), int64(len(doc)))
	if err != nil || status != 201 {
		return fmt.Errorf("upload: %d %v %s", status, err, data)
	}
	var a artifactDoc
	if err := json.Unmarshal(data, &a); err != nil || a.SHA256 != sum || a.Size != int64(len(doc)) {
		return fmt.Errorf("upload answered %s; want sha256 %s", data, sum)
	}
	return nil
}

func benchUploadSingle(b *testing.B, target uploadTarget, dataDir string, pid int) {
	doc := testPDF(benchDocSize, 100)
	src := filepath.Join(dataDir, "cp-src.pdf")
	if err := writeSynced(src, doc); err != nil {
		b.Fatal(err)
	}
	defer os.Remove(src)
	var upload, cp, cpSync, cpu time.Duration
	b.SetBytes(benchDocSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		sum := renew(doc)
		cpu0, cpuErr := procCPU(pid)
		b.StartTimer()
		start := time.Now()
		err := benchUpload(target, doc, sum)
		upload += time.Since(start)
		b.StopTimer()
		if cpu1, err := procCPU(pid); err == nil && cpuErr == nil {
			cpu += cpu1 - cpu0
		}
		if err != nil {
			b.Fatal(err)
		}
		// A plain copy of the same file on the same disk, now, under the
		// same load: as it is, and made durable.
		d, err := timeCopy(src, filepath.Join(dataDir, "cp-dst.pdf"), false)
		if err != nil {
			b.Fatal(err)
		}
		cp += d
		if d, err = timeCopy(src, filepath.Join(dataDir, "cp-dst.pdf"), true); err != nil {
			b.Fatal(err)
		}
		cpSync += d
		b.StartTimer()
	}
	b.StopTimer()
	total := float64(b.N) * benchDocSize / mib
	rate := func(d time.Duration) float64 { return total / d.Seconds() }
	b.ReportMetric(rate(upload), "MiB/s")
	b.ReportMetric(rate(cp), "cp-MiB/s")
	b.ReportMetric(rate(cpSync), "cp+fsync-MiB/s")
	b.ReportMetric(rate(upload)/rate(cp), "of-cp")
	b.ReportMetric(rate(upload)/rate(cpSync), "of-cp+fsync")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "server-cpu-ms/op")
}

// procCPU reads the CPU time (user and system) a process has used so far,
// at the kernel's clock-tick resolution (USER_HZ, 100 on Linux).
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name, which is in parentheses, start
	// with the state (field 3); utime and stime are fields 14 and 15.
	i := bytes.LastIndexByte(data, ')')
	fields := strings.Fields(string(data[i+1:]))
	if i < 0 || len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, data)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, data)
	}
	return time.Duration(utime+stime) * (time.Second / 100), nil
}

// writeSynced writes a file and makes it durable, so that its writeback
// does not fall into a measurement.
func writeSynced(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timeCopy times `cp src dst`, and with fsync an fsync of dst after it;
// dst is removed afterwards.
func timeCopy(src, dst string, fsync bool) (time.Duration, error) {
	defer os.Remove(dst)
	start := time.Now()
	if out, err := exec.Command("cp", src, dst).CombinedOutput(); err != nil {
		return 0, fmt.Errorf("cp: %v %s", err, out)
	}
	if fsync {
		f, err := os.Open(dst)
		if err != nil {
			return 0, err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

func benchUploadConcurrent(b *testing.B, target uploadTarget, pid int) {
	const n = 8
	docs := make([][]byte, n)
	for i := range docs {
		docs[i] = testPDF(benchDocSize, uint64(200+i))
	}
	// Warm up: the server's first upload of this size, then a rest.
	if err := benchUpload(target, docs[0], renew(docs[0])); err != nil {
		b.Fatal(err)
	}
	idle := restingRSS(b, pid)
	// The kernel's peak, from now on (Linux 4.0 and later).
	hwmReset := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0) == nil

	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			if rss, _, err := procMemory(pid); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	var upload time.Duration
	sums := make([]string, n)
	errs := make([]error, n)
	b.SetBytes(n * benchDocSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j, doc := range docs {
			sums[j] = renew(doc)
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		for j := range docs {
			wg.Go(func() { errs[j] = benchUpload(target, docs[j], sums[j]) })
		}
		wg.Wait()
		upload += time.Since(start)
		b.StopTimer()
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	b.StopTimer()
	close(stop)
	<-sampled
	_, hwm, err := procMemory(pid)
	if err != nil {
		b.Fatal(err)
	}
	rest := restingRSS(b, pid)

	b.ReportMetric(float64(b.N)*n*benchDocSize/mib/upload.Seconds(), "MiB/s")
	b.ReportMetric(float64(idle)/mib, "idle-rss-MiB")
	b.ReportMetric(float64(rest)/mib, "rest-rss-MiB")
	b.ReportMetric(float64(peak.Load())/mib, "peak-rss-MiB")
	above := float64(peak.Load()-idle) / mib
	b.ReportMetric(above, "peak-above-idle-MiB")
	if hwmReset {
		b.ReportMetric(float64(hwm-idle)/mib, "hwm-above-idle-MiB")
		above = max(above, float64(hwm-idle)/mib)
	}
	if above >= 64 {
		b.Logf("server memory rose %.1f MiB above idle (%.1f MiB) during %d concurrent uploads: over the 64 MiB target",
			above, float64(idle)/mib, n)
	}
}

// restingRSS waits for the server to come to rest, as a server between
// bursts does (long enough for its idle release, server.IdleRelease, to
// run), and returns the median of 50 samples of its resident set size.
func restingRSS(b *testing.B, pid int) int64 {
	b.Helper()
	time.Sleep(2*server.IdleRelease + time.Second)
	var samples []int64
	for range 50 {
		rss, _, err := procMemory(pid)
		if err != nil {
			b.Fatal(err)
		}
		samples = append(samples, rss)
		time.Sleep(10 * time.Millisecond)
	}
	slices.Sort(samples)
	return samples[len(samples)/2]
}

// procMemory reads a process's resident set size and its peak (VmRSS and
// VmHWM), in bytes.
func procMemory(pid int) (rss, hwm int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %q", k, v)
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("no VmRSS in /proc/%d/status", pid)
	}
	return rss, hwm, sc.Err()
}
