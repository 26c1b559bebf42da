package finding

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// rareMatches is how many findings a text search may match at most to be
// listed by sorting its matches rather than by checking findings in list
// order. Checking costs a LIKE over some 500 bytes per finding, and a page
// of 51 from a word in one finding in n checks 51·n of them; the trigram
// index gives the matches at once, which are then fetched and sorted. At
// 100,000 findings a word in one in 100 (about 1,000 matches) is listed in
// 5–8 ms from its matches, in 20–27 ms in list order; one in ten (10,000)
// in 40 ms from its matches, 2 in list order.
const rareMatches = 2000

// sampleAge is how long the sampled search texts are used before they are
// read again: statistics move with ANALYZE, which autovacuum runs as the
// findings change by a tenth.
const sampleAge = 10 * time.Minute

// textSample is what the planner knows of findings.search_text: its most
// common values with their shares, and a sample of the rest (the histogram
// of up to 1,000 values that the column's statistics target keeps,
// migration 00018). A sample is never changed once read.
type textSample struct {
	common   []string
	freqs    []float64
	rest     []string
	restFrac float64 // the share of findings the rest sample stands for
	rows     float64
}

// textSampler holds the sample searches estimate from, read again once
// sampleAge has passed. Searches read it without a lock; one of them
// reads the next while the others go on with the last.
type textSampler struct {
	mu     sync.Mutex // held while reading a sample
	sample atomic.Pointer[textSample]
	at     atomic.Int64 // when the sample was last read (or failed to be), in Unix nanoseconds
}

// rareSearch reports whether the findings whose search text holds every
// word are expected to be at most rareMatches, estimated as the planner
// does for a LIKE of one word (the matching common values' shares, plus
// the share of the sample that matches), for every word together: the
// planner multiplies each word's share, as if words were independent,
// and the words of a phrase are not. Without statistics it says no, and
// the planner chooses.
func (s *Service) rareSearch(ctx context.Context, conn *pgx.Conn, words []string) bool {
	sm := s.samples.get(ctx, conn)
	if sm == nil || len(sm.rest) < 100 {
		return false
	}
	lower := make([]string, len(words))
	for i, w := range words {
		lower[i] = strings.ToLower(w)
	}
	holds := func(v string) bool {
		for _, w := range lower {
			if !strings.Contains(v, w) {
				return false
			}
		}
		return true
	}
	share := 0.0
	for i, v := range sm.common {
		if holds(v) {
			share += sm.freqs[i]
		}
	}
	// The sampled texts that may hold the words, beyond the common ones,
	// for the search to stay rare: a common word is known after a few.
	allowed := (rareMatches/sm.rows - share) / sm.restFrac * float64(len(sm.rest))
	n := 0
	for _, v := range sm.rest {
		if holds(v) {
			if n++; float64(n) > allowed {
				return false
			}
		}
	}
	return share*sm.rows <= rareMatches
}

// get returns the current sample (nil when there is none), reading it on
// conn when it is older than sampleAge and no other search is reading it.
// A failed read is tried again after sampleAge, not at every search: a
// wrong guess costs time, not results.
func (t *textSampler) get(ctx context.Context, conn *pgx.Conn) *textSample {
	if time.Since(time.Unix(0, t.at.Load())) <= sampleAge || !t.mu.TryLock() {
		return t.sample.Load()
	}
	defer t.mu.Unlock()
	if time.Since(time.Unix(0, t.at.Load())) > sampleAge {
		if sm, err := readSample(ctx, conn); err == nil {
			t.sample.Store(sm)
		}
		t.at.Store(time.Now().UnixNano())
	}
	return t.sample.Load()
}

// readSample reads the sample from pg_stats (readable for every column its
// reader may select); nil when the table was never analysed.
func readSample(ctx context.Context, conn *pgx.Conn) (*textSample, error) {
	var sm textSample
	var nullFrac *float32
	var freqs []float32
	err := conn.QueryRow(ctx, `SELECT coalesce(s.most_common_vals::text::text[], '{}'), coalesce(s.most_common_freqs, '{}'),
			coalesce(s.histogram_bounds::text::text[], '{}'), s.null_frac,
			(SELECT reltuples FROM pg_class WHERE oid = 'findings'::regclass)::float8
		FROM pg_stats s WHERE s.schemaname = current_schema() AND s.tablename = 'findings' AND s.attname = 'search_text'`).
		Scan(&sm.common, &freqs, &sm.rest, &nullFrac, &sm.rows)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sm.restFrac = 1
	if nullFrac != nil {
		sm.restFrac -= float64(*nullFrac)
	}
	sm.freqs = make([]float64, len(freqs))
	for i, f := range freqs {
		sm.freqs[i] = float64(f)
		sm.restFrac -= float64(f)
	}
	return &sm, nil
}
