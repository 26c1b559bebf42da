package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	netmail "net/mail"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5"
)

// mailSink is a real SMTP server on loopback that keeps the headers of
// every message it accepts.
type mailSink struct {
	mu    sync.Mutex
	mails []netmail.Header
}

func startMailSink(t *testing.T) (*mailSink, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailSink{}
	srv := smtp.NewServer(s)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s, "smtp://" + l.Addr().String() + "?tls=none"
}

// once checks that the sink received each mail once (by Message-ID) and
// returns how many it received, each Message-ID's count and how many it
// received more than once.
func (s *mailSink) once(t *testing.T) (mails int, seen map[string]int, twice int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	seen = map[string]int{}
	for _, h := range s.mails {
		seen[h.Get("Message-ID")]++
	}
	for id, n := range seen {
		if n != 1 {
			twice++
			t.Errorf("mail %s delivered %d times", id, n)
		}
	}
	return len(s.mails), seen, twice
}

// NewSession accepts a connection.
func (s *mailSink) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession{s}, nil }

type sinkSession struct{ s *mailSink }

func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }
func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x sinkSession) Data(r io.Reader) error {
	m, err := netmail.ReadMessage(r)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, m.Body)
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, m.Header)
	x.s.mu.Unlock()
	return nil
}

// TestTwoReplicas runs two `serve` processes on one database and one
// evidence directory, as a deployment behind a load balancer would, with
// mixed load on both for 60 seconds and one of them restarted halfway:
// no 5xx at any time (a replica that is restarting refuses connections,
// which a balancer routes around), exactly one winner when both are asked
// the same transition at once, every mail delivered exactly once to a real
// SMTP sink (both replicas plan reminders and send the outbox), and tokens
// and cursors issued by one replica accepted by the other.
func TestTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two replicas for a minute")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cluster := testCluster(t, dir)
	t.Cleanup(func() { cluster.Stop() })
	sink, smtpURL := startMailSink(t)
	bin := buildServer(t)
	env := []string{"DATABASE_URL=" + cluster.URL("tindaklanjut"), "TINDAKLANJUT_DATA_DIR=" + dir + "/data", "SMTP_URL=" + smtpURL,
		"TINDAKLANJUT_ADMIN_EMAIL=admin@kalselprov.go.id", "TINDAKLANJUT_ADMIN_PASSWORD=" + faultPassword,
		// Every day's reminders are due from midnight, and the planner
		// runs every minute, so that both replicas plan within the run.
		"TINDAKLANJUT_REMINDER_HOUR=0", "TINDAKLANJUT_PLANNER_SCHEDULE=* * * * *"}
	a := startService(t, bin, env...)
	b := startService(t, bin, env...)
	replicas := []*serviceProcess{a, b}
	client := &http.Client{Timeout: 10 * time.Second}

	// People, made on one replica, signed in on the other.
	var admin struct{ Token string }
	a.must(client, "POST", "/api/v1/auth/token", "", fmt.Sprintf(`{"email":"admin@kalselprov.go.id","password":%q}`, faultPassword), 200, &admin)
	var unit struct{ ID int64 }
	a.must(client, "POST", "/api/v1/units", admin.Token, `{"code":"DISKOMINFO","name":"Dinas Kominfo"}`, 201, &unit)
	tokens := map[string]string{}
	ids := map[string]int64{}
	for _, role := range []string{"auditor", "auditor2", "manager", "officer"} {
		r := strings.TrimSuffix(role, "2")
		var u struct{ ID int64 }
		a.must(client, "POST", "/api/v1/users", admin.Token, fmt.Sprintf(`{"email":"%s@kalselprov.go.id","name":"%s","role":%q,"unit_id":%d,"password":%q}`,
			role, role, r, unit.ID, faultPassword), 201, &u)
		ids[role] = u.ID
		var tok struct{ Token string }
		b.must(client, "POST", "/api/v1/auth/token", "", fmt.Sprintf(`{"email":"%s@kalselprov.go.id","password":%q}`, role, faultPassword), 200, &tok)
		tokens[role] = tok.Token
	}
	var review struct{ ID int64 }
	a.must(client, "POST", "/api/v1/reviews", tokens["auditor"], `{"kind":"ict_audit","title":"Audit TIK 2026","conducted_on":"2026-11-02"}`, 201, &review)
	tomorrow := time.Now().Add(24 * time.Hour).Format("2006-01-02")
	newFinding := func(r *serviceProcess, n int64) (id int64, version int) {
		t.Helper()
		var f struct {
			ID      int64
			Version int
		}
		r.must(client, "POST", "/api/v1/findings", tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan %d","severity":"high",
			"unit_id":%d,"recommendation":"Tetapkan SK","due_date":%q,"indicator_codes":["I21"]}`, review.ID, n, unit.ID, tomorrow), 201, &f)
		return f.ID, f.Version
	}
	// Findings with an action due tomorrow, assigned three days ago (as if):
	// each has its "due tomorrow" reminder to plan, once, by whichever
	// replica's planner gets there first.
	conn, err := pgx.Connect(ctx, cluster.URL("tindaklanjut"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for i := range 6 {
		r := replicas[i%2]
		id, v := newFinding(r, int64(i))
		r.must(client, "POST", fmt.Sprintf("/api/v1/findings/%d/transitions", id), tokens["auditor"], fmt.Sprintf(`{"action":"issue","version":%d}`, v), 200, nil)
		replicas[(i+1)%2].must(client, "POST", fmt.Sprintf("/api/v1/findings/%d/actions", id), tokens["manager"],
			fmt.Sprintf(`{"title":"Susun SK","assignee_id":%d,"due_date":%q}`, ids["officer"], tomorrow), 201, nil)
	}
	if _, err := conn.Exec(ctx, `UPDATE actions SET created_at = created_at - interval '3 days', due_set_at = due_set_at - interval '3 days'`); err != nil {
		t.Fatal(err)
	}

	var (
		mu      sync.Mutex
		answers []call
		races   []int // 200s per raced transition
		stop    atomic.Bool
		wg      sync.WaitGroup
		seq     atomic.Int64
	)
	seq.Store(100)
	keep := func(cs ...call) {
		mu.Lock()
		answers = append(answers, cs...)
		mu.Unlock()
	}
	worker := func(w int) {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			r, other := replicas[(w+i)%2], replicas[(w+i+1)%2]
			switch i % 4 {
			case 0: // a new finding, then both replicas asked to issue it at once
				var f struct {
					ID      int64
					Version int
				}
				c := r.do(client, "POST", "/api/v1/findings", tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan %d",
					"severity":"medium","unit_id":%d,"recommendation":"Tetapkan SK","due_date":%q}`, review.ID, seq.Add(1), unit.ID, tomorrow))
				keep(c)
				if c.status != http.StatusCreated || json.Unmarshal(c.body, &f) != nil {
					continue
				}
				var race sync.WaitGroup
				got := make([]call, 4)
				for k := range got {
					race.Add(1)
					go func() {
						defer race.Done()
						got[k] = replicas[k%2].do(client, "POST", fmt.Sprintf("/api/v1/findings/%d/transitions", f.ID), tokens["auditor"],
							fmt.Sprintf(`{"action":"issue","version":%d}`, f.Version))
					}()
				}
				race.Wait()
				keep(got...)
				wins, answered := 0, 0
				for _, g := range got {
					if g.status == http.StatusOK {
						wins++
					}
					if g.status > 0 {
						answered++
					}
				}
				if answered == len(got) {
					mu.Lock()
					races = append(races, wins)
					mu.Unlock()
				}
			case 1: // a page of findings from one replica, the next from the other
				var page struct {
					NextCursor *string `json:"next_cursor"`
				}
				c := r.do(client, "GET", "/api/v1/findings?limit=2", tokens["manager"], "")
				keep(c)
				if c.status == http.StatusOK && json.Unmarshal(c.body, &page) == nil && page.NextCursor != nil {
					keep(other.do(client, "GET", "/api/v1/findings?limit=2&cursor="+*page.NextCursor, tokens["manager"], ""))
				}
			case 2:
				keep(r.do(client, "GET", "/api/v1/reports/summary", tokens["auditor2"], ""))
			case 3:
				keep(r.do(client, "GET", "/api/v1/me", tokens["officer"], ""))
			}
		}
	}
	for w := range 6 {
		wg.Add(1)
		go worker(w)
	}
	time.Sleep(30 * time.Second)
	restartFrom := time.Now()
	b.restart()
	restartUntil := time.Now()
	time.Sleep(30 * time.Second)
	stop.Store(true)
	wg.Wait()

	// Every answer: no 5xx; no answer at all only from b while it restarted.
	for _, c := range answers {
		switch {
		case c.status >= 500:
			t.Errorf("a %d answer at %v: %s", c.status, c.at.Format(time.TimeOnly), c.body)
		case c.status == -1 && (c.at.Before(restartFrom.Add(-time.Second)) || c.at.After(restartUntil)):
			t.Errorf("no answer at %v, outside the restart (%v–%v)", c.at.Format(time.TimeOnly),
				restartFrom.Format(time.TimeOnly), restartUntil.Format(time.TimeOnly))
		}
	}
	for i, wins := range races {
		if wins != 1 {
			t.Errorf("race %d: %d winners; want exactly one", i, wins)
		}
	}

	// The outbox drains, and the sink has each mail once.
	deadline := time.Now().Add(90 * time.Second)
	var pending, sent int
	for {
		if err := conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'sent')
			FROM notifications`).Scan(&pending, &sent); err != nil {
			t.Fatal(err)
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	var dueReminders int
	conn.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE kind = 'action_due' AND status = 'sent'`).Scan(&dueReminders)
	mails, seen, _ := sink.once(t)
	if pending != 0 || mails != sent || len(seen) != sent || dueReminders != 6 {
		t.Errorf("outbox: %d pending, %d sent (%d due reminders; want 6); sink: %d mails, %d distinct", pending, sent, dueReminders, mails, len(seen))
	}
	for _, r := range replicas {
		if n := strings.Count(r.Logs(), `"internal error"`); n > 0 {
			t.Errorf("%d internal errors logged by %s", n, r.Base)
		}
	}
	t.Logf("%d answers over 60 s on two replicas (one restarted in %v); %d raced transitions, one winner each; %d mails, each once (%d due reminders)",
		len(answers), restartUntil.Sub(restartFrom).Round(time.Millisecond), len(races), mails, dueReminders)
}
