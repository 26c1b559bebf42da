package notify_test

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"regexp"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
)

// parts returns the plain-text and HTML parts of a received mail, decoded.
func parts(t *testing.T, m received) (text, html string) {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v); want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var body io.Reader = p
		if p.Header.Get("Content-Transfer-Encoding") == "quoted-printable" {
			body = quotedprintable.NewReader(p)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			text = string(b)
		case "text/html":
			html = string(b)
		}
	}
	if text == "" || html == "" {
		t.Fatalf("%s: text %d bytes, HTML %d bytes; want both parts", m.Key, len(text), len(html))
	}
	return text, html
}

// TestRenderedEmailPerKind drives a finding through its life and the
// reminders' calendar so that a mail of every kind arrives, then checks
// each one's headers, subject and both parts, and that the user-provided
// text (title, reason) is escaped in HTML and kept as written in text.
func TestRenderedEmailPerKind(t *testing.T) {
	f := newFixture(t)
	must(f.assess.Create(f.ctx, f.p["auditor"], framework.AssessmentInput{Year: 2024, Name: "Evaluasi SPBE 2024",
		FrameworkCode: "spbe-2020", Milestones: []framework.MilestoneInput{{Name: "Penilaian eksternal", Date: "2024-09-16"}}}))
	title := `Aplikasi <script>alert("x")</script> & SIMPEG "lama"`
	reason := `<b>Bukti</b> belum sah & tanpa tanda tangan`

	f.setNow(at("2024-08-01 10:00"))
	fd := f.issue(f.unitA, "2024-09-30", title, "I21")
	idle := f.issue(f.unitA, "2024-10-31", "Temuan tanpa tindakan")
	a := f.assign(fd, "officerA", "2024-09-02")
	var all []received
	step := func(when string) {
		f.setNow(at(when))
		f.plan()
		f.send()
		all = append(all, f.mail.take()...)
	}
	step("2024-08-01 10:05")
	// A finding due on 2 August, escalated to the auditors on the 16th.
	late := f.issue(f.unitA, "2024-08-02", title)
	f.assign(late, "officerA", "2024-12-02")
	// An extension asked and refused: the date stands.
	later := "2024-09-16"
	ext := must(f.work.RequestExtension(f.ctx, f.p["officerA"], "action", a.ID, finding.ExtensionInput{DueDate: &later, Reason: reason}))
	must(f.work.DecideExtension(f.ctx, f.p["auditor"], ext.ID, ext.Version, finding.DecisionRefuse, reason))
	step("2024-08-01 10:10") // extension_requested, extension_decided
	step("2024-08-17 08:00") // action_due (late due-30), unassigned, assessment, digest, escalation
	step("2024-09-03 08:00") // action_overdue
	f.attach(a.ID)
	f.complete(a, "officerA")
	cur := must(f.work.GetFinding(f.ctx, f.p["auditor"], fd.ID))
	cur = must(f.work.Transition(f.ctx, f.p["managerA"], fd.ID, finding.TransitionInput{Verb: finding.Submit, Version: cur.Version}))
	step("2024-09-03 09:00") // finding_submitted
	step("2024-09-04 08:00") // awaiting_verification
	cur = must(f.work.Transition(f.ctx, f.p["auditor"], fd.ID, finding.TransitionInput{Verb: finding.Reject, Reason: reason, Version: cur.Version}))
	cur = must(f.work.Transition(f.ctx, f.p["managerA"], fd.ID, finding.TransitionInput{Verb: finding.Submit, Version: cur.Version}))
	must(f.work.Transition(f.ctx, f.p["auditor2"], fd.ID, finding.TransitionInput{Verb: finding.Close, Version: cur.Version}))
	must(f.work.Transition(f.ctx, f.p["auditor"], idle.ID, finding.TransitionInput{Verb: finding.MarkNotActionable, Reason: reason, Version: idle.Version}))
	step("2024-09-04 10:00") // rejected, submitted again, closed, not actionable

	byKind := map[string]received{}
	for _, m := range all {
		if _, ok := byKind[m.Kind]; !ok {
			byKind[m.Kind] = m
		}
	}
	messageID := regexp.MustCompile(`^<notification-[0-9]+@tl\.kalselprov\.go\.id>$`)
	for _, kind := range notify.Kinds {
		t.Run(kind, func(t *testing.T) {
			m, ok := byKind[kind]
			if !ok {
				t.Fatalf("no %s mail arrived; got %d mails", kind, len(all))
			}
			h := m.Header
			if h.Get("From") != "tindaklanjut <noreply@kalselprov.go.id>" || m.From != "noreply@kalselprov.go.id" {
				t.Errorf("From %q, envelope %q", h.Get("From"), m.From)
			}
			if len(m.To) == 0 || len(m.Rcpt) != len(m.To)+len(m.Cc) {
				t.Errorf("To %v, Cc %v, envelope %v", m.To, m.Cc, m.Rcpt)
			}
			if d, err := h.Date(); err != nil || d.After(f.now()) || d.Before(at("2024-08-01 10:00")) {
				t.Errorf("Date %q (%v)", h.Get("Date"), err)
			}
			if !messageID.MatchString(h.Get("Message-ID")) {
				t.Errorf("Message-ID %q", h.Get("Message-ID"))
			}
			if h.Get("Auto-Submitted") != "auto-generated" {
				t.Errorf("Auto-Submitted %q", h.Get("Auto-Submitted"))
			}
			text, html := parts(t, m)
			for _, part := range []string{text, html} {
				if !strings.Contains(part, "Yth. Bapak/Ibu") || !strings.Contains(part, "https://tl.kalselprov.go.id") {
					t.Errorf("a part lacks the greeting or the link:\n%s", part)
				}
			}
			if strings.Contains(html, "<script>") || strings.Contains(html, "<b>Bukti</b>") {
				t.Errorf("user text unescaped in HTML:\n%s", html)
			}
			switch kind {
			case notify.KindAssessment, notify.KindVerification, notify.KindDigest:
				if !strings.Contains(text, cur.Code) {
					t.Errorf("the list lacks %s:\n%s", cur.Code, text)
				}
			default:
				code := cur.Code
				if kind == "finding_unassigned" || kind == "finding_not_actionable" {
					code = idle.Code
				}
				if kind == notify.KindEscalation {
					code = late.Code
				}
				if !strings.HasPrefix(m.Subject, "["+code+"] ") {
					t.Errorf("subject %q lacks [%s]", m.Subject, code)
				}
				link := "https://tl.kalselprov.go.id/findings/"
				if !strings.Contains(text, link) || !strings.Contains(html, `href="`+link) {
					t.Errorf("no link to the finding:\n%s", html)
				}
				if !strings.Contains(text, "Menetapkan kebijakan manajemen risiko SPBE") {
					t.Errorf("no recommendation:\n%s", text)
				}
			}
			if kind != "finding_unassigned" && kind != "finding_not_actionable" && kind != notify.KindVerification {
				if !strings.Contains(text, title) || !strings.Contains(html, "Aplikasi &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; SIMPEG") {
					t.Errorf("title not as written in text and escaped in HTML:\ntext %s\nhtml %s", text, html)
				}
			}
			switch kind {
			case "action_assigned", notify.KindActionDue, notify.KindActionOverdue:
				if !strings.Contains(text, "Senin, 2 September 2024") || !strings.Contains(html, "Senin, 2 September 2024") {
					t.Errorf("due date not written the Indonesian way:\n%s", text)
				}
				if !strings.Contains(text, "Menyusun rancangan SK tim manajemen risiko") {
					t.Errorf("no action title:\n%s", text)
				}
			case "finding_rejected", "finding_not_actionable":
				if !strings.Contains(text, reason) || !strings.Contains(html, "&lt;b&gt;Bukti&lt;/b&gt; belum sah &amp; tanpa") {
					t.Errorf("reason not as written in text and escaped in HTML:\n%s\n%s", text, html)
				}
			case notify.KindAssessment:
				if !strings.Contains(m.Subject, "Penilaian eksternal") || !strings.Contains(text, "Senin, 16 September 2024") ||
					!strings.Contains(text, "D3 Manajemen SPBE") || !strings.Contains(text, "I21 ") {
					t.Errorf("assessment mail: %q\n%s", m.Subject, text)
				}
			}
			if kind == notify.KindActionDue && (joinAddrs(m.To) != f.email("officerA") || joinAddrs(m.Cc) != f.email("managerA")) {
				t.Errorf("action_due To %v Cc %v", m.To, m.Cc)
			}
		})
	}
}

