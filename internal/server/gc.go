package server

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// DefaultGCPercent is the garbage collector's target when GOGC is not set.
// The service's live heap is a few megabytes while each list request
// allocates a few hundred kilobytes, so with Go's default (100) the
// collector runs every few requests and its work shows in the tail latency;
// at 400 it runs a quarter as often for a heap that stays small. The memory
// limit keeps a burst from growing the heap without bound.
const DefaultGCPercent = 400

// defaultMemoryLimit is the soft heap limit when GOMEMLIMIT is not set.
const defaultMemoryLimit = 512 << 20

// TuneGC applies the service's garbage-collector settings, unless the
// operator chose their own with GOGC or GOMEMLIMIT.
func TuneGC(lookupEnv func(string) (string, bool)) {
	if _, set := lookupEnv("GOGC"); !set {
		debug.SetGCPercent(DefaultGCPercent)
	}
	if _, set := lookupEnv("GOMEMLIMIT"); !set {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}

// IdleRelease is how long the process must allocate (next to) nothing
// before ReleaseWhenIdle returns its free memory.
const IdleRelease = 2 * time.Second

// releaseAfter is how much a burst must have allocated since the last
// release for the next idle moment to release again: below it, what the
// runtime keeps is too little to be worth a collection.
const releaseAfter = 4 << 20

// ReleaseWhenIdle returns the heap's free memory to the operating system
// each time the process comes to rest after a burst, until ctx ends.
//
// The runtime gives memory back lazily: its scavenger keeps what the
// garbage collector's last goal allowed, and a process at rest allocates
// nothing, so no collection comes to lower that goal for two minutes (the
// forced period). With GOGC at 400, a few sign-ins (argon2id's 19 MiB
// each) then hold a hundred megabytes of an idle server. So every period,
// this reads how much the process allocated (runtime/metrics, which stops
// nothing): when a period allocated under a sixteenth of releaseAfter, and
// releaseAfter or more was allocated since the last release, the burst is
// over, and it runs debug.FreeOSMemory, a collection that returns what is
// free. Under load it never runs: every period allocates.
func ReleaseWhenIdle(ctx context.Context, period time.Duration, released func()) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	allocated := func() uint64 {
		metrics.Read(sample)
		return sample[0].Value.Uint64()
	}
	tick := time.NewTicker(period)
	defer tick.Stop()
	last := allocated()
	var since uint64 // allocated since the last release
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := allocated()
		delta := now - last
		last = now
		since += delta
		if delta >= releaseAfter/16 || since < releaseAfter {
			continue
		}
		debug.FreeOSMemory()
		last, since = allocated(), 0
		if released != nil {
			released()
		}
	}
}
