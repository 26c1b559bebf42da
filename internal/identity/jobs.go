package identity

import (
	"context"
	"log/slog"
)

// PurgeJob deletes expired tokens, old sign-in failure counters and expired
// idempotency records.
type PurgeJob struct {
	Service *Service
	Log     *slog.Logger
}

// Name implements scheduler.Job.
func (PurgeJob) Name() string { return "purge_expired" }

// Run implements scheduler.Job.
func (j PurgeJob) Run(ctx context.Context) error {
	n, err := j.Service.PurgeExpired(ctx)
	if err == nil && n > 0 {
		j.Log.Info("purged expired sign-in records", "rows", n)
	}
	return err
}
