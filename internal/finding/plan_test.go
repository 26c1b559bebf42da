package finding

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding/findingtest"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// planSize is big enough for the planner to choose as it does on a
// production table, and small enough to generate in seconds.
var planSize = findingtest.Size{Units: 60, Findings: 40_000, Actions: 100_000, Events: 0, Seed: 1}

// TestListPlans checks that the main finding lists are served by the
// indexes made for them: the SQL that listQuery writes is explained on a
// generated table of realistic size, as PostgreSQL plans it for the values
// at hand (a custom plan) and as it plans it once for any values (the
// generic plan that a prepared statement switches to after five runs; pgx
// prepares every statement). No plan may read the whole table, and where an
// index matches both the filter and the order, the plan must take the order
// from it (no Sort), so that a page costs the same at any depth instead of
// growing with the rows that match.
func TestListPlans(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 40,000 findings")
	}
	db := findingtest.DB(t, planSize)
	today := findingtest.Today

	// The unit with the most findings, its first manager, and the officer
	// with the most actions.
	var big struct{ UnitID, Manager, Officer int64 }
	db.Raw(`SELECT f.unit_id,
			(SELECT id FROM users WHERE unit_id = f.unit_id AND role = 'manager' ORDER BY id LIMIT 1) AS manager,
			(SELECT assignee_id FROM actions a JOIN users u ON u.id = a.assignee_id AND u.role = 'officer'
				GROUP BY 1 ORDER BY count(*) DESC LIMIT 1) AS officer
		FROM findings f WHERE f.unit_id IS NOT NULL GROUP BY f.unit_id ORDER BY count(*) DESC LIMIT 1`).Scan(&big)
	var code string
	db.Raw(`SELECT code FROM findings WHERE state = 'closed' ORDER BY id LIMIT 1 OFFSET 1000`).Scan(&code)
	if big.Manager == 0 || big.Officer == 0 || code == "" {
		t.Fatalf("the generated data lack a busy unit, officer or code: %+v %q", big, code)
	}
	auditor := identity.Principal{UserID: 1, Role: identity.RoleAuditor}
	manager := identity.Principal{UserID: big.Manager, Role: identity.RoleManager, UnitID: big.UnitID}
	officer := identity.Principal{UserID: big.Officer, Role: identity.RoleOfficer, UnitID: big.UnitID}

	// deep returns the cursor after the nth row of a list.
	deep := func(p identity.Principal, f Filter, n int) *Cursor {
		t.Helper()
		q, args := listQuery(p, f, nil, n, today)
		var rows []ListItem
		if err := db.Raw(q, args...).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		if len(rows) < n {
			t.Fatalf("list %+v has %d rows; want at least %d for a deep page", f, len(rows), n)
		}
		c := rows[n-1].Cursor()
		return &c
	}
	unit := &big.UnitID
	yes := true
	indicator := "I05"
	inWork := []State{InProgress}
	closed := []State{Closed}
	unitOverdueInWork := Filter{States: inWork, UnitID: unit, Overdue: &yes}

	cases := []struct {
		name  string
		p     identity.Principal
		f     Filter
		after *Cursor
		// want lists the indexes either of which serves the list.
		want []string
		// ordered: the index gives the list order. Unordered plans are
		// accepted where the rows that match are few by nature.
		ordered bool
	}{
		{"manager, one state", manager, Filter{States: inWork}, nil, []string{"findings_unit_state_due_idx"}, true},
		{"manager, all states", manager, Filter{}, nil, []string{"findings_unit_due_idx"}, true},
		{"manager, all states, deep", manager, Filter{}, deep(manager, Filter{}, 2000), []string{"findings_unit_due_idx"}, true},
		{"unit, in progress, overdue", auditor, unitOverdueInWork, nil, []string{"findings_unit_state_due_idx"}, false},
		{"unit, in progress, overdue, deep", auditor, unitOverdueInWork, deep(auditor, unitOverdueInWork, 150),
			[]string{"findings_unit_state_due_idx"}, false},
		{"unit, overdue", auditor, Filter{UnitID: unit, Overdue: &yes}, nil,
			[]string{"findings_unit_due_idx", "findings_unit_state_due_idx"}, false},
		{"all units, one state", auditor, Filter{States: closed}, nil, []string{"findings_state_due_idx"}, true},
		{"all units, one state, deep", auditor, Filter{States: closed}, deep(auditor, Filter{States: closed}, 10_000),
			[]string{"findings_state_due_idx"}, true},
		{"all units, overdue", auditor, Filter{Overdue: &yes}, nil, []string{"findings_due_idx"}, true},
		{"all findings", auditor, Filter{}, nil, []string{"findings_due_idx"}, true},
		{"all findings, deep", auditor, Filter{}, deep(auditor, Filter{}, 30_000), []string{"findings_due_idx"}, true},
		{"indicator", auditor, Filter{Indicator: &indicator}, nil, []string{"findings_indicators_idx", "findings_due_idx"}, false},
		{"text search, a code", auditor, Filter{Query: code}, nil, []string{"findings_code_prefix_idx"}, false},
		{"text search, a code's number", auditor, Filter{Query: code[len(code)-4:]}, nil, []string{"findings_code_trgm_idx"}, false},
		{"text search, a rare word", auditor, Filter{Query: "kriptografi"}, nil,
			[]string{"findings_search_text_idx", "findings_due_idx"}, false},
		{"officer's own", officer, Filter{}, nil, []string{"actions_assignee_idx"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, args := listQuery(c.p, c.f, c.after, 51, today)
			for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
				var nodes []planNode
				if err := json.Unmarshal([]byte(explain(t, db, mode, "(FORMAT JSON)", q, args)), &nodes); err != nil || len(nodes) != 1 {
					t.Fatalf("%s: EXPLAIN output: %v", mode, err)
				}
				all := nodes[0].Plan.flatten()
				var problems []string
				used := false
				for _, n := range all {
					if n.NodeType == "Seq Scan" && n.RelationName == "findings" {
						problems = append(problems, "reads the whole findings table (Seq Scan)")
					}
					if slices.Contains(c.want, n.IndexName) {
						used = true
					}
					if c.ordered && strings.HasSuffix(n.NodeType, "Sort") {
						problems = append(problems, fmt.Sprintf("sorts every matching row (Sort Key %s) instead of reading %s in order",
							strings.Join(n.SortKey, ", "), c.want[0]))
						if slices.ContainsFunc(n.SortKey, func(k string) bool { return strings.Contains(k, "::text") }) {
							problems = append(problems, "the sort key is the text alias due_sort::text: ORDER BY due_sort names the "+
								"output column, not the table's date column; order by findings.due_sort, findings.id")
						}
					}
				}
				if !used {
					problems = append(problems, "uses none of "+strings.Join(c.want, ", "))
				}
				if len(problems) > 0 {
					t.Errorf("%s plan:\n%s\n%s", mode, strings.Join(problems, ";\n"), explain(t, db, mode, "", q, args))
				}
			}
		})
	}
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	Plan         *planNode  `json:"Plan"`
	NodeType     string     `json:"Node Type"`
	RelationName string     `json:"Relation Name"`
	IndexName    string     `json:"Index Name"`
	SortKey      []string   `json:"Sort Key"`
	Plans        []planNode `json:"Plans"`
}

