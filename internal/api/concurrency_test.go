package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sync"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// TestParallelTransitionsOneWins: 20 callers send the same transition with
// the same version at once; exactly one succeeds, the others get 409, and
// the history holds exactly one new event.
func TestParallelTransitionsOneWins(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("open")
	var before int
	f.db.Raw("SELECT count(*) FROM finding_events WHERE finding_id = ?", fd.ID).Scan(&before)

	const n = 20
	codes := make([]int, n)
	together(n, func(i int) {
		who := []string{"auditor", "admin"}[i%2]
		codes[i] = f.move(who, fd.ID, "mark_not_actionable", fmt.Sprintf("Alasan %d", i), fd.Version).Code
	})
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[200] != 1 || count[409] != n-1 {
		t.Fatalf("statuses = %v; want one 200 and %d 409", count, n-1)
	}
	var after int
	f.db.Raw("SELECT count(*) FROM finding_events WHERE finding_id = ?", fd.ID).Scan(&after)
	if after != before+1 {
		t.Errorf("events %d → %d; want exactly one more", before, after)
	}
	got := f.getFinding("auditor", fd.ID)
	if got.State != "not_actionable" || got.Version != fd.Version+1 {
		t.Errorf("finding = %s v%d; want not_actionable v%d", got.State, got.Version, fd.Version+1)
	}
}

// TestParallelCreationsDistinctCodes: 100 findings created at once get 100
// distinct, well-formed codes.
func TestParallelCreationsDistinctCodes(t *testing.T) {
	f := newFixture(t)
	rev := f.newReview("")
	const n = 100
	codes := make([]string, n)
	statuses := make([]int, n)
	together(n, func(i int) {
		body := fmt.Sprintf(`{"review_id":%d,"title":"Temuan paralel %d","severity":"medium"}`, rev, i)
		rec := f.do("POST", "/api/v1/findings", f.tokens[[]string{"auditor", "admin"}[i%2]], body, nil)
		statuses[i] = rec.Code
		var out struct{ Code string }
		json.Unmarshal(rec.Body.Bytes(), &out)
		codes[i] = out.Code
	})
	seen := map[string]bool{}
	format := regexp.MustCompile(`^TL-2024-[0-9]{4,}$`)
	for i, c := range codes {
		if statuses[i] != 201 {
			t.Fatalf("creation %d: status %d", i, statuses[i])
		}
		if !format.MatchString(c) {
			t.Errorf("code %q is not TL-2024-NNNN", c)
		}
		if seen[c] {
			t.Errorf("code %s handed out twice", c)
		}
		seen[c] = true
	}
	if len(seen) != n {
		t.Errorf("%d distinct codes; want %d", len(seen), n)
	}
}

// together runs fn(0) … fn(n-1) in n goroutines released at the same
// moment, and waits for all of them.
func together(n int, fn func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			fn(i)
		}()
	}
	close(start)
	wg.Wait()
}

// TestParallelWritesOnOneFinding: assignments, uploads, comments, edits
// and completions of actions sent at once on one finding all succeed,
// although each reads the finding and writes only while its history is
// where it read it (those that lose the race decide again under the
// lock); the history then holds every event, once, in one unbroken chain.
func TestParallelWritesOnOneFinding(t *testing.T) {
	f := newFixture(t)
	fd := f.findingIn("open")
	a := f.assign("manager", fd.ID, "")
	const n = 25
	own := make([]actionDoc, n) // the actions edited or completed, one per request
	for i := range n {
		if i%5 >= 3 {
			own[i] = f.assign("manager", fd.ID, "")
		}
	}
	var before int
	f.db.Raw("SELECT count(*) FROM finding_events WHERE finding_id = ?", fd.ID).Scan(&before)

	codes := make([]int, n)
	together(n, func(i int) {
		switch i % 5 {
		case 0:
			body := fmt.Sprintf(`{"title":"Tindak lanjut %d","assignee_id":%d,"due_date":"2024-08-31"}`, i, f.users["officer"].ID)
			codes[i] = f.do("POST", fmt.Sprintf("/api/v1/findings/%d/actions", fd.ID), f.tokens["manager"], body, nil).Code
		case 1:
			codes[i] = f.upload("officer", a.ID, append(skFields("sk"), file(fmt.Sprintf("sk-%d.pdf", i),
				evidencetest.PDF(fmt.Sprintf("Keputusan nomor %d", i), 0)))).Code
		case 2:
			codes[i] = f.do("POST", fmt.Sprintf("/api/v1/findings/%d/comments", fd.ID), f.tokens["auditor"],
				fmt.Sprintf(`{"body":"Catatan %d"}`, i), nil).Code
		case 3:
			codes[i] = f.do("PATCH", fmt.Sprintf("/api/v1/actions/%d", own[i].ID), f.tokens["manager"],
				fmt.Sprintf(`{"title":"Tindak lanjut diubah %d","version":%d}`, i, own[i].Version), nil).Code
		default:
			codes[i] = f.do("POST", fmt.Sprintf("/api/v1/actions/%d/complete", own[i].ID), f.tokens["officer"],
				fmt.Sprintf(`{"note":"Selesai %d","version":%d}`, i, own[i].Version), nil).Code
		}
	})
	for i, c := range codes {
		if want := []int{201, 201, 201, 200, 200}[i%5]; c != want {
			t.Errorf("request %d (kind %d): status %d; want %d", i, i%5, c, want)
		}
	}
	var after, actions, artifacts, done, renamed int
	f.db.Raw("SELECT count(*) FROM finding_events WHERE finding_id = ?", fd.ID).Scan(&after)
	f.db.Raw("SELECT count(*) FROM actions WHERE finding_id = ?", fd.ID).Scan(&actions)
	f.db.Raw("SELECT count(*) FROM artifacts WHERE action_id = ?", a.ID).Scan(&artifacts)
	f.db.Raw("SELECT count(*) FROM actions WHERE finding_id = ? AND status = 'done'", fd.ID).Scan(&done)
	f.db.Raw("SELECT count(*) FROM actions WHERE finding_id = ? AND title LIKE 'Tindak lanjut diubah %'", fd.ID).Scan(&renamed)
	if after != before+n || actions != 1+3*n/5 || artifacts != n/5 || done != n/5 || renamed != n/5 {
		t.Errorf("events %d → %d, actions %d, artifacts %d, done %d, edited %d; want %d more events, %d actions, %d of the others",
			before, after, actions, artifacts, done, renamed, n, 1+3*n/5, n/5)
	}
	rep, err := finding.VerifyHistory(context.Background(), f.db)
	if err != nil || len(rep.Breaks) > 0 {
		t.Errorf("history: %v %v", err, rep.Breaks)
	}
	got := f.getFinding("auditor", fd.ID)
	if got.State != "in_progress" {
		t.Errorf("finding is %s; want in_progress", got.State)
	}
}
