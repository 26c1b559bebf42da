package api_test

import (
	"fmt"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
)

// workflowAccessCases are the access-matrix rows of reviews, findings,
// actions and their history. The finding of unit A is in progress with an
// action of the unit's officer; the one of unit B is open.
func workflowAccessCases(m matrix) []accessCase {
	f := m.f
	rev := f.newReview("")
	inProgress := f.findingIn("in_progress")
	act := inProgress.Actions[0]
	unassigned := f.findingIn("open")
	var other findingDoc
	mustStatus(f.t, f.do("POST", "/api/v1/findings", f.tokens["auditor"], fmt.Sprintf(`{"review_id":%d,"title":"Temuan Bappeda",
		"severity":"low","unit_id":%d,"recommendation":"Menyusun SOP","due_date":"2024-12-31"}`, rev, f.unitB.ID), &other), 201)
	f.mustMove("auditor", other, "issue", "")

	fp := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/findings/%d%s", id, rest) }
	writers := func(ok int, roles ...string) map[string]int {
		w := m.all(403)
		for _, r := range roles {
			w[r] = ok
		}
		return w
	}
	auditors := func(ok int) map[string]int { return writers(ok, "admin", "auditor") }
	newAction := func() string {
		a := f.assign("manager", inProgress.ID, "[]")
		return fmt.Sprintf("/api/v1/actions/%d/complete", a.ID)
	}
	newDraft := func() string { return fp(f.newFinding(rev, "").ID, "/transitions") }
	pdf := evidencetest.PDF("SK", 0)
	uploadType, uploadBody := multipartWith("uji-akses", append(skFields("sk"), file("SK.pdf", pdf))...)
	art := f.mustUpload("manager", act.ID, "sk", "SK.pdf", pdf)
	ap := func(id int64, rest string) string { return fmt.Sprintf("/api/v1/artifacts/%d%s", id, rest) }
	newArtifact := func() string {
		a := f.assign("manager", inProgress.ID, "[]")
		return ap(f.mustUpload("manager", a.ID, "sk", "SK.pdf", pdf).ID, "")
	}

	return []accessCase{
		{method: "GET", path: "/api/v1/reviews", want: m.all(200)},
		{method: "POST", path: "/api/v1/reviews", body: func() string {
			return fmt.Sprintf(`{"kind":"ict_audit","title":"Audit TIK %d","conducted_on":"2024-08-01"}`, m.seq.Add(1))
		}, want: auditors(201)},
		{method: "GET", path: fmt.Sprintf("/api/v1/reviews/%d", rev), want: m.all(200)},
		{method: "GET", path: "/api/v1/reviews/999999", want: m.all(404)},
		{method: "PATCH", path: fmt.Sprintf("/api/v1/reviews/%d", rev), body: func() string {
			return fmt.Sprintf(`{"summary":"Ringkasan %d"}`, m.seq.Add(1))
		}, ifMatch: func() string { return m.versionOf(fmt.Sprintf("/api/v1/reviews/%d", rev)) }, want: auditors(200)},

		{method: "GET", path: "/api/v1/findings", want: m.all(200)},
		{method: "POST", path: "/api/v1/findings", body: func() string {
			return fmt.Sprintf(`{"review_id":%d,"title":"Temuan %d","severity":"low"}`, rev, m.seq.Add(1))
		}, want: auditors(201)},
		{method: "GET", path: fp(inProgress.ID, ""), want: m.all(200)},
		{method: "GET", path: fp(unassigned.ID, ""), want: m.merge(m.all(200), "officer", 404)},
		{method: "GET", path: fp(other.ID, ""), want: m.merge(m.all(200), "manager", 404, "officer", 404)},
		{method: "GET", path: fp(999999, ""), want: m.all(404)},
		{method: "PATCH", path: fp(inProgress.ID, ""), body: func() string { return fmt.Sprintf(`{"effect":"Nilai indikator %d"}`, m.seq.Add(1)) },
			ifMatch: func() string { return m.versionOf(fp(inProgress.ID, "")) }, want: auditors(200)},
		{method: "PATCH", path: fp(other.ID, ""), body: func() string { return fmt.Sprintf(`{"effect":"Dampak %d"}`, m.seq.Add(1)) },
			ifMatch: func() string { return m.versionOf(fp(other.ID, "")) }, want: m.merge(auditors(200), "manager", 404, "officer", 404)},
		{method: "POST", path: fp(0, "/transitions"), fresh: newDraft, body: func() string { return `{"action":"issue","version":1}` },
			want: m.merge(auditors(200), "manager", 404, "officer", 404)},
		{method: "GET", path: fp(inProgress.ID, "/events"), want: m.all(200)},
		{method: "GET", path: fp(other.ID, "/events"), want: m.merge(m.all(200), "manager", 404, "officer", 404)},
		{method: "POST", path: fp(inProgress.ID, "/comments"), body: func() string { return `{"body":"Mohon dilengkapi"}` },
			want: writers(201, "admin", "auditor", "manager", "officer")},
		{method: "POST", path: fp(other.ID, "/comments"), body: func() string { return `{"body":"Mohon dilengkapi"}` },
			want: m.merge(writers(201, "admin", "auditor", "manager", "officer"), "manager", 404, "officer", 404)},

		{method: "POST", path: fp(inProgress.ID, "/actions"), body: func() string {
			return fmt.Sprintf(`{"title":"Tindak lanjut %d","assignee_id":%d,"due_date":"2024-09-15"}`, m.seq.Add(1), f.users["officer"].ID)
		}, want: writers(201, "admin", "auditor", "manager")},
		{method: "PATCH", path: fmt.Sprintf("/api/v1/actions/%d", act.ID), body: func() string {
			return fmt.Sprintf(`{"description":"Rincian %d"}`, m.seq.Add(1))
		}, ifMatch: func() string { return actionVersion(f, inProgress.ID, act.ID) }, want: writers(200, "admin", "auditor", "manager")},
		{method: "PATCH", path: "/api/v1/actions/999999", body: func() string { return `{"description":"x"}` },
			ifMatch: func() string { return "1" }, want: m.all(404)},
		{method: "POST", path: "/api/v1/actions/0/complete", fresh: newAction, body: func() string { return `{"note":"Selesai","version":1}` },
			want: writers(200, "admin", "manager", "officer")},

		{method: "POST", path: fmt.Sprintf("/api/v1/actions/%d/artifacts", act.ID), contentType: uploadType,
			body: func() string { return uploadBody }, want: writers(201, "admin", "manager", "officer")},
		{method: "POST", path: "/api/v1/actions/999999/artifacts", contentType: uploadType,
			body: func() string { return uploadBody }, want: m.all(404)},
		{method: "GET", path: ap(art.ID, ""), want: m.all(200)},
		{method: "GET", path: ap(art.ID, "/content"), want: m.all(200)},
		{method: "GET", path: ap(999999, ""), want: m.all(404)},
		{method: "GET", path: ap(999999, "/content"), want: m.all(404)},
		{method: "DELETE", path: ap(0, ""), fresh: newArtifact, want: writers(204, "admin", "manager", "officer")},
	}
}

// actionVersion reads the current version of one action of a finding.
func actionVersion(f *fixture, finding, action int64) string {
	for _, a := range f.getFinding("admin", finding).Actions {
		if a.ID == action {
			return fmt.Sprint(a.Version)
		}
	}
	return "0"
}
