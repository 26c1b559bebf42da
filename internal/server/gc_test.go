package server

import (
	"context"
	"runtime/metrics"
	"sync/atomic"
	"testing"
	"time"
)

// heapKept is the heap memory the process holds from the operating system
// without using it: free spans not yet returned.
func heapKept() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

var sink []byte

// TestReleaseWhenIdleReturnsABurstsMemory allocates 64 MiB in the way a
// sign-in or an upload burst does, drops it, and waits: once the process
// rests, ReleaseWhenIdle returns the free memory, where the runtime alone
// would keep it until its forced collection, two minutes on.
func TestReleaseWhenIdleReturnsABurstsMemory(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	released := make(chan struct{}, 16)
	go ReleaseWhenIdle(ctx, 100*time.Millisecond, func() { released <- struct{}{} })
	for range 4 {
		sink = make([]byte, 16<<20)
		for i := range sink {
			sink[i] = byte(i)
		}
	}
	sink = nil
	select {
	case <-released:
	case <-time.After(20 * time.Second):
		t.Fatal("no release within 20 s of a 64 MiB burst")
	}
	if kept := heapKept(); kept > 8<<20 {
		t.Fatalf("the heap still keeps %d MiB free after the release", kept>>20)
	}
}

// TestReleaseWhenIdleNotUnderLoad: while the process allocates, every
// period sees it and nothing is collected out of turn.
func TestReleaseWhenIdleNotUnderLoad(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var releases atomic.Int32
	go ReleaseWhenIdle(ctx, 250*time.Millisecond, func() { releases.Add(1) })
	for deadline := time.Now().Add(1500 * time.Millisecond); time.Now().Before(deadline); {
		sink = make([]byte, 64<<10)
	}
	sink = nil
	if n := releases.Load(); n != 0 {
		t.Fatalf("released %d times while the process was allocating", n)
	}
	cancel()
}
