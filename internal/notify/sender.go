package notify

import (
	"cmp"
	"context"
	crand "crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	netmail "net/mail"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-mail/mail/v2"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Transport opens connections to a mail server.
type Transport interface {
	// Open connects and greets the server; the connection serves a batch
	// of mails and is closed by the caller.
	Open() (mail.SendCloser, error)
}

// SMTP is the Transport of an SMTP_URL.
type SMTP struct {
	dialer *mail.Dialer
}

// NewSMTP returns the transport of raw (smtp://user:pass@host:port with
// ?tls=starttls (the default), implicit or none; smtps:// is implicit TLS).
// timeout bounds each dial, read and write.
func NewSMTP(raw string, timeout time.Duration) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("SMTP_URL is not smtp://user:pass@host:port")
	}
	mode := u.Query().Get("tls")
	if u.Scheme == "smtps" {
		mode = "implicit"
	}
	if mode == "" {
		mode = "starttls"
	}
	port := map[string]int{"starttls": 587, "implicit": 465, "none": 25}[mode]
	if port == 0 {
		return nil, fmt.Errorf("SMTP_URL: tls=%q is not one of starttls, implicit, none", mode)
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("SMTP_URL: port %q", p)
		}
	}
	pass, _ := u.User.Password()
	d := mail.NewDialer(u.Hostname(), port, u.User.Username(), pass)
	d.Timeout = timeout
	// A failed mail is retried by the sender with back-off, not by the
	// dialer at once.
	d.RetryFailure = false
	d.SSL = mode == "implicit"
	switch mode {
	case "starttls":
		d.StartTLSPolicy = mail.MandatoryStartTLS
	case "none":
		d.StartTLSPolicy = mail.NoStartTLS
	}
	return &SMTP{dialer: d}, nil
}

// Open dials the server.
func (s *SMTP) Open() (mail.SendCloser, error) { return s.dialer.Dial() }

// go-mail bounds its dial by the Dialer's Timeout but sets the connection's
// deadline only after the server's greeting: a server that accepts and
// never greets would hold the sender for ever. Its dial hook is where the
// deadline can start at once.
func init() {
	mail.NetDialTimeout = func(network, addr string, timeout time.Duration) (net.Conn, error) {
		c, err := net.DialTimeout(network, addr, timeout)
		if err == nil && timeout > 0 {
			c.SetDeadline(time.Now().Add(timeout))
		}
		return c, err
	}
}

// SenderOptions configure a Sender.
type SenderOptions struct {
	// Calendar is the organisation's working-day calendar, shared with the
	// other services of the process; nil: the sender reads one of its own.
	Calendar *calendar.Store
	// Transport delivers; nil keeps every mail rendered in the outbox with
	// status kept (SMTP_URL empty).
	Transport Transport
	Renderer  *Renderer
	// From is the sender address, such as "tindaklanjut <noreply@…>".
	From    string
	BaseURL string
	Loc     *time.Location
	// RetryFor is how long a temporarily refused mail is retried from its
	// first attempt before it fails.
	RetryFor time.Duration
	// Batch is how many mails one claim takes (one connection each).
	Batch int
	// Lease is how long a claimed mail stays with its sender; a sender
	// that dies leaves it to be claimed again after it.
	Lease   time.Duration
	Metrics *Metrics
	Log     *slog.Logger
}

// Sender delivers the outbox. Any number of senders (replicas) may run at
// once: each claims its rows with FOR UPDATE SKIP LOCKED and a lease.
type Sender struct {
	db       *gorm.DB
	cal      *calendar.Store
	opts     SenderOptions
	envelope string // From's bare address
	host     string // for Message-IDs
}

