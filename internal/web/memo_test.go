package web

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoComputesOnceAndExpires(t *testing.T) {
	m := newMemo[int](50*time.Millisecond, 50*time.Millisecond)
	var calls atomic.Int32
	slow := func() (int, error) {
		calls.Add(1)
		time.Sleep(20 * time.Millisecond)
		return 7, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if v, _, err := m.get("all", slow); v != 7 || err != nil {
				t.Errorf("get = %d, %v", v, err)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("8 concurrent callers computed %d times; want once", n)
	}
	m.get("unit:1", slow)
	if n := calls.Load(); n != 2 {
		t.Errorf("another key: %d computations; want 2", n)
	}
	time.Sleep(60 * time.Millisecond)
	m.get("all", slow)
	if n := calls.Load(); n != 3 {
		t.Errorf("after the time to live: %d computations; want 3", n)
	}
	if n := len(m.entries); n != 1 {
		t.Errorf("%d entries kept; want the live one only (unit:1 expired)", n)
	}
	boom := errors.New("boom")
	if _, _, err := m.get("err", func() (int, error) { return 0, boom }); err != boom {
		t.Errorf("error: %v", err)
	}
	if v, _, err := m.get("err", slow); err != nil || v != 7 {
		t.Errorf("an error is kept: %d, %v", v, err)
	}
}

// TestMemoServesStaleWhileRecomputing: past its time to live a value is
// still served at once while one background computation replaces it;
// a failed recomputation keeps the old value, and past the staleness
// limit callers wait for a new one.
func TestMemoServesStaleWhileRecomputing(t *testing.T) {
	m := newMemo[int](30*time.Millisecond, 300*time.Millisecond)
	var calls atomic.Int32
	// Each computation returns the next value sent here, when it is sent.
	results := make(chan int)
	next := func() (int, error) {
		calls.Add(1)
		return <-results, nil
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Second); !ok(); time.Sleep(2 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("never: %s", what)
			}
		}
	}
	go func() { results <- 1 }()
	if v, _, _ := m.get("all", next); v != 1 {
		t.Fatalf("first value %d", v)
	}
	time.Sleep(40 * time.Millisecond)
	// The recomputation blocks: every caller gets the stale value at once,
	// and only one computation starts.
	for range 5 {
		start := time.Now()
		if v, _, err := m.get("all", next); v != 1 || err != nil {
			t.Errorf("stale get = %d, %v", v, err)
		}
		if d := time.Since(start); d > 20*time.Millisecond {
			t.Errorf("a stale value took %v", d)
		}
	}
	waitFor("the background computation starts", func() bool { return calls.Load() == 2 })
	results <- 2
	waitFor("the new value replaces the stale one", func() bool { v, _, _ := m.get("all", next); return v == 2 })
	if c := calls.Load(); c != 2 {
		t.Errorf("%d computations; want the first and one background", c)
	}

	// A failing recomputation keeps the stale value and is tried again.
	var failures atomic.Int32
	failing := func() (int, error) { failures.Add(1); return 0, errors.New("boom") }
	time.Sleep(40 * time.Millisecond)
	if v, _, err := m.get("all", failing); v != 2 || err != nil {
		t.Errorf("stale get with a failing refresh = %d, %v", v, err)
	}
	waitFor("the refresh fails", func() bool { return failures.Load() == 1 })
	waitFor("the next request tries again, still served the stale value", func() bool {
		v, _, err := m.get("all", failing)
		return v == 2 && err == nil && failures.Load() >= 2
	})

	// Past the staleness limit the caller waits for a new value.
	time.Sleep(300 * time.Millisecond)
	go func() { results <- 3 }()
	if v, _, _ := m.get("all", next); v != 3 {
		t.Errorf("past the staleness limit got %d; want a new value 3", v)
	}
}
