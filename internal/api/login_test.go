package api_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// inOneWindow waits, when the next boundary of the throttling windows
// (fixed ones: identity counts failures per now.Truncate(w)) is under 30 s
// away, until it has passed, so that the attempts a test counts fall in one
// window: the fixture's identity service reads the real clock.
func inOneWindow(t *testing.T, w time.Duration) {
	t.Helper()
	if left := time.Until(time.Now().Truncate(w).Add(w)); left < 30*time.Second {
		t.Logf("waiting %v for the next throttling window", left.Round(time.Second))
		time.Sleep(left + 100*time.Millisecond)
	}
}

func TestLoginThrottledPerAccount(t *testing.T) {
	f := newFixture(t)
	inOneWindow(t, f.settings.FailureWindow)
	wrong := `{"email":"auditor@kalselprov.go.id","password":"salah-salah"}`
	for i := 0; i < f.settings.AccountFailures; i++ {
		f.problem(f.do("POST", "/api/v1/auth/token", "", wrong, nil), 401)
	}
	rec := f.do("POST", "/api/v1/auth/token", "", wrong, nil)
	f.problem(rec, 429)
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	if err != nil || secs < 1 || secs > int(f.settings.FailureWindow/time.Second) {
		t.Errorf("Retry-After = %q", rec.Header().Get("Retry-After"))
	}
	// Even the right password waits out the window: that is what stops
	// guessing.
	f.problem(f.do("POST", "/api/v1/auth/token", "", `{"email":"auditor@kalselprov.go.id","password":"`+password+`"}`, nil), 429)
	// An unknown account is throttled the same way, so throttling does not
	// reveal which emails exist.
	for i := 0; i < f.settings.AccountFailures; i++ {
		f.do("POST", "/api/v1/auth/token", "", `{"email":"tidakada@kalselprov.go.id","password":"x"}`, nil)
	}
	f.problem(f.do("POST", "/api/v1/auth/token", "", `{"email":"tidakada@kalselprov.go.id","password":"x"}`, nil), 429)
	// Other accounts are unaffected.
	if rec := f.do("POST", "/api/v1/auth/token", "", `{"email":"viewer@kalselprov.go.id","password":"`+password+`"}`, nil); rec.Code != 200 {
		t.Errorf("another account: %d", rec.Code)
	}
}

func TestLoginThrottledPerAddress(t *testing.T) {
	s := identity.DefaultSettings
	s.AddressFailures = 4
	f := newFixtureWith(t, s)
	inOneWindow(t, s.FailureWindow)
	for i := 0; i < 4; i++ {
		f.problem(f.do("POST", "/api/v1/auth/token", "", fmt.Sprintf(`{"email":"u%d@kalselprov.go.id","password":"x"}`, i), nil), 401)
	}
	f.problem(f.do("POST", "/api/v1/auth/token", "", `{"email":"u9@kalselprov.go.id","password":"x"}`, nil), 429)
}

func TestLoginSuccessAndLogout(t *testing.T) {
	f := newFixture(t)
	var out struct {
		Token     string
		ExpiresAt time.Time `json:"expires_at"`
		User      struct {
			Email    string
			Role     string
			Password *string
		}
	}
	rec := f.do("POST", "/api/v1/auth/token", "", `{"email":"  Manager@KalselProv.go.id ","password":"`+password+`"}`, &out)
	if rec.Code != 200 || out.User.Role != "manager" || out.User.Password != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if d := time.Until(out.ExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Errorf("expires in %v; want about 24h", d)
	}
	var stored int
	f.db.Raw("SELECT count(*) FROM auth_tokens WHERE token_hash = sha256(?::bytea)", out.Token).Scan(&stored)
	var plain int
	f.db.Raw("SELECT count(*) FROM auth_tokens WHERE encode(token_hash, 'escape') LIKE '%' || ? || '%'", out.Token[3:12]).Scan(&plain)
	if stored != 1 || plain != 0 {
		t.Errorf("token stored by hash: %d, in plain: %d", stored, plain)
	}
	// GET /me answers with the caller read together with the token.
	var me map[string]any
	f.do("GET", "/api/v1/me", out.Token, "", &me)
	if me["email"] != "manager@kalselprov.go.id" || me["role"] != "manager" || me["unit_id"] != float64(f.unitA.ID) ||
		me["id"] != float64(f.users["manager"].ID) || me["password_hash"] != nil || me["created_at"] == nil {
		t.Errorf("/me = %v", me)
	}
	if rec := f.do("DELETE", "/api/v1/auth/token", out.Token, "", nil); rec.Code != 204 {
		t.Fatalf("logout: %d", rec.Code)
	}
	f.problem(f.do("GET", "/api/v1/me", out.Token, "", nil), 401)
	f.problem(f.do("GET", "/api/v1/me", "tl_bukan-token", "", nil), 401)
	f.problem(f.do("GET", "/api/v1/me", "", "", nil, "Authorization", "Basic YWRtaW46YWRtaW4="), 401)
}
