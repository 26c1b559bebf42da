package finding

import (
	"context"
	"errors"
	"strings"
	"sync"
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
// migration 00018).
type textSample struct {
	mu       sync.Mutex
	at       time.Time
	common   []string
	freqs    []float64
	rest     []string
	restFrac float64 // the share of findings the rest sample stands for
	rows     float64
}

// rareSearch reports whether the findings whose search text holds every
// word are expected to be at most rareMatches, estimated as the planner
// does for a LIKE of one word (the matching common values' shares, plus
// the share of the sample that matches), for every word together: the
// planner multiplies each word's share, as if words were independent,
// and the words of a phrase are not. Without statistics it says no, and
// the planner chooses.
func (s *Service) rareSearch(ctx context.Context, conn *pgx.Conn, words []string) bool {
	sm := &s.sample
	sm.mu.Lock()
	defer sm.mu.Unlock()
	if now := time.Now(); now.Sub(sm.at) > sampleAge {
		if err := sm.read(ctx, conn); err != nil {
			return false // the list goes on; a wrong guess costs time, not results
		}
		sm.at = now
	}
	if len(sm.rest) < 100 {
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
	n := 0
	for _, v := range sm.rest {
		if holds(v) {
			n++
		}
	}
	share += sm.restFrac * float64(n) / float64(len(sm.rest))
	return share*sm.rows <= rareMatches
}

// read reads the sample from pg_stats (readable for every column its
// reader may select).
func (sm *textSample) read(ctx context.Context, conn *pgx.Conn) error {
	var nullFrac *float32
	var freqs []float32
	sm.common, sm.rest, sm.freqs, sm.rows = nil, nil, nil, 0
	err := conn.QueryRow(ctx, `SELECT coalesce(s.most_common_vals::text::text[], '{}'), coalesce(s.most_common_freqs, '{}'),
			coalesce(s.histogram_bounds::text::text[], '{}'), s.null_frac,
			(SELECT reltuples FROM pg_class WHERE oid = 'findings'::regclass)::float8
		FROM pg_stats s WHERE s.schemaname = current_schema() AND s.tablename = 'findings' AND s.attname = 'search_text'`).
		Scan(&sm.common, &freqs, &sm.rest, &nullFrac, &sm.rows)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // never analysed: no sample
	}
	if err != nil {
		return err
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
	return nil
}
