package notify

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the planner's and the sender's figures for Prometheus.
type Metrics struct {
	planned  *prometheus.CounterVec
	sent     *prometheus.CounterVec
	failed   *prometheus.CounterVec
	kept     *prometheus.CounterVec
	skipped  *prometheus.CounterVec
	queueAge prometheus.Gauge
}

// NewMetrics registers the metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		planned: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tindaklanjut_notifications_planned_total",
			Help: "Reminders queued by the planner, by kind."}, []string{"kind"}),
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tindaklanjut_notifications_sent_total",
			Help: "Mails the mail server accepted, by kind."}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tindaklanjut_notifications_failed_total",
			Help: "Failed delivery attempts, by kind and class: temporary (retried later), permanent (5xx or unrenderable) or exhausted (retries given up)."},
			[]string{"kind", "class"}),
		kept: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tindaklanjut_notifications_kept_total",
			Help: "Mails rendered and kept in the outbox because no mail server is configured, by kind."}, []string{"kind"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tindaklanjut_notifications_skipped_total",
			Help: "Notifications not sent because what they remind of is over or nobody active is left to tell, by kind."}, []string{"kind"}),
		queueAge: prometheus.NewGauge(prometheus.GaugeOpts{Name: "tindaklanjut_notification_queue_age_seconds",
			Help: "How long the oldest undelivered notification has been due, at the sender's last run."}),
	}
	reg.MustRegister(m.planned, m.sent, m.failed, m.kept, m.skipped, m.queueAge)
	return m
}
