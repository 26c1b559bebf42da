package finding

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// TestSearchOfSeveralWordsPagesAsOneQuery: a search of several words checks
// the first findings in list order before it leaves the rest to the list's
// own query (probeList); page after page, for every reach of that first
// check, it must list exactly what the list's query lists in one go, for
// any caller and filter.
func TestSearchOfSeveralWordsPagesAsOneQuery(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 40,000 findings")
	}
	ctx := context.Background()
	db := findingtest.DB(t, planSize)
	svc := NewService(db, func() time.Time { return findingtest.Today.Time(time.UTC).Add(9 * time.Hour) }, time.UTC)
	today := svc.Today()
	var big struct{ UnitID, Manager, Officer int64 }
	db.Raw(`SELECT f.unit_id,
			(SELECT id FROM users WHERE unit_id = f.unit_id AND role = 'manager' ORDER BY id LIMIT 1) AS manager,
			(SELECT assignee_id FROM actions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS officer
		FROM findings f WHERE f.unit_id IS NOT NULL GROUP BY f.unit_id ORDER BY count(*) DESC LIMIT 1`).Scan(&big)
	auditor := identity.Principal{UserID: 1, Role: identity.RoleAuditor}
	manager := identity.Principal{UserID: big.Manager, Role: identity.RoleManager, UnitID: big.UnitID}
	officer := identity.Principal{UserID: big.Officer, Role: identity.RoleOfficer, UnitID: big.UnitID}
	yes := true
	cases := []struct {
		name string
		p    identity.Principal
		f    Filter
	}{
		{"a phrase, every finding", auditor, Filter{Query: "sertifikat kedaluwarsa"}},
		{"a phrase, overdue in work", auditor, Filter{Query: "belum ditetapkan", States: []State{InProgress}, Overdue: &yes}},
		{"rare words", auditor, Filter{Query: "kriptografi BSSN"}},
		{"words never together", auditor, Filter{Query: "kriptografi Wilayah"}},
		{"nothing", auditor, Filter{Query: "kriptografi zzzz"}},
		{"a manager's phrase", manager, Filter{Query: "Kepala Inspektur"}},
		{"an officer's phrase", officer, Filter{Query: "SPBE belum"}},
		// One word: a rare one is listed from its sorted matches
		// (rareSearch), a common one in list order.
		{"a rare word", auditor, Filter{Query: "kriptografi"}},
		{"a rare word, a manager's", manager, Filter{Query: "Kriptografi"}},
		{"a common word", auditor, Filter{Query: "kebijakan"}},
		{"a word found nowhere", auditor, Filter{Query: "kriptogarfi"}},
		// LIKE's characters are literal on the sorted path too: rare
		// (nowhere, literally), where as wildcards they would match.
		{"LIKE characters", auditor, Filter{Query: "kripto%grafi"}},
		{"LIKE characters beside a rare word", auditor, Filter{Query: "kriptografi _"}},
	}
	defer func(n int) { probeRows = n }(probeRows)
	for _, probe := range []int{7, 60, 2000} {
		probeRows = probe
		for _, c := range cases {
			q, args := listQuery(c.p, c.f, nil, 1_000_000, today)
			var all []ListItem
			if err := db.Raw(q, args...).Scan(&all).Error; err != nil {
				t.Fatal(err)
			}
			var want, got []int64
			for _, it := range all {
				want = append(want, it.ID)
			}
			const page = 20
			var after *Cursor
			for {
				items, err := svc.ListFindings(ctx, c.p, c.f, after, page+1)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range items[:min(page, len(items))] {
					got = append(got, it.ID)
				}
				if len(items) <= page {
					break
				}
				cur := items[page-1].Cursor()
				after = &cur
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s, first %d checked: %d findings paged; the query lists %d (first difference at %d)",
					c.name, probe, len(got), len(want), firstDifference(got, want))
			}
			if probe == 2000 && c.name == "a phrase, every finding" && len(want) < 100 {
				t.Errorf("%q matches %d findings; want a common phrase", c.f.Query, len(want))
			}
		}
	}
}

func firstDifference(a, b []int64) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
