package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestExtensionForms: the assignee asks for more time on the finding's
// page (a bad form keeps what was typed and writes nothing), the manager
// for the finding's, and an auditor decides both from the dashboard's
// list; a decided request cannot be decided again.
func TestExtensionForms(t *testing.T) {
	s := newSite(t)
	fid, aid := s.issued("Kebijakan manajemen risiko SPBE belum ada", s.unitA, "officer")
	count := func() (n int) {
		s.db.Raw(`SELECT count(*) FROM extension_requests`).Scan(&n)
		return n
	}
	officer := s.browser()
	officer.signIn("officer")
	_, page, _ := officer.get(fmt.Sprintf("/temuan/%d", fid))
	if !strings.Contains(page, fmt.Sprintf(`action="/tindak-lanjut/%d/perpanjangan"`, aid)) {
		t.Fatalf("the assignee is not offered the request form:\n%s", page)
	}
	if strings.Contains(page, fmt.Sprintf(`action="/temuan/%d/perpanjangan"`, fid)) {
		t.Errorf("an officer is offered the finding's request form")
	}
	tok := token(t, page)
	path := fmt.Sprintf("/tindak-lanjut/%d/perpanjangan", aid)
	for _, tt := range []struct {
		name string
		form url.Values
		kept string
	}{
		{"no reason", url.Values{"due_date": {"2024-10-31"}, "reason": {""}}, `value="2024-10-31"`},
		{"earlier date", url.Values{"due_date": {"2024-09-01"}, "reason": {"SK menunggu tanda tangan"}}, "SK menunggu tanda tangan"},
		{"malformed date", url.Values{"due_date": {"31/10/2024"}, "reason": {"SK menunggu"}}, "SK menunggu"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set("csrf", tok)
			status, page, _ := officer.post(path, tt.form)
			if status != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error"`) || !strings.Contains(page, tt.kept) {
				t.Errorf("status %d; want 422 with the message and the input kept:\n%s", status, page)
			}
		})
	}
	if n := count(); n != 0 {
		t.Fatalf("bad forms wrote %d requests", n)
	}
	status, _, _ := officer.post(path, url.Values{"csrf": {tok}, "due_date": {"2024-10-31"}, "reason": {"SK menunggu tanda tangan Gubernur"}})
	if status != http.StatusSeeOther || count() != 1 {
		t.Fatalf("asking: %d, %d requests", status, count())
	}
	_, page, _ = officer.get(fmt.Sprintf("/temuan/%d?ok=extension", fid))
	if !strings.Contains(page, "menunggu keputusan auditor") || strings.Contains(page, fmt.Sprintf(`action="/tindak-lanjut/%d/perpanjangan"`, aid)) {
		t.Errorf("after asking, the page does not show the pending request, or still offers the form:\n%s", page)
	}

	manager := s.browser()
	manager.signIn("manager")
	_, page, _ = manager.get(fmt.Sprintf("/temuan/%d", fid))
	status, _, _ = manager.post(fmt.Sprintf("/temuan/%d/perpanjangan", fid), url.Values{"csrf": {token(t, page)}, "due_date": {"2024-12-31"},
		"reason": {"Menunggu hasil rapat"}})
	if status != http.StatusSeeOther || count() != 2 {
		t.Fatalf("the manager asking for the finding: %d", status)
	}
	if _, page, _ = manager.get("/"); strings.Contains(page, `id="perpanjangan"`) {
		t.Errorf("a manager is shown the auditors' list")
	}

	auditor := s.browser()
	auditor.signIn("auditor")
	_, page, _ = auditor.get("/")
	if !strings.Contains(page, `id="perpanjangan"`) || !strings.Contains(page, "SK menunggu tanda tangan Gubernur") || !strings.Contains(page, "Menunggu hasil rapat") {
		t.Fatalf("the auditor's dashboard lacks the pending requests:\n%s", page)
	}
	tok = token(t, page)
	var ids []struct {
		ID      int64
		Version int
	}
	s.db.Raw(`SELECT id, version FROM extension_requests ORDER BY id`).Scan(&ids)
	decide := func(id int64, decision, note string) (int, string) {
		status, page, _ := auditor.post(fmt.Sprintf("/perpanjangan/%d/keputusan", id), url.Values{"csrf": {tok}, "version": {"1"},
			"decision": {decision}, "note": {note}})
		return status, page
	}
	if status, page := decide(ids[1].ID, "refuse", ""); status != http.StatusUnprocessableEntity || !strings.Contains(page, `class="field-error"`) {
		t.Errorf("refusing without a note: %d", status)
	}
	if status, _ := decide(ids[0].ID, "approve", "Disetujui"); status != http.StatusSeeOther {
		t.Errorf("approving: %d", status)
	}
	if status, _ := decide(ids[1].ID, "refuse", "Tidak cukup alasan"); status != http.StatusSeeOther {
		t.Errorf("refusing: %d", status)
	}
	if status, page := decide(ids[0].ID, "refuse", "Lagi"); status != http.StatusConflict || !strings.Contains(page, "class=\"error\"") && !strings.Contains(page, "sudah") {
		t.Errorf("deciding again: %d", status)
	}
	var due string
	s.db.Raw(`SELECT due_date::text FROM actions WHERE id = ?`, aid).Scan(&due)
	if due != "2024-10-31" {
		t.Errorf("the action is due %s after the approval", due)
	}
	if _, page, _ = auditor.get("/"); !strings.Contains(page, "Tidak ada permohonan yang menunggu keputusan") {
		t.Errorf("the list is not empty after deciding")
	}
}
