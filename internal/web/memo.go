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

// memo keeps computed values for a while, per key, and computes each once
// even when many requests ask for it at the same moment: the others wait
// for the first. Errors are not kept.
type memo[T any] struct {
	ttl     time.Duration
	mu      sync.Mutex
	entries map[string]*memoEntry[T]
}

type memoEntry[T any] struct {
	done chan struct{}
	val  T
	err  error
	at   time.Time
}

func newMemo[T any](ttl time.Duration) *memo[T] {
	return &memo[T]{ttl: ttl, entries: map[string]*memoEntry[T]{}}
}

// get returns the value of key computed less than ttl ago, or computes it,
// with when it was computed.
func (m *memo[T]) get(key string, compute func() (T, error)) (T, time.Time, error) {
	m.mu.Lock()
	if e, ok := m.entries[key]; ok {
		select {
		case <-e.done:
			if e.err == nil && time.Since(e.at) < m.ttl {
				m.mu.Unlock()
				return e.val, e.at, nil
			}
		default:
			m.mu.Unlock()
			<-e.done
			return e.val, e.at, e.err
		}
	}
	// Keys carry the day: drop what has expired, so that the map holds
	// the live scopes only.
	for k, old := range m.entries {
		select {
		case <-old.done:
			if time.Since(old.at) >= m.ttl {
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
