// Package kept keeps answers read from the database with the version of
// what they were read from, and gives them again while that version is
// unchanged: a read then costs one small query instead of the answer's.
//
// The version is the row of counters of migration 00019 (kept_versions):
// every transaction that changes the kept counts of findings, a unit, an
// evaluation model, a mapping, an assessment or its scores raises one of
// them, in the same transaction. Two snapshots that read the same counters
// see the same committed data there, so an answer kept with the counters
// it was read with is exactly what reading it again would give, for as
// long as the counters read now are the same: right after any change, by
// any writer in any process, the next read reads afresh.
package kept

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// versionsQuery reads the counters, in stripe order, then the start of
// the server (in microseconds since 1970). Counters alone name the data
// on one server's history: after a failover that lost commits (replication
// was asynchronous at the time) the new primary can count to the same
// numbers through other changes. It is another server, started at another
// time, so the answers kept before are read again; a restart is the same.
// (A server whose postmaster outlives a crashed backend keeps its start
// time; it loses no acknowledged commit unless synchronous_commit is off.)
const versionsQuery = `SELECT array_agg(version ORDER BY stripe)
	|| floor(extract(epoch FROM pg_postmaster_start_time()) * 1e6)::bigint FROM kept_versions`

// Versions reads the counters on q (a connection or a transaction).
func Versions(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) ([]int64, error) {
	var v []int64
	err := q.QueryRow(ctx, versionsQuery).Scan(&v)
	return v, err
}

// VersionsOf reads the counters in tx, a gorm transaction.
func VersionsOf(tx *gorm.DB) ([]int64, error) {
	var v postgres.Array[int64]
	err := tx.Raw(versionsQuery).Row().Scan(&v)
	return v, err
}

// Memo keeps the last answer for each key with the counters it was read
// with. The zero Memo keeps up to 1,024 answers; beyond Max, a new key
// replaces one at random. Answers are shared: callers must not change
// them.
type Memo[K comparable, V any] struct {
	Max int

	mu      sync.Mutex
	entries map[K]entry[V]
	flight  singleflight.Group
	given   atomic.Uint64 // answers given from what was kept
	reads   atomic.Uint64 // reads made
}

type entry[V any] struct {
	versions []int64
	value    V
}

// Get returns the answer for key: the kept one when the counters read now
// on db are those it was read with, otherwise what read returns, which
// must read the answer and the counters (Versions, VersionsOf) in one
// snapshot. Callers asking for the same key while the same counters stand
// share one read, which began after they read them, so that what each
// gets is at least as new as its own request. Errors are not kept.
func (m *Memo[K, V]) Get(ctx context.Context, db *gorm.DB, key K, read func(context.Context) (V, []int64, error)) (V, error) {
	var now []int64
	err := postgres.ReadConn(ctx, db, func(conn *pgx.Conn) error {
		var err error
		now, err = Versions(ctx, conn)
		return err
	})
	if err != nil {
		var zero V
		return zero, err
	}
	if e, ok := m.get(key); ok && slices.Equal(e.versions, now) {
		m.given.Add(1)
		return e.value, nil
	}
	if joining != nil {
		joining()
	}
	v, err, _ := m.flight.Do(fmt.Sprint(key, now), func() (any, error) {
		// Not abandoned with the request that began it: others wait on it.
		m.reads.Add(1)
		value, versions, err := read(context.WithoutCancel(ctx))
		if err != nil {
			return nil, err
		}
		e := entry[V]{versions: versions, value: value}
		m.put(key, e)
		return e, nil
	})
	if err != nil {
		var zero V
		return zero, err
	}
	return v.(entry[V]).value, nil
}

// Counts returns how many answers Get gave from what it kept, and how many
// reads it made (readers sharing one count once).
func (m *Memo[K, V]) Counts() (given, reads uint64) { return m.given.Load(), m.reads.Load() }

// joining, when set (by tests), is called by every Get about to read or
// to wait for a read.
var joining func()

func (m *Memo[K, V]) get(key K) (entry[V], bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	return e, ok
}

func (m *Memo[K, V]) put(key K, e entry[V]) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil {
		m.entries = make(map[K]entry[V])
	}
	limit := m.Max
	if limit <= 0 {
		limit = 1024
	}
	if _, ok := m.entries[key]; !ok && len(m.entries) >= limit {
		for old := range m.entries {
			delete(m.entries, old)
			break
		}
	}
	m.entries[key] = e
}
