package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"
)

// BenchmarkMe measures token authentication plus GET /api/v1/me, server side,
// with 8 concurrent clients: go test -bench Me -benchmem ./internal/api/
func BenchmarkMe(b *testing.B) {
	f := newFixture(b)
	benchGet(b, f, "/api/v1/me", f.tokens["manager"])
}

// BenchmarkUserList measures a page of 50 users (of 1,000) for an admin.
func BenchmarkUserList(b *testing.B) {
	f := newFixture(b)
	f.db.Exec(`INSERT INTO users (email, name, role, unit_id, password_hash)
		SELECT 'pegawai' || g || '@kalselprov.go.id', 'Pegawai ' || g, 'officer', ?, 'x' FROM generate_series(1, 1000) g`, f.unitA.ID)
	f.db.Exec("ANALYZE users")
	var page struct {
		NextCursor *string `json:"next_cursor"`
	}
	f.do("GET", "/api/v1/users?limit=50", f.tokens["admin"], "", &page)
	b.Run("first", func(b *testing.B) { benchGet(b, f, "/api/v1/users?limit=50", f.tokens["admin"]) })
	b.Run("second", func(b *testing.B) {
		benchGet(b, f, "/api/v1/users?limit=50&cursor="+*page.NextCursor, f.tokens["admin"])
	})
}

func benchGet(b *testing.B, f *fixture, path, token string) {
	b.Helper()
	parallel(b, func() {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		f.handler.ServeHTTP(rec, req)
		if rec.Code != 200 {
			panic(fmt.Sprintf("%s: %d %s", path, rec.Code, rec.Body))
		}
	})
}

// parallel runs request from 8 concurrent clients, whatever GOMAXPROCS is,
// and reports requests per second beside the time and allocations.
func parallel(b *testing.B, request func()) {
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			request()
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkMeHTTP is the same round trip over real loopback HTTP with
// keep-alive connections, client and server sharing the machine.
func BenchmarkMeHTTP(b *testing.B) {
	f := newFixture(b)
	srv := httptest.NewServer(f.handler)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	token := f.tokens["manager"]
	parallel(b, func() {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			panic(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			panic(resp.Status)
		}
	})
}
