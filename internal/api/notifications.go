package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tindaklanjut/tindaklanjut/internal/notify"
)

// notificationResponse is one email of the outbox, as admins see it.
type notificationResponse struct {
	ID            int64      `json:"id"`
	DedupKey      string     `json:"dedup_key"`
	Kind          string     `json:"kind"`
	FindingID     *int64     `json:"finding_id"`
	ActionID      *int64     `json:"action_id"`
	ToUserIDs     []int64    `json:"to_user_ids"`
	CcUserIDs     []int64    `json:"cc_user_ids"`
	To            []string   `json:"to"`
	Cc            []string   `json:"cc"`
	Subject       *string    `json:"subject"`
	BodyText      *string    `json:"body_text"`
	Status        string     `json:"status" enum:"pending,sending,sent,failed,kept,skipped"`
	Attempts      int        `json:"attempts"`
	LastError     *string    `json:"last_error"`
	DueAt         time.Time  `json:"due_at"`
	NextAttemptAt time.Time  `json:"next_attempt_at"`
	SentAt        *time.Time `json:"sent_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func (a *API) notificationRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/notifications", tag: "notifications",
			summary:  "The outbox, newest first (admin): sent, pending, failed and kept emails",
			response: notificationResponse{}, list: true, status: 200, handler: a.notificationList,
			query: append([]param{
				{name: "status", typ: "string", doc: "pending, sending, sent, failed, kept or skipped"},
				{name: "kind", typ: "string", doc: "the kind of email, such as action_due or finding_rejected"},
				{name: "finding_id", typ: "integer", doc: "emails about this finding"},
			}, pageQuery...)},
		{method: http.MethodPost, path: "/notifications/:id/retry", tag: "notifications",
			summary:  "Re-queue a failed email for delivery now (admin); 409 unless it failed",
			response: notificationResponse{}, status: 200, handler: a.notificationRetry},
	}
}

func (a *API) toNotification(n notify.Notification) notificationResponse {
	out := notificationResponse{ID: n.ID, DedupKey: n.DedupKey, Kind: n.Kind, FindingID: n.FindingID, ActionID: n.ActionID,
		ToUserIDs: n.To, CcUserIDs: n.Cc, To: n.ToEmails, Cc: n.CcEmails, Subject: n.Subject, BodyText: n.BodyText,
		Status: n.Status, Attempts: n.Attempts, LastError: n.LastError, DueAt: n.DueAt.In(a.tz),
		NextAttemptAt: n.NextAttemptAt.In(a.tz), SentAt: a.inTZ(n.SentAt), CreatedAt: n.CreatedAt.In(a.tz), UpdatedAt: n.UpdatedAt.In(a.tz)}
	for _, s := range []*[]int64{&out.ToUserIDs, &out.CcUserIDs} {
		if *s == nil {
			*s = []int64{}
		}
	}
	for _, s := range []*[]string{&out.To, &out.Cc} {
		if *s == nil {
			*s = []string{}
		}
	}
	return out
}

func (a *API) notificationList(c echo.Context) error {
	var before int64
	limit, err := a.cursors.pageParams(c, "notifications", &before)
	if err != nil {
		return err
	}
	f := notify.Filter{Status: c.QueryParam("status"), Kind: c.QueryParam("kind")}
	if f.FindingID, err = queryID(c, "finding_id"); err != nil {
		return err
	}
	list, err := a.outbox.List(c.Request().Context(), principal(c), f, notify.Page{BeforeID: before, Limit: limit + 1})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pageOf(a.cursors, "notifications", list, limit,
		func(n notify.Notification) any { return n.ID }, a.toNotification))
}

func (a *API) notificationRetry(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	n, err := a.outbox.Retry(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a.toNotification(n))
}
