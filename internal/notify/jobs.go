package notify

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// PlanJob is the scheduler's reminder planning pass.
type PlanJob struct {
	Planner *Planner
	Now     func() time.Time
	Metrics *Metrics
	Log     *slog.Logger
}

// Name implements scheduler.Job.
func (j PlanJob) Name() string { return "reminder_planner" }

// Run plans every reminder due now.
func (j PlanJob) Run(ctx context.Context) error {
	counts, err := j.Planner.Plan(ctx, j.Now())
	if err != nil {
		return err
	}
	total := 0
	for kind, n := range counts {
		total += n
		if j.Metrics != nil {
			j.Metrics.planned.WithLabelValues(kind).Add(float64(n))
		}
	}
	if j.Log != nil {
		j.Log.Info("reminders planned", "planned", total, "by_kind", counts)
	}
	return nil
}

// SendJob is the scheduler's delivery of the outbox.
type SendJob struct {
	Sender *Sender
	Now    func() time.Time
	Log    *slog.Logger
}

// Name implements scheduler.Job.
func (j SendJob) Name() string { return "mail_sender" }

// Run delivers everything due now.
func (j SendJob) Run(ctx context.Context) error {
	st, err := j.Sender.SendDue(ctx, j.Now())
	if j.Log != nil && (st != SendStats{}) {
		j.Log.Info("mail delivered", "sent", st.Sent, "kept", st.Kept, "skipped", st.Skipped, "retried", st.Retried, "failed", st.Failed)
	}
	return err
}

// Listen calls wake whenever notifications are queued (by this replica or
// another: the outbox's trigger NOTIFYs every listener), until ctx ends.
// A lost connection is re-established after a pause.
func Listen(ctx context.Context, db *gorm.DB, log *slog.Logger, wake func()) {
	for ctx.Err() == nil {
		err := postgres.WithConn(ctx, db, func(c *pgx.Conn) error {
			if _, err := c.Exec(ctx, "LISTEN "+outboxChannel); err != nil {
				return err
			}
			for {
				if _, err := c.WaitForNotification(ctx); err != nil {
					// The connection is unusable after a cancelled wait;
					// close it so that the pool does not hand it out.
					c.Close(context.WithoutCancel(ctx))
					return err
				}
				wake()
			}
		})
		if ctx.Err() != nil {
			return
		}
		log.Warn("outbox listener lost its connection; retrying", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
		}
	}
}
