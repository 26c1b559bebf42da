package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
)

// TestCommentsAndEvidenceRemoval: people comment on a finding from its
// page (an empty comment is refused next to the field, a viewer is not
// offered the form); the officer takes a wrong document off an action
// still to do, and not once it is done.
func TestCommentsAndEvidenceRemoval(t *testing.T) {
	s := newSite(t)
	id, action := s.issued("SK tim manajemen risiko belum ditetapkan", s.unitA, "officer")
	path := fmt.Sprintf("/temuan/%d", id)
	events := func() (n int) {
		s.db.Raw(`SELECT count(*) FROM finding_events WHERE finding_id = ?`, id).Scan(&n)
		return n
	}

	manager := s.browser()
	manager.signIn("manager")
	_, page, _ := manager.get(path)
	tok := token(t, page)
	before := events()
	status, page, _ := manager.post(path+"/komentar", url.Values{"csrf": {tok}, "body": {"   "}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error">wajib diisi`) || events() != before {
		t.Errorf("an empty comment: %d", status)
	}
	long := strings.Repeat("k", 5001)
	if status, page, _ := manager.post(path+"/komentar", url.Values{"csrf": {tok}, "body": {long}}); status != http.StatusUnprocessableEntity ||
		!strings.Contains(page, long) || events() != before {
		t.Errorf("a long comment: %d; the input must be kept", status)
	}
	if status, _, _ := manager.post(path+"/komentar", url.Values{"body": {"Tanpa token"}}); status != http.StatusForbidden || events() != before {
		t.Errorf("a comment without a token: %d", status)
	}
	status, _, h := manager.post(path+"/komentar", url.Values{"csrf": {tok}, "body": {"Mohon <b>segera</b> ditindaklanjuti"}})
	if status != http.StatusSeeOther {
		t.Fatalf("comment: %d", status)
	}
	_, page, _ = manager.get(h.Get("Location"))
	if !strings.Contains(page, "Komentar ditambahkan.") || !strings.Contains(page, "Komentar · Pak manager — Mohon &lt;b&gt;segera&lt;/b&gt; ditindaklanjuti") {
		t.Errorf("the comment is not in the history:\n%s", page)
	}
	officerB := s.browser()
	officerB.signIn("officerB")
	_, own, _ := officerB.get("/temuan")
	if status, _, _ := officerB.post(path+"/komentar", url.Values{"csrf": {token(t, own)}, "body": {"Bukan unit saya"}}); status != http.StatusNotFound || events() != before+1 {
		t.Errorf("another unit's officer comments: %d", status)
	}

	officer := s.browser()
	officer.signIn("officer")
	_, page, _ = officer.get(path)
	_, page, _ = officer.get(officer.upload(action, token(t, page), "SK keliru.pdf", evidencetest.PDF("keliru", 100)))
	remove := regexp.MustCompile(`action="(/bukti/\d+/hapus)"`).FindStringSubmatch(page)
	if remove == nil {
		t.Fatalf("no remove button on the officer's action:\n%s", page)
	}
	if _, mp, _ := manager.get(path); !strings.Contains(mp, "/hapus") {
		t.Errorf("the unit's manager is not offered removal")
	}
	if status, _, _ := officer.post(remove[1], url.Values{}); status != http.StatusForbidden {
		t.Errorf("a removal without a token: %d", status)
	}
	status, _, h = officer.post(remove[1], url.Values{"csrf": {token(t, page)}})
	if status != http.StatusSeeOther {
		t.Fatalf("remove: %d", status)
	}
	_, page, _ = officer.get(h.Get("Location"))
	if regexp.MustCompile(`href="/bukti/\d+"`).MatchString(page) {
		t.Errorf("the document is still listed:\n%s", page)
	}
	if !strings.Contains(page, "Bukti dukung dihapus dari tindak lanjut.") || !strings.Contains(page, "Bukti dukung dihapus · Pak officer") {
		t.Errorf("the removal is not in the history")
	}
	// Twice is a 404: the document is no longer on the action.
	if status, _, _ := officer.post(remove[1], url.Values{"csrf": {token(t, page)}}); status != http.StatusNotFound {
		t.Errorf("removed twice: %d", status)
	}

	// Once the action is done, its evidence stays: no button, and a post is
	// refused with the reason on the page.
	_, page, _ = officer.get(officer.upload(action, token(t, page), "SK benar.pdf", evidencetest.PDF("benar", 100)))
	remove = regexp.MustCompile(`action="(/bukti/\d+/hapus)"`).FindStringSubmatch(page)
	if _, err := s.findings.CompleteAction(context.Background(), s.people["officer"], action, 1, "SK ditetapkan"); err != nil {
		t.Fatal(err)
	}
	_, page, _ = officer.get(path)
	if strings.Contains(page, "/hapus") {
		t.Errorf("removal offered on a done action")
	}
	status, page, _ = officer.post(remove[1], url.Values{"csrf": {token(t, page)}})
	if status != http.StatusConflict || !strings.Contains(page, `class="error"`) || !strings.Contains(page, "SK benar.pdf") {
		t.Errorf("removal from a done action: %d", status)
	}
}
