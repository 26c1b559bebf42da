package postgres

import (
	"context"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Replica is a second pool, on standbys (DATABASE_READ_URL), for the heavy
// reads that tolerate a little lag: the follow-up matrix in every format,
// printed reports, exports. Never for what a user acts on next: a standby
// may not yet have the write the user just made. When the replica cannot
// serve, those reads go to the primary instead (ReadLagging); readiness
// does not depend on it. A nil *Replica is no replica: every read goes to
// the primary.
type Replica struct {
	db  *gorm.DB
	log *slog.Logger
	// down is set when the replica failed to serve a read or a check, and
	// cleared by the next check that succeeds; while it is set, reads go
	// straight to the primary instead of waiting for a dead host.
	down atomic.Bool
	lag  atomic.Uint64 // float64 bits, seconds
}

// OpenReplica prepares the pool on url without connecting: a replica that
// is away when the service starts only sends its reads to the primary
// until it is back. The URL may name several hosts; with
// target_session_attrs=prefer-standby the driver picks a standby when one
// answers and the primary otherwise. Each host has 3 s to answer unless
// the URL's connect_timeout says otherwise.
func OpenReplica(url string, opts Options) (*Replica, error) {
	if opts.ConnectTimeout == 0 {
		// A standby host that went away without a word must not hold a
		// report for long before it goes to the primary.
		opts.ConnectTimeout = 3 * time.Second
	}
	db, err := openPool(url, opts)
	if err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Replica{db: db, log: log}
	r.lag.Store(math.Float64bits(math.NaN()))
	return r, nil
}

// Close closes the replica's pool.
func (r *Replica) Close() error {
	if r == nil {
		return nil
	}
	return Close(r.db)
}

// replicaLag is how far behind the primary the server of this connection
// has replayed: 0 on a primary (prefer-standby found no standby) and on a
// standby that has replayed all it received; otherwise the age of the
// last transaction it replayed.
const replicaLag = `SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
	WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
	ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END::float8`

// Check asks the replica how far behind it is, marks it up or down, and
// returns the error of a replica that did not answer.
func (r *Replica) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var lag float64
	err := ReadConn(ctx, r.db, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, replicaLag).Scan(&lag)
	})
	if err != nil {
		r.lag.Store(math.Float64bits(math.NaN()))
		if !r.down.Swap(true) {
			r.log.Warn("read replica unreachable; heavy reads go to the primary", "err", err)
		}
		return err
	}
	r.lag.Store(math.Float64bits(lag))
	if r.down.Swap(false) {
		r.log.Info("read replica is back; heavy reads go to it again")
	}
	return nil
}

// Watch checks the replica every interval until ctx ends.
func (r *Replica) Watch(ctx context.Context, every time.Duration) {
	for {
		r.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// Lag is the replication lag of the replica in seconds as of its last
// check: 0 without a replica (the primary serves every read), NaN while
// the replica is unreachable.
func (r *Replica) Lag() float64 {
	if r == nil {
		return 0
	}
	return math.Float64frombits(r.lag.Load())
}

// Up reports whether the replica served its last check or read.
func (r *Replica) Up() bool {
	return r != nil && !r.down.Load()
}

// ReadLagging runs fn as ReadTx does, on the replica when there is one and
// it is up, and on primary otherwise or when the replica could not serve
// fn (Unavailable). Only reads that tolerate a little lag belong here.
func ReadLagging(ctx context.Context, primary *gorm.DB, replica *Replica, fn func(pgx.Tx) error) error {
	if replica.Up() {
		err := ReadTx(ctx, replica.db, fn)
		if err == nil || ctx.Err() != nil || !Unavailable(err) {
			return err
		}
		if !replica.down.Swap(true) {
			replica.log.Warn("read replica failed a read; heavy reads go to the primary", "err", err)
		}
	}
	return ReadTx(ctx, primary, fn)
}
