package identity

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
)

// TestConcurrentSignInsShareTheCores checks 16 password checks at once
// against the heap: each argon2id computation holds 19 MiB, and with no
// bound 16 at once would hold 304 MiB. Only as many as there are cores run
// together, so the heap's live objects stay within a core's share more.
func TestConcurrentSignInsShareTheCores(t *testing.T) {
	hash, err := HashPassword("rahasia-sekali-2026")
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()

	var peak uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if ok, err := CheckPassword(hash, "rahasia-sekali-2026"); !ok || err != nil {
				t.Errorf("CheckPassword = %v, %v", ok, err)
			}
		})
	}
	wg.Wait()
	close(done)
	<-sampled
	// Live objects include garbage not yet collected: a finished hash's
	// 19 MiB counts until the next collection. Allow the cores' share twice
	// over; unbounded, 16 at once pass it.
	limit := uint64(2*(runtime.GOMAXPROCS(0)+1)) * argonMemory << 10
	if grown := peak - base; grown > limit {
		t.Fatalf("the heap grew %d MiB during 16 concurrent checks; want at most %d MiB", grown>>20, limit>>20)
	}
}
