package server

import (
	"runtime/debug"
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