// NewSender returns a sender on db.
func NewSender(db *gorm.DB, opts SenderOptions) (*Sender, error) {
	if opts.Renderer == nil {
		return nil, errors.New("notify: a sender needs a renderer")
	}
	from, err := netmail.ParseAddress(opts.From)
	if err != nil {
		return nil, fmt.Errorf("TINDAKLANJUT_MAIL_FROM %q: %w", opts.From, err)
	}
	host := "tindaklanjut.invalid"
	if u, err := url.Parse(opts.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	if opts.Loc == nil {
		opts.Loc = time.UTC
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = defaultRetryFor
	}
	if opts.Batch <= 0 {
		opts.Batch = defaultBatch
	}
	if opts.Lease <= 0 {
		opts.Lease = defaultLease
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if opts.Calendar == nil {
		opts.Calendar = calendar.NewStore(db, time.Now)
	}
	return &Sender{db: db, cal: opts.Calendar, opts: opts, envelope: from.Address, host: host}, nil
}

// SendStats counts the outcomes of a run.
type SendStats struct {
	Sent, Kept, Skipped, Retried, Failed int
}

func (s SendStats) String() string {
	return fmt.Sprintf("%d sent, %d kept, %d skipped, %d to retry, %d failed", s.Sent, s.Kept, s.Skipped, s.Retried, s.Failed)
}

// SendDue delivers every notification due at now, batch after batch, until
// none is left (those refused for now wait for their next attempt). The
// work overlaps: while one batch is delivered over the connection, the
// next is claimed and read, and each mail is rendered while the one before
// it is in flight.
func (s *Sender) SendDue(ctx context.Context, now time.Time) (SendStats, error) {
	var total SendStats
	d := &delivery{s: s, now: now}
	defer d.close()
	next := s.fetch(ctx, now)
	for {
		b := <-next
		if b.err != nil {
			return total, b.err
		}
		if len(b.batch) == 0 {
			break
		}
		full := len(b.batch) == s.opts.Batch
		if full {
			next = s.fetch(ctx, now)
		}
		st, err := d.run(ctx, b)
		total.add(st)
		if err != nil {
			if full {
				<-next // its rows return to the queue when their lease ends
			}
			return total, err
		}
		if !full {
			break
		}
	}
	if s.opts.Metrics != nil {
		var age float64
		err := s.db.WithContext(ctx).Raw(`SELECT coalesce(extract(epoch FROM ?::timestamptz - min(due_at)), 0)
			FROM notifications WHERE status IN ('pending', 'sending')`, now).Row().Scan(&age)
		if err != nil {
			return total, err
		}
		s.opts.Metrics.queueAge.Set(max(age, 0))
	}
	return total, nil
}

func (t *SendStats) add(st SendStats) {
	t.Sent += st.Sent
	t.Kept += st.Kept
	t.Skipped += st.Skipped
	t.Retried += st.Retried
	t.Failed += st.Failed
}

// claimed is a claimed batch with what it refers to.
type claimed struct {
	batch []Notification
	data  batchData
	err   error
}

// fetch claims and reads the next batch in the background.
func (s *Sender) fetch(ctx context.Context, now time.Time) <-chan claimed {
	out := make(chan claimed, 1)
	go func() {
		batch, err := s.claim(ctx, now)
		if err != nil || len(batch) == 0 {
			out <- claimed{err: err}
			return
		}
		data, err := loadBatch(ctx, s.db, batch)
		if err != nil {
			// Unclaim the batch rather than leave it to its lease.
			s.release(context.WithoutCancel(ctx), now, batch)
		}
		out <- claimed{batch: batch, data: data, err: err}
	}()
	return out
}

// release returns a claimed batch that was not delivered to the queue,
// due at now.
func (s *Sender) release(ctx context.Context, now time.Time, batch []Notification) {
	ids := make([]int64, len(batch))
	for i, n := range batch {
		ids[i] = n.ID
	}
	err := whileUnavailable(ctx, s.db, func(db *gorm.DB) error {
		return db.Exec(`UPDATE notifications SET status = 'pending', next_attempt_at = ?, updated_at = ?
			WHERE id = ANY(?) AND status = 'sending'`, now, now, postgres.Array[int64](ids)).Error
	})
	if err != nil {
		s.opts.Log.Warn("could not return claimed mail to the queue; it is sent when its lease ends", "count", len(ids), "err", err)
	}
}

// unclaim returns to the queue, due at now, whatever rows the claim of
// token took, if it took any.
func (s *Sender) unclaim(ctx context.Context, now time.Time, token string) {
	var n int64
	err := whileUnavailable(ctx, s.db, func(db *gorm.DB) error {
		r := db.Exec(`UPDATE notifications SET status = 'pending', next_attempt_at = ?, updated_at = ?
			WHERE claim = ? AND status = 'sending'`, now, now, token)
		n = r.RowsAffected
		return r.Error
	})
	switch {
	case err != nil:
		s.opts.Log.Warn("could not learn whether a claim of mail took; its mail, if any, is sent when its lease ends", "err", err)
	case n > 0:
		s.opts.Log.Info("mail claimed as the database connection was lost returned to the queue", "count", n)
	}
}

// claim takes up to a batch of due notifications: pending ones whose time
// has come, and sending ones whose sender's lease ran out.
//
// The claim is tagged with a token of its own: when its answer is lost with
// the connection (the UPDATE may or may not have committed), the rows it
// took, if any, go back to the queue at once instead of waiting out their
// lease.
func (s *Sender) claim(ctx context.Context, now time.Time) ([]Notification, error) {
	var out []Notification
	token := crand.Text()
	q, vars := named(`UPDATE notifications n SET status = 'sending', attempts = n.attempts + 1,
			first_attempt_at = coalesce(n.first_attempt_at, @now), next_attempt_at = @lease, updated_at = @now, claim = @claim
		FROM (SELECT id FROM notifications WHERE status IN ('pending', 'sending') AND next_attempt_at <= @now
			ORDER BY next_attempt_at, id LIMIT @limit FOR UPDATE SKIP LOCKED) c
		WHERE n.id = c.id
		RETURNING n.id, n.dedup_key, n.kind, n.finding_id, n.action_id, n.event_id, n.to_user_ids, n.cc_user_ids, n.data,
			n.status, n.due_at, n.next_attempt_at, n.first_attempt_at, n.attempts, n.created_at`,
		map[string]any{"now": now, "lease": now.Add(s.opts.Lease), "limit": s.opts.Batch, "claim": token})
	err := s.db.WithContext(ctx).Raw(q, vars...).Scan(&out).Error
	if err != nil {
		if postgres.Unavailable(err) {
			s.unclaim(context.WithoutCancel(ctx), now, token)
		}
		return nil, fmt.Errorf("claim notifications: %w", err)
	}
	// In the order they were queued (RETURNING keeps none).
	slices.SortFunc(out, func(a, b Notification) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// result is what became of one claimed notification.
type result struct {
	id                   int64
	kind                 string
	status               string
	lastError            *string
	subject, text, html  *string
	sentAt               *time.Time
	next                 time.Time
	permanent, exhausted bool
	retried              bool
	rendered             bool
}

// delivery is one run's connection to the mail server, kept across its
// batches; connErr is a failure to connect that the rest of the run
// shares rather than dialling again for every mail.
type delivery struct {
	s       *Sender
	now     time.Time
	conn    mail.SendCloser
	connErr error
}

func (d *delivery) close() {
	if d.conn != nil {
		d.conn.Close()
		d.conn = nil
	}
}

// prepared is a rendered mail ready to go, or why it will not.
type prepared struct {
	n        Notification
	msg      *mail.Message
	to       []string
	rendered Rendered
	err      error
}

// run renders and sends a claimed batch while a recorder commits the
// results as they come, a few at a time, so that only a crash between the
// server's acceptance and the next commit (a millisecond or two) can send a
// mail twice.
func (d *delivery) run(ctx context.Context, b claimed) (SendStats, error) {
	s, now := d.s, d.now
	var st SendStats
	cal, err := s.cal.Calendar(ctx)
	if err != nil {
		return st, err
	}
	v := &viewer{db: s.db, baseURL: s.opts.BaseURL, loc: s.opts.Loc, now: now, data: b.data, cal: cal}
	mails := make(chan prepared, 16)
	go func() {
		defer close(mails)
		for _, n := range b.batch {
			msg, to, rendered, err := s.message(ctx, v, n, now)
			mails <- prepared{n: n, msg: msg, to: to, rendered: rendered, err: err}
		}
	}()
	results := make(chan result, len(b.batch))
	recorded := make(chan error, 1)
	go func() { recorded <- s.record(context.WithoutCancel(ctx), now, results) }()

	for p := range mails {
		n := p.n
		r := result{id: n.ID, kind: n.Kind}
		switch {
		case errors.As(p.err, new(errSkip)):
			r.status, r.lastError = statusSkipped, ptr(p.err.Error())
		case postgres.Unavailable(p.err):
			// The view could not be read (a restart, a failover): nothing
			// is wrong with the mail; it waits a moment, not an attempt's
			// back-off.
			r.status, r.next, r.retried, r.lastError = statusPending, now.Add(postgres.RetryUnavailable), true, ptr(p.err.Error())
		case p.err != nil:
			// A view or template that fails on this notification's data
			// fails the same way next time: an admin must look at it.
			r.status, r.lastError, r.permanent = statusFailed, ptr("render: "+p.err.Error()), true
		default:
			r.subject, r.text, r.html, r.rendered = &p.rendered.Subject, &p.rendered.Text, &p.rendered.HTML, true
			switch {
			case s.opts.Transport == nil:
				r.status = statusKept
			case d.connErr != nil:
				s.failure(&r, n, now, d.connErr)
			default:
				if d.conn == nil {
					conn, err := s.opts.Transport.Open()
					if err != nil {
						d.connErr = fmt.Errorf("connect: %w", err)
						s.failure(&r, n, now, d.connErr)
						break
					}
					d.conn = conn
				}
				if err := d.conn.Send(s.envelope, p.to, p.msg); err != nil {
					s.failure(&r, n, now, err)
					// The session may be mid-transaction or gone: start
					// the next mail on a new one.
					d.close()
					break
				}
				r.status, r.sentAt = statusSent, &now
			}
		}
		switch {
		case r.status == statusSent:
			st.Sent++
		case r.status == statusKept:
			st.Kept++
		case r.status == statusSkipped:
			st.Skipped++
		case r.retried:
			st.Retried++
		default:
			st.Failed++
		}
		results <- r
	}
	close(results)
	return st, <-recorded
}

// failure records err on r: retried with back-off while it is temporary
// and the retry window lasts, else failed.
func (s *Sender) failure(r *result, n Notification, now time.Time, err error) {
	r.lastError = ptr(err.Error())
	if permanent(err) {
		r.status, r.permanent = statusFailed, true
		return
	}
	first := now
	if n.FirstAttemptAt != nil {
		first = *n.FirstAttemptAt
	}
	next := now.Add(backoff(n.Attempts))
	if next.Sub(first) > s.opts.RetryFor {
		r.status, r.exhausted = statusFailed, true
		r.lastError = ptr(fmt.Sprintf("gave up after %d attempts over %s: %v", n.Attempts, now.Sub(first).Round(time.Minute), err))
		return
	}
	r.status, r.next, r.retried = statusPending, next, true
}

// backoff is the wait before the next attempt after attempts attempts:
// a minute doubling up to an hour, give or take a quarter (jitter keeps
// replicas and mails from retrying in step).
func backoff(attempts int) time.Duration {
	d := retryBase << min(max(attempts-1, 0), 10)
	d = min(d, retryCap)
	return d*3/4 + rand.N(d/2)
}

// permanent reports whether err is the mail server's permanent refusal
// (5xx); anything else (4xx, refused or dropped connections, timeouts) may
// pass.
func permanent(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 500
	}
	var tls mail.StartTLSUnsupportedError
	return errors.As(err, &tls)
}

// message renders n and builds its mail; it returns the mail, the
// envelope recipients and the rendering.
func (s *Sender) message(ctx context.Context, v *viewer, n Notification, now time.Time) (*mail.Message, []string, Rendered, error) {
	var to, cc []recipient
	seen := map[int64]bool{}
	pick := func(ids []int64) (out []recipient) {
		for _, id := range ids {
			u, ok := v.data.users[id]
			if ok && u.Active && !seen[id] && !slices.Contains(u.EventsOff, n.Kind) {
				seen[id] = true
				out = append(out, u)
			}
		}
		return out
	}
	to, cc = pick(n.To), pick(n.Cc)
	if len(to) == 0 {
		to, cc = cc, nil
	}
	if len(to) == 0 {
		return nil, nil, Rendered{}, errSkip("no active recipient who takes this kind of mail")
	}
	view, err := v.view(ctx, n)
	if err != nil {
		return nil, nil, Rendered{}, err
	}
	r, err := s.opts.Renderer.Render(view)
	if err != nil {
		return nil, nil, Rendered{}, err
	}
	m := mail.NewMessage()
	m.SetHeader("From", s.opts.From)
	var envelope []string
	addrs := func(rs []recipient) []string {
		out := make([]string, len(rs))
		for i, u := range rs {
			out[i] = m.FormatAddress(u.Email, u.Name)
			envelope = append(envelope, u.Email)
		}
		return out
	}
	m.SetHeader("To", addrs(to)...)
	if len(cc) > 0 {
		m.SetHeader("Cc", addrs(cc)...)
	}
	m.SetHeader("Subject", r.Subject)
	m.SetDateHeader("Date", now.In(s.opts.Loc))
	m.SetHeader("Message-ID", fmt.Sprintf("<notification-%d@%s>", n.ID, s.host))
	m.SetHeader("Auto-Submitted", "auto-generated")
	m.SetHeader("X-Tindaklanjut-Kind", n.Kind)
	m.SetHeader("X-Tindaklanjut-Key", n.DedupKey)
	m.SetBody("text/plain", r.Text)
	m.AddAlternative("text/html", r.HTML)
	return m, envelope, r, nil
}

// groupWindow is how long the recorder gathers results after the first of
// a group before committing them in one statement: fewer, larger commits
// leave the CPU to delivery, and a crash can repeat at most the mails of
// one window.
const groupWindow = 5 * time.Millisecond

// record writes results as they arrive: it waits for one, gathers what
// else arrives within groupWindow (up to 200), and commits them in one
// statement.
func (s *Sender) record(ctx context.Context, now time.Time, results <-chan result) error {
	var firstErr error
	for r := range results {
		group := []result{r}
		window := time.NewTimer(groupWindow)
	more:
		for len(group) < 200 {
			select {
			case r, ok := <-results:
				if !ok {
					break more
				}
				group = append(group, r)
			case <-window.C:
				break more
			}
		}
		window.Stop()
		if firstErr != nil {
			continue // drain
		}
		if err := s.write(ctx, now, group); err != nil {
			firstErr = fmt.Errorf("record deliveries: %w", err)
			continue
		}
		s.count(group)
	}
	return firstErr
}

func (s *Sender) write(ctx context.Context, now time.Time, group []result) error {
	n := len(group)
	ids := make([]int64, n)
	statuses := make([]string, n)
	errs := make([]*string, n)
	subjects, texts, htmls := make([]*string, n), make([]*string, n), make([]*string, n)
	sent := make([]*time.Time, n)
	next := make([]*time.Time, n)
	for i, r := range group {
		ids[i], statuses[i], errs[i] = r.id, r.status, r.lastError
		subjects[i], texts[i], htmls[i], sent[i] = r.subject, r.text, r.html, r.sentAt
		if !r.next.IsZero() {
			next[i] = &r.next
		}
	}
	return whileUnavailable(ctx, s.db, func(db *gorm.DB) error {
		return db.Exec(`UPDATE notifications n SET status = r.status, last_error = r.last_error,
			subject = coalesce(r.subject, n.subject), body_text = coalesce(r.body_text, n.body_text),
			body_html = coalesce(r.body_html, n.body_html), sent_at = r.sent_at,
			next_attempt_at = coalesce(r.next_attempt_at, n.next_attempt_at), updated_at = ?
		FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])
			AS r (id, status, last_error, subject, body_text, body_html, sent_at, next_attempt_at)
		WHERE n.id = r.id AND n.status = 'sending'`, now,
			postgres.Array[int64](ids), postgres.Array[string](statuses), postgres.Array[*string](errs),
			postgres.Array[*string](subjects), postgres.Array[*string](texts), postgres.Array[*string](htmls),
			postgres.Array[*time.Time](sent), postgres.Array[*time.Time](next)).Error
	})
}

// recordFor is how long the sender keeps trying to record what became of
// mails it holds while the database cannot be reached: longer than a
// failover, so that a mail the server accepted is not sent again when its
// lease ends.
const recordFor = 30 * time.Second

// whileUnavailable runs fn on db and runs it again, every half second for
// up to recordFor, while it fails because the database cannot serve
// (postgres.Unavailable). Only for statements that may run twice: the
// sender's records of rows it holds (WHERE status = 'sending'), which
// change nothing the second time.
func whileUnavailable(ctx context.Context, db *gorm.DB, fn func(*gorm.DB) error) error {
	deadline := time.Now().Add(recordFor)
	for {
		err := fn(db.WithContext(ctx))
		if err == nil || !postgres.Unavailable(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (s *Sender) count(group []result) {
	m := s.opts.Metrics
	if m == nil {
		return
	}
	for _, r := range group {
		switch {
		case r.status == statusSent:
			m.sent.WithLabelValues(r.kind).Inc()
		case r.status == statusKept:
			m.kept.WithLabelValues(r.kind).Inc()
		case r.status == statusSkipped:
			m.skipped.WithLabelValues(r.kind).Inc()
		case r.retried:
			m.failed.WithLabelValues(r.kind, "temporary").Inc()
		case r.exhausted:
			m.failed.WithLabelValues(r.kind, "exhausted").Inc()
		default:
			m.failed.WithLabelValues(r.kind, "permanent").Inc()
		}
	}
}

func ptr[T any](v T) *T { return &v }