// flatten lists n and every node under it.
func (n *planNode) flatten() []planNode {
	out := []planNode{*n}
	for i := range n.Plans {
		out = append(out, n.Plans[i].flatten()...)
	}
	return out
}

// explain returns EXPLAIN options output for q (with GORM's ? placeholders)
// run with args, in plan_cache_mode mode, through a prepared statement as
// pgx runs it.
func explain(t *testing.T, db *gorm.DB, mode, options, q string, args []any) string {
	t.Helper()
	var stmt strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&stmt, "$%d", n)
			continue
		}
		stmt.WriteRune(r)
	}
	execute := "EXECUTE list_plan"
	if len(args) > 0 {
		lits := make([]string, len(args))
		for i, a := range args {
			lits[i] = literal(t, a)
		}
		execute += "(" + strings.Join(lits, ", ") + ")"
	}
	ctx := context.Background()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var out string
	err = conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		simple := pgx.QueryExecModeSimpleProtocol
		if _, err := c.Exec(ctx, "SET plan_cache_mode = "+mode+"; PREPARE list_plan AS "+stmt.String(), simple); err != nil {
			return err
		}
		defer c.Exec(ctx, "DEALLOCATE list_plan; RESET plan_cache_mode", simple)
		rows, err := c.Query(ctx, "EXPLAIN "+options+" "+execute, simple)
		if err != nil {
			return err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		out = strings.Join(lines, "\n")
		return err
	})
	if err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	return out
}

