package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestLanguagePerUser: a signed-in user's choice of English is kept with
// the user, so a browser they sign in from later shows English too; the
// choice needs the form's token and a language offered, and a browser
// before sign-in switches by its cookie alone.
func TestLanguagePerUser(t *testing.T) {
	s := newSite(t)
	stored := func() (lang string) {
		s.db.Raw(`SELECT lang FROM users WHERE email = 'manager@kalselprov.go.id'`).Scan(&lang)
		return lang
	}
	office := s.browser()
	office.signIn("manager")
	_, page, _ := office.get("/temuan")
	if !strings.Contains(page, `<html lang="id">`) || !strings.Contains(page, `action="/bahasa"`) {
		t.Fatalf("the page is not Indonesian with a language form:\n%.800s", page)
	}
	tok := token(t, page)
	if status, _, _ := office.post("/bahasa", url.Values{"ke": {"en"}, "kembali": {"/temuan"}}); status != http.StatusForbidden || stored() != "id" {
		t.Errorf("a choice without the token: %d, stored %q", status, stored())
	}
	if status, page, _ := office.post("/bahasa", url.Values{"csrf": {tok}, "ke": {"jv"}, "kembali": {"/temuan"}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, "harus salah satu dari id, en") || stored() != "id" {
		t.Errorf("a language not offered: %d, stored %q", status, stored())
	}
	status, _, h := office.post("/bahasa", url.Values{"csrf": {tok}, "ke": {"en"}, "kembali": {"https://evil.example/"}})
	if status != http.StatusSeeOther || h.Get("Location") != "/" || stored() != "en" {
		t.Fatalf("choose English: %d %q, stored %q (no open redirect)", status, h.Get("Location"), stored())
	}
	if _, page, _ := office.get("/temuan"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "Sign out") {
		t.Errorf("English was not kept in this browser")
	}

	// At home, a new browser: Indonesian before sign-in, English after.
	home := s.browser()
	if _, page, _ := home.get("/masuk"); !strings.Contains(page, `<html lang="id">`) {
		t.Errorf("a new browser does not start in Indonesian")
	}
	home.signIn("manager")
	if _, page, _ := home.get("/temuan"); !strings.Contains(page, `<html lang="en">`) {
		t.Errorf("the user's English did not follow them to another browser")
	}

	// Back to Indonesian, stored too.
	_, page, _ = home.get("/temuan")
	if status, _, _ := home.post("/bahasa", url.Values{"csrf": {token(t, page)}, "ke": {"id"}, "kembali": {"/temuan"}}); status != http.StatusSeeOther || stored() != "id" {
		t.Errorf("back to Indonesian: %d, stored %q", status, stored())
	}

	// Before sign-in the link sets the browser's cookie only.
	visitor := s.browser()
	if status, _, _ := visitor.get("/bahasa?ke=en&kembali=/masuk"); status != http.StatusSeeOther {
		t.Errorf("anonymous switch: %d", status)
	}
	if _, page, _ := visitor.get("/masuk"); !strings.Contains(page, `<html lang="en">`) {
		t.Errorf("the sign-in page did not switch to English")
	}
}
