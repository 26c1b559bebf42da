package web

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestMemoComputesOnceAndExpires(t *testing.T) {
	m := newMemo[int](50 * time.Millisecond)
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