// literal writes a listQuery argument as an SQL literal.
func literal(t *testing.T, a any) string {
	switch v := a.(type) {
	case date.Date:
		return "'" + v.String() + "'"
	case int64:
		return strconv.FormatInt(v, 10)
	}
	if rv := reflect.ValueOf(a); rv.Kind() == reflect.String {
		return "'" + strings.ReplaceAll(rv.String(), "'", "''") + "'"
	}
	t.Fatalf("no literal for %T", a)
	return ""
}

// TestRareSearchSortsItsMatches: the words a search expects in few
// findings (rareSearch, from the column's statistics) are listed by
// sorting their matches from the trigram index; words in many findings,
// in list order. On 40,000 findings: a word in one in 100 (about 400)
// and a word found nowhere are rare, one in ten (about 4,000) is not, nor
// are two common words that come together.
func TestRareSearchSortsItsMatches(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 40,000 findings")
	}
	ctx := context.Background()
	db := findingtest.DB(t, planSize)
	if err := db.Exec(`ANALYZE findings`).Error; err != nil {
		t.Fatal(err)
	}
	svc := NewService(db, func() time.Time { return findingtest.Today.Time(time.UTC).Add(9 * time.Hour) }, time.UTC)
	for _, c := range []struct {
		words []string
		rare  bool
	}{
		{[]string{"kriptografi"}, true},
		{[]string{"KRIPTOGRAFI"}, true},
		{[]string{"kriptogarfi"}, true},
		{[]string{"kriptografi", "BSSN"}, true},
		{[]string{"kebijakan"}, false},
		{[]string{"SPBE", "belum"}, false},
		{[]string{"kripto%grafi"}, true}, // literally nowhere
	} {
		var rare bool
		if err := postgres.WithConn(ctx, db, func(conn *pgx.Conn) error {
			rare = svc.rareSearch(ctx, conn, c.words)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if rare != c.rare {
			t.Errorf("rareSearch(%q) = %v; want %v", c.words, rare, c.rare)
		}
	}
	// On the sorted path LIKE's characters stay literal: the rare word
	// lists findings, the same word with a % inside lists none.
	auditor := identity.Principal{UserID: 1, Role: identity.RoleAuditor}
	for q, some := range map[string]bool{"kriptografi": true, "kripto%grafi": false, "kriptografi _": false} {
		items, err := svc.ListFindings(ctx, auditor, Filter{Query: q}, nil, 51)
		if err != nil {
			t.Fatal(err)
		}
		if (len(items) > 0) != some {
			t.Errorf("ListFindings(q=%q): %d findings", q, len(items))
		}
	}
	q, args := sortedListQuery(auditor, Filter{Query: "kriptografi"}, nil, 51, findingtest.Today)
	// Planned for the word, and as the prepared statement it runs as plans
	// it for any word.
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		var nodes []planNode
		if err := json.Unmarshal([]byte(explain(t, db, mode, "(FORMAT JSON)", q, args)), &nodes); err != nil || len(nodes) != 1 {
			t.Fatalf("%s: EXPLAIN output: %v", mode, err)
		}
		if !slices.ContainsFunc(nodes[0].Plan.flatten(), func(n planNode) bool { return n.IndexName == "findings_search_text_idx" }) {
			t.Errorf("%s: a rare word's sorted list does not take its matches from the trigram index:\n%s",
				mode, explain(t, db, mode, "", q, args))
		}
	}
}

// BenchmarkRareSearch measures the estimate every text search makes
// before it is listed (rareSearch), with the sample read: a scan of up to
// 1,000 sampled texts of some 500 bytes for the words.
func BenchmarkRareSearch(b *testing.B) {
	ctx := context.Background()
	db := findingtest.DB(b, planSize)
	if err := db.Exec(`ANALYZE findings`).Error; err != nil {
		b.Fatal(err)
	}
	svc := NewService(db, nil, nil)
	if err := postgres.WithConn(ctx, db, func(conn *pgx.Conn) error {
		for _, words := range [][]string{{"kriptografi"}, {"sertifikat", "kedaluwarsa"}, {"kebijakan"}} {
			b.Run(strings.Join(words, "_"), func(b *testing.B) {
				for b.Loop() {
					svc.rareSearch(ctx, conn, words)
				}
			})
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
}