// TestKeptWithoutSMTP: without a mail server, mails are rendered and kept
// in the outbox for admins to read.
func TestKeptWithoutSMTP(t *testing.T) {
	f := newFixture(t)
	_, f.sender = f.services(f.db, "", 50)
	f.setNow(at("2024-08-01 10:00"))
	fd := f.issue(f.unitA, "2024-09-30", "")
	f.assign(fd, "officerA", "2024-09-02")
	if st := f.send(); st.Kept != 1 || st.Sent != 0 {
		t.Fatalf("%s; want 1 kept", st)
	}
	list, err := f.outbox.List(f.ctx, f.p["admin"], notify.Filter{Status: "kept"}, notify.Page{Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("kept: %v, %v", list, err)
	}
	n := list[0]
	if n.Subject == nil || !strings.HasPrefix(*n.Subject, "["+fd.Code+"]") || n.BodyText == nil || n.BodyHTML == nil ||
		!strings.Contains(*n.BodyText, "Senin, 2 September 2024") {
		t.Errorf("kept notification: %+v", n)
	}
	if len(f.mail.take()) != 0 {
		t.Error("a kept mail was delivered")
	}
	if _, err := f.outbox.List(f.ctx, f.p["managerA"], notify.Filter{}, notify.Page{Limit: 10}); err == nil {
		t.Error("a manager read the outbox")
	}
}
