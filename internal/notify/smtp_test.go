package notify_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// mailServer is a real SMTP server on loopback that records what it
// accepts and, on demand, refuses (4xx, 5xx), drops the connection or is
// down altogether. It stops when the test ends.
type mailServer struct {
	t    testing.TB
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	mails    []received
	sessions int
	// refuse, when set, decides the answer to a message: nil accepts it,
	// errDrop drops the connection, an *smtp.SMTPError refuses it. It is
	// called with mu held.
	refuse func(m received) error
	// sink discards messages unread (benchmarks); count counts them.
	sink  bool
	count int
}

// errDrop makes the server drop the connection instead of answering.
var errDrop = errors.New("drop the connection")

// received is one accepted message.
type received struct {
	From    string
	Rcpt    []string
	Raw     []byte
	Header  netmail.Header
	Subject string
	Kind    string
	Key     string
	To, Cc  []string // addresses of the headers
}

func startMailServer(t testing.TB) *mailServer { return startServer(t, false) }

// startSink starts a server that accepts and discards every message.
func startSink(t testing.TB) *mailServer { return startServer(t, true) }

func startServer(t testing.TB, sink bool) *mailServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &mailServer{t: t, addr: l.Addr().String(), sink: sink}
	s.serve(l)
	t.Cleanup(s.stop)
	return s
}

// URL is the SMTP_URL of the server.
func (s *mailServer) URL() string { return "smtp://" + s.addr + "?tls=none" }

func (s *mailServer) serve(l net.Listener) {
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go srv.Serve(l)
}

// stop takes the server down: connections are refused until start.
func (s *mailServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// start brings the server back up on its address.
func (s *mailServer) start() {
	s.t.Helper()
	var l net.Listener
	var err error
	for range 50 {
		if l, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.serve(l)
}

func (s *mailServer) setRefuse(f func(m received) error) {
	s.mu.Lock()
	s.refuse = f
	s.mu.Unlock()
}

// take returns the messages accepted since the last take.
func (s *mailServer) take() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.mails
	s.mails = nil
	return out
}

func (s *mailServer) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

type backend struct{ s *mailServer }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.s.mu.Lock()
	b.s.sessions++
	b.s.mu.Unlock()
	return &session{s: b.s, c: c}, nil
}

type session struct {
	s    *mailServer
	c    *smtp.Conn
	from string
	rcpt []string
}

func (x *session) Reset()        { x.from, x.rcpt = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.rcpt = append(x.rcpt, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	if x.s.sink {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
		x.s.mu.Lock()
		x.s.count++
		x.s.mu.Unlock()
		return nil
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := received{From: x.from, Rcpt: x.rcpt, Raw: raw}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("unreadable message: %w", err)
	}
	m.Header = msg.Header
	dec := new(mime.WordDecoder)
	m.Subject, _ = dec.DecodeHeader(msg.Header.Get("Subject"))
	m.Kind, m.Key = msg.Header.Get("X-Tindaklanjut-Kind"), msg.Header.Get("X-Tindaklanjut-Key")
	for _, h := range []struct {
		name string
		dst  *[]string
	}{{"To", &m.To}, {"Cc", &m.Cc}} {
		if msg.Header.Get(h.name) == "" {
			continue
		}
		list, err := msg.Header.AddressList(h.name)
		if err != nil {
			return fmt.Errorf("%s: %w", h.name, err)
		}
		for _, a := range list {
			*h.dst = append(*h.dst, a.Address)
		}
	}
	// refuse runs under the lock: the tests' functions keep state.
	x.s.mu.Lock()
	var refused error
	if x.s.refuse != nil {
		refused = x.s.refuse(m)
	}
	x.s.mu.Unlock()
	if errors.Is(refused, errDrop) {
		x.c.Conn().Close()
	}
	if refused != nil {
		return refused
	}
	x.s.mu.Lock()
	x.s.mails = append(x.s.mails, m)
	x.s.mu.Unlock()
	return nil
}

// smtpError is the server's refusal with code.
func smtpError(code int, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: msg}
}

// addresses lists the addresses of ms's recipients, for messages.
func joinAddrs(xs []string) string { return strings.Join(xs, ",") }
