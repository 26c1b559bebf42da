package web

import (
	"sync"
	"time"
)

// dashboardFreshness is how long the dashboard's counts and index are
// reused. Counting every finding for each page view is what made the
// dashboard take seconds on 100,000 findings; a figure half a minute old
// is fine on a dashboard (the page says when it was counted), and the
// finding pages themselves are always live.
const dashboardFreshness = 30 * time.Second

// dashboardStaleness is how long past its freshness a figure may still be
// shown while a new one is counted in the background, so that only the
// first visitor of a scope in a while waits for the count.
const dashboardStaleness = 5 * time.Minute

// memo keeps computed values for a while, per key, and computes each once
// even when many requests ask for it at the same moment: the others wait
// for the first. A value older than ttl but younger than stale is
// returned at once while one caller's request starts its recomputation in
// the background (stale-while-revalidate). Errors are not kept.
type memo[T any] struct {
	ttl, stale time.Duration
	mu         sync.Mutex
	entries    map[string]*memoEntry[T]
}

type memoEntry[T any] struct {
	done chan struct{}
	val  T
	err  error
	at   time.Time
	// refreshing is set while a background recomputation runs (guarded
	// by the memo's mutex).
	refreshing bool
}

func newMemo[T any](ttl, stale time.Duration) *memo[T] {
	return &memo[T]{ttl: ttl, stale: max(stale, ttl), entries: map[string]*memoEntry[T]{}}
}

// get returns the value of key, with when it was computed: a fresh one,
// a stale one while it is recomputed, or one computed now.
func (m *memo[T]) get(key string, compute func() (T, error)) (T, time.Time, error) {
	m.mu.Lock()
	if e, ok := m.entries[key]; ok {
		select {
		case <-e.done:
			age := time.Since(e.at)
			if e.err == nil && age < m.ttl {
				m.mu.Unlock()
				return e.val, e.at, nil
			}
			if e.err == nil && age < m.stale {
				if !e.refreshing {
					e.refreshing = true
					go m.refresh(key, e, compute)
				}
				m.mu.Unlock()
				return e.val, e.at, nil
			}
		default:
			m.mu.Unlock()
			<-e.done
			return e.val, e.at, e.err
		}
	}
	// Keys carry the day: drop what is too old to show, so that the map
	// holds the live scopes only.
	for k, old := range m.entries {
		select {
		case <-old.done:
			if time.Since(old.at) >= m.stale {
				delete(m.entries, k)
			}
		default:
		}
	}
	e := &memoEntry[T]{done: make(chan struct{})}
	m.entries[key] = e
	m.mu.Unlock()
	e.val, e.err = compute()
	e.at = time.Now()
	close(e.done)
	return e.val, e.at, e.err
}

// refresh recomputes the stale entry old of key and puts the new value in
// its place; after an error the stale value stays, and the next request
// tries again.
func (m *memo[T]) refresh(key string, old *memoEntry[T], compute func() (T, error)) {
	val, err := compute()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		old.refreshing = false
		return
	}
	done := make(chan struct{})
	close(done)
	if cur, ok := m.entries[key]; !ok || cur == old {
		m.entries[key] = &memoEntry[T]{done: done, val: val, at: time.Now()}
	}
}
