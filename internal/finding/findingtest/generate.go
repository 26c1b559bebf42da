// Package findingtest generates a realistic follow-up data set for tests and
// benchmarks: units with their managers, officers and auditors; reviews;
// findings in every state, with due dates two years either side of a fixed
// date; their actions and evidence; and the hash-chained history of every
// finding, so that the service appends to it as it would in production and
// `verify-history` finds every chain intact.
//
// Generate writes through COPY, with the big tables' secondary indexes and
// foreign keys set aside while loading and rebuilt after (a bulk build is
// several times faster than maintaining them row by row). DB and URL cache
// the generated database as a template on the test server, so that each
// test or benchmark gets a copy in about a second.
package findingtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
)

// Size says how much to generate.
type Size struct {
	Units    int
	Findings int
	// Actions are spread over the findings that have reached in_progress
	// (open findings and drafts have none, by the life cycle).
	Actions int
	// Events is the history's size. 0 writes no history at all (every
	// chain empty). Otherwise every finding gets the events of its life
	// story (created, issued, actions assigned and completed, submitted,
	// rejected, closed, …, about eight on average) and comments fill up to
	// Events when the stories leave room.
	Events int
	Seed   int64
}

// Full is the data set of the benchmarks quoted in issue notes.
var Full = Size{Units: 60, Findings: 100_000, Actions: 250_000, Events: 1_000_000, Seed: 1}

// Today is the date the data set is generated around: due dates lie up to
// two years either side of it and every event happened before it. Tests and
// benchmarks on generated data set their clock to this date.
var Today = date.New(2025, time.June, 30)

// Version names what Generate writes; change it with the generator so that
// cached copies are rebuilt.
const Version = "2"

// DB returns a connection pool on a fresh copy of a database generated with
// size (built once per test server, then cached as a template).
func DB(tb testing.TB, size Size) *gorm.DB {
	tb.Helper()
	return dbtest.Cached(tb, cacheKey(size), fill(size))
}

// URL is DB for callers that connect themselves or hand the database to
// another program, such as pgbench.
func URL(tb testing.TB, size Size) string {
	tb.Helper()
	return dbtest.CachedURL(tb, cacheKey(size), fill(size))
}

func cacheKey(s Size) string {
	return fmt.Sprintf("findingtest/v%s/%d/%d/%d/%d/%d", Version, s.Units, s.Findings, s.Actions, s.Events, s.Seed)
}

func fill(s Size) func(*gorm.DB) error {
	return func(db *gorm.DB) error { return Generate(context.Background(), db, s) }
}

// Generate fills a migrated database that has no findings yet with a data
// set of size s, using two connections of db's pool at once. The same size
// and seed give the same data. Should it fail, the database is left
// half-filled: drop it.
func Generate(ctx context.Context, db *gorm.DB, s Size) error {
	if s.Units < 1 || s.Findings < 0 || s.Actions < 0 || s.Events < 0 {
		return fmt.Errorf("findingtest: bad size %+v", s)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	// The model is held whole until it is loaded (6 GB for 1,000,000
	// findings and 10,000,000 events): collect garbage sooner than the
	// default, which let the heap reach twice that.
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	g := &gen{s: s, rng: rand.New(rand.NewPCG(uint64(s.Seed), 0x7469_6e64_616b))}
	if err := withConn(ctx, sqlDB, func(c *pgx.Conn) error { return g.baseIDs(ctx, c) }); err != nil {
		return err
	}
	g.build()
	return g.load(ctx, sqlDB)
}

// withConn runs f on one pgx connection of the pool.
func withConn(ctx context.Context, sqlDB *sql.DB, f func(*pgx.Conn) error) error {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("findingtest: the pool's driver is %T, not pgx", dc)
		}
		return f(sc.Conn())
	})
}

// inTx runs f in a transaction on its own connection of the pool.
func inTx(ctx context.Context, sqlDB *sql.DB, f func(pgx.Tx) error) error {
	return withConn(ctx, sqlDB, func(c *pgx.Conn) error {
		tx, err := c.Begin(ctx)
		if err != nil {
			return err
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		if _, err := tx.Exec(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			return err
		}
		if err := f(tx); err != nil {
			return err
		}
		return tx.Commit(ctx)
	})
}

// both runs f and h side by side.
func both(f, h func() error) error {
	var wg sync.WaitGroup
	var errF error
	wg.Add(1)
	go func() {
		defer wg.Done()
		errF = f()
	}()
	errH := h()
	wg.Wait()
	return errors.Join(errF, errH)
}

// --- the model -----------------------------------------------------------------

type unitRow struct {
	id               int64
	code, name       string
	managers, people []int64 // people: officers and managers, who may be assigned actions
}

type userRow struct {
	id                int64
	email, name, role string
	unit              int64
}

type appRow struct {
	id, unit   int64
	name, kind string
	integrated bool
}

type reviewRow struct {
	id        int64
	kind      string
	title     string
	on        time.Time
	app       *appRow
	createdBy int64
}

// The variants of a finding's history beyond the plain path to its state.
const (
	plain      = iota
	rejected   // submitted once and rejected (in_progress, or resubmitted)
	reopened   // closed once and reopened (in_progress)
	hadActions // not_actionable after actions were assigned
)

type findingRow struct {
	id                                                             int64
	code                                                           string
	review                                                         *reviewRow
	title, condition, criteria, cause, effect, recommendation, sev string
	unit                                                           *unitRow
	app                                                            *appRow
	indicators                                                     []string
	due                                                            time.Time // zero: none
	state                                                          string
	variant                                                        int
	updated                                                        bool
	createdBy                                                      int64
	issuedAt, submittedAt, closedAt                                *time.Time
	submittedBy                                                    *int64
	eventCount                                                     int
	headHash                                                       []byte
	version                                                        int
	createdAt, updatedAt                                           time.Time
	actions                                                        []*actionRow
	comments                                                       int
	firstEvent                                                     int // index into gen.events
}

type actionRow struct {
	id                   int64
	finding              *findingRow
	title, description   string
	assignee             int64
	due                  time.Time
	kinds                []string
	done                 bool
	note, noteJSON       string
	createdBy            int64
	createdAt, updatedAt time.Time
	completedAt          time.Time
}

type artifactRow struct {
	id, action int64
	kind       string
	title      string
	number     string
	docDate    time.Time
	signer     string
	file       string
	size       int64
	sum        []byte
	uploadedBy int64
	at         time.Time
}

// eventRow holds no pointers but data, so that a million of them cost the
// garbage collector little; its id follows from its place in gen.events,
// its prev_hash is its predecessor's hash.
type eventRow struct {
	findingID      int64
	actor          int64
	at             time.Time
	data           []byte
	hash           [32]byte
	seq            int32
	kind, from, to uint8 // indexes into names; 0: none
}

type gen struct {
	s   Size
	rng *rand.Rand

	base struct{ unit, user, app, review, finding, action, artifact, event int64 }

	units     []*unitRow
	weights   []float64 // cumulative unit weights for findings
	users     []userRow
	auditors  []int64
	apps      []*appRow
	reviews   []*reviewRow
	findings  []*findingRow
	actions   []*actionRow
	artifacts []artifactRow
	events    []eventRow
	counters  map[int]int
}

// baseIDs reads where each table's ids continue, so that rows added before
// (an administrator, say) are kept.
func (g *gen) baseIDs(ctx context.Context, c *pgx.Conn) error {
	var n int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM findings").Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return errors.New("findingtest: the database already has findings")
	}
	for table, dst := range map[string]*int64{"units": &g.base.unit, "users": &g.base.user, "applications": &g.base.app,
		"reviews": &g.base.review, "findings": &g.base.finding, "actions": &g.base.action, "artifacts": &g.base.artifact,
		"finding_events": &g.base.event} {
		if err := c.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM "+table).Scan(dst); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) intn(n int) int        { return g.rng.IntN(n) }
func (g *gen) chance(p float64) bool { return g.rng.Float64() < p }
func pick[T any](g *gen, xs []T) T   { return xs[g.rng.IntN(len(xs))] }

// day is midnight UTC of a calendar date d days after Today.
func day(d int) time.Time { return Today.Time(time.UTC).AddDate(0, 0, d) }

func (g *gen) build() {
	g.buildUnits()
	g.buildReviews()
	g.buildFindings()
	g.buildActions()
	g.buildEvents()
}

func (g *gen) buildUnits() {
	nextUser := g.base.user
	addUser := func(role, email, name string, unit int64) int64 {
		nextUser++
		g.users = append(g.users, userRow{id: nextUser, email: email, name: name, role: role, unit: unit})
		return nextUser
	}
	// The biggest units answer for most findings (a few departments run
	// most systems): weights fall off as 1/rank^0.7, and staff with them.
	total := 0.0
	for i := range g.s.Units {
		total += 1 / math.Pow(float64(i+1), 0.7)
		g.weights = append(g.weights, total)
	}
	for i := range g.s.Units {
		u := &unitRow{id: g.base.unit + int64(i) + 1, code: fmt.Sprintf("OPD-%02d", i+1), name: unitName(i)}
		slug := strings.ToLower(u.code)
		share := 1 / math.Pow(float64(i+1), 0.7) / total
		for m := range 1 + int(share*15) {
			id := addUser("manager", fmt.Sprintf("kepala%d.%s@kalselprov.go.id", m+1, slug), g.personName(), u.id)
			u.managers = append(u.managers, id)
			u.people = append(u.people, id)
		}
		for o := range 3 + i%4 + int(share*200) {
			u.people = append(u.people, addUser("officer", fmt.Sprintf("staf%d.%s@kalselprov.go.id", o+1, slug), g.personName(), u.id))
		}
		if i%5 == 0 {
			addUser("viewer", fmt.Sprintf("pimpinan.%s@kalselprov.go.id", slug), g.personName(), u.id)
		}
		for a := range 2 {
			kind := []string{"administrasi", "publik"}[a]
			g.apps = append(g.apps, &appRow{id: g.base.app + int64(len(g.apps)) + 1, unit: u.id, kind: kind,
				name: fmt.Sprintf("Sistem Informasi %s %s", appSubjects[(i*2+a)%len(appSubjects)], u.code), integrated: g.chance(0.4)})
		}
		g.units = append(g.units, u)
	}
	// The auditors sit in the inspectorate (the second unit).
	home := g.units[min(1, len(g.units)-1)].id
	for a := range max(2, g.s.Units/4) {
		g.auditors = append(g.auditors, addUser("auditor", fmt.Sprintf("auditor%d@kalselprov.go.id", a+1), g.personName(), home))
	}
}

func (g *gen) unitFor() *unitRow {
	x := g.rng.Float64() * g.weights[len(g.weights)-1]
	return g.units[sort.SearchFloat64s(g.weights, x)]
}

func (g *gen) buildReviews() {
	n := max(1, g.s.Findings/20)
	// Reviews happen from three and a half years before Today to a week
	// before, so that findings due two years back had a review before.
	first, last := -730-540, -7
	dates := make([]int, n)
	for i := range dates {
		dates[i] = first + g.intn(last-first+1)
	}
	slices.Sort(dates)
	for i, d := range dates {
		r := &reviewRow{id: g.base.review + int64(i) + 1, on: day(d), createdBy: pick(g, g.auditors)}
		year := r.on.Year()
		switch x := g.rng.Float64(); {
		case x < 0.40:
			r.kind, r.app = "application_review", pick(g, g.apps)
			r.title = "Reviu Aplikasi " + r.app.name
		case x < 0.65:
			r.kind, r.title = "spbe_evaluation", fmt.Sprintf("Evaluasi SPBE Tahun %d", year)
		case x < 0.85:
			r.kind, r.title = "ict_audit", fmt.Sprintf("Audit TIK %s Tahun %d", pick(g, g.units).name, year)
		default:
			r.kind, r.title = "internal_audit", fmt.Sprintf("Audit Internal %s Tahun %d", pick(g, g.units).name, year)
		}
		g.reviews = append(g.reviews, r)
	}
}

// stateFor draws a state realistically for a finding due dueIn days from
// Today: long-due findings are mostly closed, future ones mostly in work.
func (g *gen) stateFor(dueIn int) string {
	type w struct {
		s string
		p float64
	}
	past := []w{{"closed", .70}, {"in_progress", .12}, {"open", .06}, {"submitted", .05}, {"not_actionable", .05}, {"draft", .02}}
	future := []w{{"closed", .30}, {"in_progress", .32}, {"open", .20}, {"submitted", .08}, {"not_actionable", .03}, {"draft", .07}}
	ws := future
	if dueIn < 0 {
		ws = past
	}
	x := g.rng.Float64()
	for _, c := range ws {
		if x < c.p {
			return c.s
		}
		x -= c.p
	}
	return "closed"
}

func (g *gen) buildFindings() {
	g.counters = map[int]int{}
	for i := range g.s.Findings {
		dueIn := g.intn(2*730+1) - 730
		f := &findingRow{id: g.base.finding + int64(i) + 1, due: day(dueIn), state: g.stateFor(dueIn)}
		// The review: held between eighteen months and a month before the
		// due date, and before Today.
		hi := min(dueIn-30, -7)
		target := day(hi - g.intn(510))
		k := sort.Search(len(g.reviews), func(j int) bool { return g.reviews[j].on.After(target) })
		f.review = g.reviews[max(0, k-1)]
		f.createdBy = f.review.createdBy
		f.app = f.review.app
		if f.app != nil && g.chance(0.7) {
			f.unit = g.unitByID(f.app.unit)
		} else {
			f.unit = g.unitFor()
		}
		f.sev = pick(g, []string{"low", "medium", "medium", "high", "high", "critical"})
		for range []int{0, 1, 1, 1, 2, 2, 3}[g.intn(7)] {
			c := fmt.Sprintf("I%02d", 1+g.intn(47))
			if !slices.Contains(f.indicators, c) {
				f.indicators = append(f.indicators, c)
			}
		}
		if f.indicators == nil {
			f.indicators = []string{}
		}
		g.texts(f)
		year := f.review.on.Year()
		g.counters[year]++
		f.code = fmt.Sprintf("TL-%04d-%04d", year, g.counters[year])
		if f.state == "draft" {
			// Drafts are working papers: some lack what issuing needs.
			if g.chance(0.3) {
				f.due = time.Time{}
			}
			if g.chance(0.2) {
				f.unit = nil
			}
			if g.chance(0.2) {
				f.recommendation = ""
			}
		}
		f.updated = g.chance(0.25)
		switch f.state {
		case "in_progress":
			switch x := g.rng.Float64(); {
			case x < 0.10:
				f.variant = rejected
			case x < 0.14:
				f.variant = reopened
			}
		case "submitted", "closed":
			if g.chance(0.10) {
				f.variant = rejected
			}
		case "not_actionable":
			if g.chance(0.5) {
				f.variant = hadActions
			}
		}
		g.findings = append(g.findings, f)
	}
}

func (g *gen) unitByID(id int64) *unitRow { return g.units[id-g.base.unit-1] }

// texts writes a finding in the words of Indonesian audit reports.
func (g *gen) texts(f *findingRow) {
	subject := pick(g, subjects)
	pred := pick(g, predicates)
	unit := "perangkat daerah"
	if f.unit != nil {
		unit = f.unit.name
	}
	f.title = upperFirst(subject) + " " + pred
	var cond strings.Builder
	fmt.Fprintf(&cond, "Berdasarkan hasil %s pada %s, %s %s.", reviewWord(f.review.kind), unit, subject, pred)
	if f.app != nil {
		fmt.Fprintf(&cond, " Pada aplikasi %s ditemukan bahwa %s.", f.app.name, pick(g, appIssues))
	}
	cond.WriteString(" " + pick(g, conditions))
	// Rare words make selective text searches, as real ones often are.
	if g.chance(0.01) {
		cond.WriteString(" Modul kriptografi pada aplikasi belum tersertifikasi oleh BSSN.")
	}
	f.condition = cond.String()
	f.criteria = pick(g, criteria)
	f.cause = pick(g, causes)
	f.effect = pick(g, effects)
	if len(f.indicators) > 0 {
		f.effect += fmt.Sprintf(" Nilai indikator %s belum mencapai target.", f.indicators[0])
	}
	f.recommendation = fmt.Sprintf("Kepala %s agar %s %s dan melaporkan hasilnya kepada Inspektur.", unit, pick(g, verbs), subject)
}

func reviewWord(kind string) string {
	switch kind {
	case "application_review":
		return "reviu aplikasi"
	case "spbe_evaluation":
		return "evaluasi SPBE"
	case "ict_audit":
		return "audit TIK"
	}
	return "audit internal"
}

func upperFirst(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// buildActions spreads the actions over the findings that went to work:
// one each, the rest at random.
func (g *gen) buildActions() {
	var eligible []*findingRow
	for _, f := range g.findings {
		switch {
		case f.state == "in_progress", f.state == "submitted", f.state == "closed",
			f.state == "not_actionable" && f.variant == hadActions:
			eligible = append(eligible, f)
		}
	}
	if len(eligible) == 0 {
		return
	}
	counts := make([]int, len(eligible))
	n := g.s.Actions
	if n >= len(eligible) {
		for i := range counts {
			counts[i] = 1
		}
		for range n - len(eligible) {
			counts[g.intn(len(eligible))]++
		}
	} else {
		for _, i := range g.rng.Perm(len(eligible))[:n] {
			counts[i] = 1
		}
	}
	for i, f := range eligible {
		for range counts[i] {
			a := &actionRow{id: g.base.action + int64(len(g.actions)) + 1, finding: f, assignee: pick(g, f.unit.people),
				createdBy: pick(g, f.unit.managers)}
			a.title = upperFirst(pick(g, actionVerbs)) + " " + pick(g, subjects)
			a.description = "Menindaklanjuti rekomendasi temuan " + f.code + ": " + pick(g, actionDetails)
			a.due = f.due.AddDate(0, 0, -g.intn(60))
			if g.chance(0.6) {
				a.kinds = []string{pick(g, artifactKinds)}
			} else {
				a.kinds = []string{}
			}
			switch {
			case f.state == "submitted", f.state == "closed", f.variant == rejected, f.variant == reopened:
				a.done = true
			case f.state == "in_progress":
				a.done = g.chance(0.45)
			default:
				a.done = g.chance(0.2)
			}
			if a.done {
				i := g.intn(len(completionNotes))
				a.note, a.noteJSON = completionNotes[i], completionNotesJSON[i]
			}
			f.actions = append(f.actions, a)
			g.actions = append(g.actions, a)
		}
	}
}

// storyLen is the number of events of f's life story, without comments.
func storyLen(f *findingRow) int {
	n := 1
	if f.updated {
		n++
	}
	if f.state == "draft" {
		return n
	}
	n++ // issued
	for _, a := range f.actions {
		n++
		if a.done {
			n++
		}
	}
	switch f.state {
	case "not_actionable":
		n++
	case "in_progress":
		switch f.variant {
		case rejected:
			n += 2
		case reopened:
			n += 3
		}
	case "submitted":
		n++
		if f.variant == rejected {
			n += 2
		}
	case "closed":
		n += 2
		if f.variant == rejected {
			n += 2
		}
	}
	return n
}

// buildEvents writes every finding's history, in parallel: each chain
// depends only on its own finding.
func (g *gen) buildEvents() {
	total := 0
	for _, f := range g.findings {
		total += storyLen(f)
	}
	if g.s.Events > 0 && g.s.Events > total && len(g.findings) > 0 {
		for range g.s.Events - total {
			g.findings[g.intn(len(g.findings))].comments++
		}
		total = g.s.Events
	}
	if g.s.Events > 0 {
		g.events = make([]eventRow, total)
	}
	next := 0
	for _, f := range g.findings {
		f.firstEvent = next
		next += storyLen(f) + f.comments
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(g.findings); i += workers {
				if err := g.story(g.findings[i]); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		panic(err) // only plain values are encoded
	}
	for _, f := range g.findings {
		for _, a := range f.actions {
			if a.done {
				g.artifacts = append(g.artifacts, g.artifactFor(a))
			}
		}
	}
}

// step is one event of a story before it is chained.
type step struct {
	kind   string
	actor  int64
	to     string
	data   func() []byte // canonical JSON
	effect func(at time.Time)
}

// story plays f's life from creation to its state, with its comments
// interleaved, filling in the instants, the finding's version and head and,
// when events are kept, the chain.
func (g *gen) story(f *findingRow) error {
	rng := rand.New(rand.NewPCG(uint64(g.s.Seed), uint64(f.id)))
	auditor := f.createdBy
	otherAuditor := g.auditors[rng.IntN(len(g.auditors))]
	var manager int64
	if f.unit != nil {
		manager = f.unit.managers[rng.IntN(len(f.unit.managers))]
	}
	steps := make([]step, 0, storyLen(f))
	var failed error
	add := func(kind string, actor int64, to string, data func() []byte, effect func(time.Time)) {
		steps = append(steps, step{kind: kind, actor: actor, to: to, data: data, effect: effect})
	}
	constant := func(b []byte) func() []byte { return func() []byte { return b } }
	marshal := func(v any) func() []byte {
		return func() []byte {
			b, err := json.Marshal(v)
			if err != nil {
				failed = err
			}
			return b
		}
	}
	reason := func(texts [][]byte) func() []byte { return constant(texts[rng.IntN(len(texts))]) }

	f.version = 1
	add("created", auditor, "draft", marshal(content(f)), nil)
	if f.updated {
		add("updated", auditor, "draft", constant(severityChanges[f.sev]), func(time.Time) { f.version++ })
	}
	if f.state != "draft" {
		add("issue", auditor, "open", constant(emptyData), func(at time.Time) { f.version++; f.issuedAt = &at })
	}
	open := true
	for _, a := range f.actions {
		effect := func(at time.Time) { a.createdAt, a.updatedAt = at, at }
		if open {
			effect = func(at time.Time) { a.createdAt, a.updatedAt = at, at; f.version++ }
			open = false
		}
		add("action_assigned", a.createdBy, "in_progress", marshal(actionContent(a)), effect)
	}
	for _, a := range f.actions {
		if a.done {
			add("action_completed", a.assignee, "in_progress", func() []byte {
				b := strconv.AppendInt([]byte(`{"action_id":`), a.id, 10)
				b = append(b, `,"note":`...)
				b = append(b, a.noteJSON...)
				return append(b, '}')
			}, func(at time.Time) { a.completedAt, a.updatedAt = at, at })
		}
	}
	submit := func() {
		add("submit", manager, "submitted", constant(emptyData), func(at time.Time) {
			f.version++
			f.submittedAt, f.submittedBy = &at, &manager
		})
	}
	reject := func() {
		add("reject", otherAuditor, "in_progress", reason(rejectReasons), func(time.Time) {
			f.version++
			f.submittedAt, f.submittedBy = nil, nil
		})
	}
	closeIt := func() {
		add("close", otherAuditor, "closed", constant(emptyData), func(at time.Time) { f.version++; f.closedAt = &at })
	}
	switch f.state {
	case "not_actionable":
		add("mark_not_actionable", auditor, "not_actionable", reason(notActionableReasons),
			func(at time.Time) { f.version++; f.closedAt = &at })
	case "in_progress":
		switch f.variant {
		case rejected:
			submit()
			reject()
		case reopened:
			submit()
			closeIt()
			add("reopen", auditor, "in_progress", reason(reopenReasons), func(time.Time) {
				f.version++
				f.submittedAt, f.submittedBy, f.closedAt = nil, nil, nil
			})
		}
	case "submitted":
		if f.variant == rejected {
			submit()
			reject()
		}
		submit()
	case "closed":
		if f.variant == rejected {
			submit()
			reject()
		}
		submit()
		closeIt()
	}

	// Comments come anywhere after the creation, by anyone involved.
	n := len(steps) + f.comments
	isComment := make([]bool, n)
	for _, p := range rng.Perm(n - 1)[:f.comments] {
		isComment[p+1] = true
	}

	// Instants: from the review to the due date and a little after (or to
	// shortly before Today for findings still in work), in order.
	start := f.review.on.Add(time.Duration(24+rng.IntN(24*14)) * time.Hour)
	end := day(-1 - rng.IntN(20))
	if f.state == "closed" || f.state == "not_actionable" {
		if !f.due.IsZero() && f.due.AddDate(0, 0, 90).Before(end) {
			end = f.due.AddDate(0, 0, 90)
		}
	}
	if !end.After(start) {
		end = start.Add(time.Duration(n) * time.Hour)
	}
	offsets := make([]float64, n)
	for i := range offsets {
		offsets[i] = rng.Float64()
	}
	slices.Sort(offsets)
	offsets[0] = 0

	keep := g.events != nil
	state := ""
	var prev *eventRow
	var buf []byte
	si := 0
	for i := range n {
		at := start.Add(time.Duration(offsets[i] * float64(end.Sub(start)))).Truncate(time.Microsecond)
		if i == 0 {
			f.createdAt = at
		}
		f.updatedAt = at
		var st step
		if isComment[i] {
			who := []int64{auditor, manager, otherAuditor}[rng.IntN(3)]
			if who == 0 {
				who = auditor
			}
			st = step{kind: "comment", actor: who, to: state, data: constant(commentBodies[rng.IntN(len(commentBodies))])}
		} else {
			st = steps[si]
			si++
		}
		if st.effect != nil {
			st.effect(at)
		}
		if keep {
			ev := &g.events[f.firstEvent+i]
			*ev = eventRow{findingID: f.id, seq: int32(i + 1), kind: name(st.kind), actor: st.actor, from: name(state),
				to: name(st.to), at: at, data: st.data()}
			buf = ev.chain(buf[:0], prev)
			prev = ev
		}
		state = st.to
	}
	if failed != nil {
		return failed
	}
	if keep {
		f.eventCount, f.headHash = n, prev.hash[:]
	}
	return nil
}

// findingContent is what the finding's author wrote, as the created event
// holds it; actionDoc is an action's assignment. Their fields are in key
// order, so that json.Marshal writes them canonically.
type findingContent struct {
	ApplicationID  *int64   `json:"application_id"`
	Cause          string   `json:"cause"`
	Code           string   `json:"code"`
	Condition      string   `json:"condition"`
	Criteria       string   `json:"criteria"`
	DueDate        *string  `json:"due_date"`
	Effect         string   `json:"effect"`
	IndicatorCodes []string `json:"indicator_codes"`
	Recommendation string   `json:"recommendation"`
	ReviewID       int64    `json:"review_id"`
	Severity       string   `json:"severity"`
	Title          string   `json:"title"`
	UnitID         *int64   `json:"unit_id"`
}

type actionDoc struct {
	ActionID              int64    `json:"action_id"`
	AssigneeID            int64    `json:"assignee_id"`
	Description           string   `json:"description"`
	DueDate               string   `json:"due_date"`
	RequiredArtifactKinds []string `json:"required_artifact_kinds"`
	Title                 string   `json:"title"`
}

func content(f *findingRow) findingContent {
	c := findingContent{Cause: f.cause, Code: f.code, Condition: f.condition, Criteria: f.criteria, Effect: f.effect,
		IndicatorCodes: f.indicators, Recommendation: f.recommendation, ReviewID: f.review.id, Severity: f.sev, Title: f.title}
	if f.unit != nil {
		c.UnitID = &f.unit.id
	}
	if f.app != nil {
		c.ApplicationID = &f.app.id
	}
	if !f.due.IsZero() {
		d := f.due.Format(time.DateOnly)
		c.DueDate = &d
	}
	return c
}

func actionContent(a *actionRow) actionDoc {
	return actionDoc{ActionID: a.id, AssigneeID: a.assignee, Description: a.description, DueDate: a.due.Format(time.DateOnly),
		RequiredArtifactKinds: a.kinds, Title: a.title}
}

// The event data that repeats, encoded once.
var (
	emptyData       = []byte(`{}`)
	severityChanges = func() map[string][]byte {
		m := map[string][]byte{}
		for _, s := range []string{"low", "medium", "high", "critical"} {
			m[s] = mustJSON(map[string]any{"severity": map[string]any{"from": "medium", "to": s}})
		}
		return m
	}()
)

// jsonField encodes {"key": text} for each text.
func jsonField(key string, texts ...string) [][]byte {
	out := make([][]byte, len(texts))
	for i, t := range texts {
		out[i] = mustJSON(map[string]string{key: t})
	}
	return out
}

// jsonStrings encodes each text as a JSON string.
func jsonStrings(texts ...string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = string(mustJSON(t))
	}
	return out
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (g *gen) artifactFor(a *actionRow) artifactRow {
	kind := "laporan"
	if len(a.kinds) > 0 {
		kind = a.kinds[0]
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "artifact:%d", a.id))
	at := a.completedAt.Add(-time.Hour)
	return artifactRow{id: g.base.artifact + int64(len(g.artifacts)) + 1, action: a.id, kind: kind,
		title: artifactTitles[kind] + " " + a.finding.unit.name, number: fmt.Sprintf("188.44/%04d/%s/%d", a.id%10000, a.finding.unit.code, at.Year()),
		docDate: at.Truncate(24 * time.Hour), signer: "Kepala " + a.finding.unit.name, file: fmt.Sprintf("bukti-%d.pdf", a.id),
		size: 40_000 + int64(sum[0])*4096, sum: sum[:], uploadedBy: a.assignee, at: at}
}

// --- the chain -----------------------------------------------------------------

// hashVersion and chain are the v1 canonical encoding of internal/finding
// (events.go): SHA-256 over the previous hash and a JSON array of the
// event's fields. findingtest cannot import that package (its own tests use
// this one), so the encoding is repeated here, written out by hand because
// encoding/json took most of the generation's time; the package's test
// checks with finding.VerifyHistory that both agree.
const hashVersion = "tindaklanjut/event/v1"

// chain sets e.hash from prev's (nil for the first event), using buf as
// scratch space, and returns buf. e.data must be canonical already: what
// json.Marshal writes for structs with fields in key order and maps of plain
// values (no space, HTML-escaped strings) is.
func (e *eventRow) chain(buf []byte, prev *eventRow) []byte {
	buf = append(buf, `["`+hashVersion+`",`...)
	buf = strconv.AppendInt(buf, e.findingID, 10)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, int64(e.seq), 10)
	buf = append(buf, ',')
	buf = appendName(buf, e.kind)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, e.actor, 10)
	buf = append(buf, ',')
	buf = appendName(buf, e.from)
	buf = append(buf, ',')
	buf = appendName(buf, e.to)
	buf = append(buf, ',')
	buf = append(buf, e.data...)
	buf = append(buf, ',', '"')
	buf = e.at.UTC().AppendFormat(buf, "2006-01-02T15:04:05.000000Z")
	buf = append(buf, '"', ']')
	h := sha256.New()
	if prev != nil {
		h.Write(prev.hash[:])
	}
	h.Write(buf)
	h.Sum(e.hash[:0])
	return buf
}

// names are the kinds and states events name; each is [a-z_], a JSON
// string as it is.
var names = []string{"", "created", "updated", "comment", "issue", "submit", "reject", "close", "mark_not_actionable",
	"reopen", "action_assigned", "action_completed", "draft", "open", "in_progress", "submitted", "closed", "not_actionable"}

func name(s string) uint8 {
	i := slices.Index(names, s)
	if i < 0 {
		panic("findingtest: unknown event name " + s)
	}
	return uint8(i)
}

// appendName writes names[i] as a JSON string, or null for none.
func appendName(buf []byte, i uint8) []byte {
	if i == 0 {
		return append(buf, "null"...)
	}
	buf = append(buf, '"')
	buf = append(buf, names[i]...)
	return append(buf, '"')
}

// nameOrNil is names[i] for COPY, nil for none.
func nameOrNil(i uint8) any {
	if i == 0 {
		return nil
	}
	return names[i]
}

// --- loading -------------------------------------------------------------------

// bulkTables lose their secondary indexes and foreign keys while loading.
var bulkTables = []string{"findings", "actions", "artifacts", "finding_events"}

// load writes the model. It runs on two connections at once: the trigram
// index of findings takes as long to build as the events take to copy.
// Should it fail, the database is left half-filled.
func (g *gen) load(ctx context.Context, sqlDB *sql.DB) error {
	copies := map[string]copySpec{}
	for _, c := range g.copies() {
		copies[c.table] = c
	}
	load := func(tx pgx.Tx, tables ...string) error {
		for _, t := range tables {
			if err := copies[t].run(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	}
	indexes, fks := map[string][]string{}, map[string][]string{}
	exec := func(tx pgx.Tx, stmts map[string][]string, tables ...string) error {
		for _, t := range tables {
			for _, q := range stmts[t] {
				if _, err := tx.Exec(ctx, q); err != nil {
					return fmt.Errorf("findingtest: %s: %w", q, err)
				}
			}
		}
		return nil
	}
	err := inTx(ctx, sqlDB, func(tx pgx.Tx) error {
		for _, t := range bulkTables {
			var err error
			if indexes[t], fks[t], err = setAside(ctx, tx, t); err != nil {
				return err
			}
		}
		return load(tx, "units", "users", "applications", "reviews")
	})
	if err != nil {
		return err
	}
	err = both(func() error {
		return inTx(ctx, sqlDB, func(tx pgx.Tx) error {
			// The carry-over counts are built once after the load rather
			// than by the trigger row by row, as a restore would.
			// So are the summary's counts, anchored on the data set's today.
			if _, err := tx.Exec(ctx, `ALTER TABLE findings DISABLE TRIGGER findings_indicator_counts_insert,
				DISABLE TRIGGER findings_counts_insert`); err != nil {
				return err
			}
			if err := load(tx, "findings"); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `ALTER TABLE findings ENABLE TRIGGER findings_indicator_counts_insert,
				ENABLE TRIGGER findings_counts_insert`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `SELECT finding_indicator_counts_refresh(), finding_counts_refresh($1)`, Today); err != nil {
				return err
			}
			return exec(tx, indexes, "findings")
		})
	}, func() error {
		return inTx(ctx, sqlDB, func(tx pgx.Tx) error {
			if err := load(tx, "actions", "artifacts", "finding_events"); err != nil {
				return err
			}
			return exec(tx, indexes, "actions", "artifacts", "finding_events")
		})
	})
	if err != nil {
		return err
	}
	err = inTx(ctx, sqlDB, func(tx pgx.Tx) error {
		if err := exec(tx, fks, bulkTables...); err != nil {
			return err
		}
		for _, c := range g.copies() {
			if c.n == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT max(id) FROM `+
				pgx.Identifier{c.table}.Sanitize()+`))`, c.table); err != nil {
				return err
			}
		}
		for year, last := range g.counters {
			if _, err := tx.Exec(ctx, `INSERT INTO finding_code_counters AS c (year, last) VALUES ($1, $2)
				ON CONFLICT (year) DO UPDATE SET last = greatest(c.last, excluded.last)`, year, last); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Freeze and analyse, as autovacuum would long have done in production:
	// plans see real statistics, index-only scans see all-visible pages, and
	// the first readers do not set hint bits.
	vacuum := func(tables string) func() error {
		return func() error {
			return withConn(ctx, sqlDB, func(c *pgx.Conn) error {
				_, err := c.Exec(ctx, "VACUUM (FREEZE, ANALYZE) "+tables)
				return err
			})
		}
	}
	return both(vacuum("finding_events"),
		vacuum("units, users, applications, reviews, findings, actions, artifacts, finding_code_counters, finding_indicator_counts"))
}

// copySpec is one table's rows for COPY.
type copySpec struct {
	table string
	cols  []string
	n     int
	row   func(i int) []any
}

func (c copySpec) run(ctx context.Context, tx pgx.Tx) error {
	if c.n == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromSlice(c.n, func(i int) ([]any, error) {
		return c.row(i), nil
	}))
	if err != nil {
		return fmt.Errorf("findingtest: copy %s: %w", c.table, err)
	}
	return nil
}

func (g *gen) copies() []copySpec {
	return []copySpec{
		{"units", []string{"id", "code", "name", "email"}, len(g.units), func(i int) []any {
			u := g.units[i]
			return []any{u.id, u.code, u.name, strings.ToLower(u.code) + "@kalselprov.go.id"}
		}},
		{"users", []string{"id", "email", "name", "role", "unit_id", "password_hash"}, len(g.users), func(i int) []any {
			u := g.users[i]
			// Generated people cannot sign in: no password hashes to this.
			return []any{u.id, u.email, u.name, u.role, u.unit, "generated:no-password"}
		}},
		{"applications", []string{"id", "name", "unit_id", "kind", "url", "integrated"}, len(g.apps), func(i int) []any {
			a := g.apps[i]
			return []any{a.id, a.name, a.unit, a.kind, "https://" + strings.ToLower(strings.ReplaceAll(a.name, " ", "-")) + ".kalselprov.go.id", a.integrated}
		}},
		{"reviews", []string{"id", "kind", "title", "conducted_on", "application_id", "summary", "created_by", "created_at", "updated_at"},
			len(g.reviews), func(i int) []any {
				r := g.reviews[i]
				var app any
				if r.app != nil {
					app = r.app.id
				}
				at := r.on.Add(32 * time.Hour)
				return []any{r.id, r.kind, r.title, r.on, app, "Ringkasan hasil " + strings.ToLower(r.title) + ".", r.createdBy, at, at}
			}},
		{"findings", []string{"id", "code", "review_id", "title", "condition", "criteria", "cause", "effect", "recommendation",
			"severity", "unit_id", "application_id", "indicator_codes", "due_date", "state", "created_by", "issued_at",
			"submitted_by", "submitted_at", "closed_at", "event_count", "head_hash", "version", "created_at", "updated_at"},
			len(g.findings), func(i int) []any {
				f := g.findings[i]
				var unit, app, due any
				if f.unit != nil {
					unit = f.unit.id
				}
				if f.app != nil {
					app = f.app.id
				}
				if !f.due.IsZero() {
					due = f.due
				}
				return []any{f.id, f.code, f.review.id, f.title, f.condition, f.criteria, f.cause, f.effect, f.recommendation,
					f.sev, unit, app, f.indicators, due, f.state, f.createdBy, f.issuedAt, f.submittedBy, f.submittedAt,
					f.closedAt, f.eventCount, f.headHash, f.version, f.createdAt, f.updatedAt}
			}},
		{"actions", []string{"id", "finding_id", "title", "description", "assignee_id", "due_date", "required_artifact_kinds",
			"status", "completion_note", "completed_by", "completed_at", "created_by", "version", "created_at", "updated_at",
			"remind_check"},
			len(g.actions), func(i int) []any {
				a := g.actions[i]
				status, version := "todo", 1
				var by, at any
				if a.done {
					status, version, by, at = "done", 2, a.assignee, a.completedAt
				}
				// Not marked for the reminder planner: its first pass looks
				// at every action anyway.
				return []any{a.id, a.finding.id, a.title, a.description, a.assignee, a.due, a.kinds, status, a.note, by, at,
					a.createdBy, version, a.createdAt, a.updatedAt, false}
			}},
		{"artifacts", []string{"id", "action_id", "kind", "title", "doc_number", "doc_date", "signer", "file_name", "media_type",
			"size", "sha256", "uploaded_by", "created_at", "updated_at"}, len(g.artifacts), func(i int) []any {
			a := g.artifacts[i]
			return []any{a.id, a.action, a.kind, a.title, a.number, a.docDate, a.signer, a.file, "application/pdf", a.size, a.sum,
				a.uploadedBy, a.at, a.at}
		}},
		{"finding_events", []string{"id", "finding_id", "seq", "kind", "actor_id", "from_state", "to_state", "data", "created_at",
			"prev_hash", "hash"}, len(g.events), func(i int) []any {
			e := &g.events[i]
			var prev any
			if e.seq > 1 {
				prev = g.events[i-1].hash[:]
			}
			return []any{g.base.event + int64(i) + 1, e.findingID, e.seq, names[e.kind], e.actor, nameOrNil(e.from), names[e.to],
				json.RawMessage(e.data), e.at, prev, e.hash[:]}
		}},
	}
}

// setAside drops table's foreign keys and the indexes that back no
// constraint, and returns the statements that put them back. Foreign keys
// added back are validated in one pass each, far faster than row by row.
func setAside(ctx context.Context, tx pgx.Tx, table string) (indexes, fks []string, err error) {
	ident := pgx.Identifier{table}.Sanitize()
	var drops []string
	rows, err := tx.Query(ctx, `SELECT i.relname, pg_get_indexdef(i.oid),
			ARRAY(SELECT a.attnum || ' SET STATISTICS ' || a.attstattarget FROM pg_attribute a
				WHERE a.attrelid = i.oid AND a.attstattarget >= 0 ORDER BY a.attnum)
		FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = $1::regclass AND NOT EXISTS (
			SELECT 1 FROM pg_constraint c WHERE c.conrelid = x.indrelid AND c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))
		ORDER BY i.relname`, ident)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var name, def string
		var stats []string
		if err := rows.Scan(&name, &def, &stats); err != nil {
			return nil, nil, err
		}
		indexes = append(indexes, def)
		// pg_get_indexdef leaves out the statistics targets set on an
		// expression's column (ALTER INDEX … SET STATISTICS).
		for _, st := range stats {
			indexes = append(indexes, "ALTER INDEX "+pgx.Identifier{name}.Sanitize()+" ALTER COLUMN "+st)
		}
		drops = append(drops, "DROP INDEX "+pgx.Identifier{name}.Sanitize())
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = tx.Query(ctx, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = $1::regclass AND contype = 'f' ORDER BY conname`, ident)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, nil, err
		}
		c := pgx.Identifier{name}.Sanitize()
		fks = append(fks, "ALTER TABLE "+ident+" ADD CONSTRAINT "+c+" "+def)
		drops = append([]string{"ALTER TABLE " + ident + " DROP CONSTRAINT " + c}, drops...)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	for _, q := range drops {
		if _, err := tx.Exec(ctx, q); err != nil {
			return nil, nil, err
		}
	}
	return indexes, fks, nil
}

// --- words -----------------------------------------------------------------------

func unitName(i int) string {
	if i < len(unitNames) {
		return unitNames[i]
	}
	return fmt.Sprintf("UPT Pelayanan Wilayah %d", i-len(unitNames)+1)
}

func (g *gen) personName() string {
	return pick(g, firstNames) + " " + pick(g, lastNames)
}

var unitNames = []string{
	"Dinas Komunikasi dan Informatika", "Inspektorat", "Badan Perencanaan Pembangunan Daerah",
	"Dinas Pendidikan dan Kebudayaan", "Dinas Kesehatan", "Badan Pengelolaan Keuangan dan Aset Daerah",
	"Badan Kepegawaian Daerah", "Dinas Kependudukan dan Pencatatan Sipil", "Badan Pendapatan Daerah",
	"Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", "Dinas Pekerjaan Umum dan Penataan Ruang",
	"Dinas Perhubungan", "Dinas Sosial", "Rumah Sakit Umum Daerah Ulin", "Sekretariat Daerah",
	"Dinas Tenaga Kerja dan Transmigrasi", "Dinas Lingkungan Hidup", "Dinas Perumahan Rakyat dan Kawasan Permukiman",
	"Satuan Polisi Pamong Praja", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "Dinas Ketahanan Pangan",
	"Dinas Pemberdayaan Masyarakat dan Desa", "Dinas Koperasi dan Usaha Kecil Menengah", "Dinas Pemuda dan Olahraga",
	"Dinas Perpustakaan dan Kearsipan", "Dinas Kelautan dan Perikanan", "Dinas Pariwisata",
	"Dinas Tanaman Pangan dan Hortikultura", "Dinas Perkebunan dan Peternakan", "Dinas Kehutanan",
	"Dinas Energi dan Sumber Daya Mineral", "Dinas Perindustrian", "Dinas Perdagangan",
	"Badan Pengembangan Sumber Daya Manusia", "Badan Penanggulangan Bencana Daerah", "Badan Kesatuan Bangsa dan Politik",
	"Badan Penghubung", "Sekretariat DPRD", "Rumah Sakit Jiwa Sambang Lihum", "Biro Organisasi", "Biro Hukum",
	"Biro Umum", "Biro Pengadaan Barang dan Jasa", "Biro Administrasi Pimpinan", "Biro Perekonomian",
	"Biro Kesejahteraan Rakyat", "Biro Pemerintahan", "Rumah Sakit Daerah dr. H. Moch. Ansari Saleh",
}

var firstNames = []string{"Ahmad", "Muhammad", "Siti", "Nur", "Rahmat", "Fitri", "Hendra", "Dewi", "Rizky", "Aulia",
	"Budi", "Lestari", "Yusuf", "Rina", "Akhmad", "Noor", "Wahyu", "Ratna", "Fajar", "Mariani"}

var lastNames = []string{"Hidayat", "Rahman", "Fauzi", "Saputra", "Aini", "Wijaya", "Rahmawati", "Kurniawan",
	"Anshari", "Hasanah", "Fadillah", "Syahrani", "Maulana", "Nugroho", "Rasyid", "Hamdani"}

var appSubjects = []string{"Kepegawaian", "Perencanaan", "Keuangan Daerah", "Layanan Publik", "Arsip Elektronik",
	"Pengaduan Masyarakat", "Perizinan", "Aset Daerah", "Kesehatan", "Pendidikan", "Data Terpadu", "Perjalanan Dinas"}

var subjects = []string{
	"kebijakan internal tata kelola SPBE", "peta rencana SPBE", "arsitektur SPBE", "kebijakan manajemen data",
	"prosedur pengelolaan keamanan informasi", "audit infrastruktur SPBE", "rencana pemulihan bencana",
	"katalog layanan TIK", "dokumen manajemen risiko SPBE", "standar operasional prosedur layanan aplikasi",
	"rencana kesinambungan layanan", "inventaris aset TIK", "kebijakan kata sandi aplikasi", "log akses pusat data",
	"pemutakhiran sertifikat elektronik", "pencadangan basis data", "integrasi layanan dengan SPLP",
	"interoperabilitas data kepegawaian", "pelatihan keamanan siber pegawai", "tim koordinasi SPBE",
	"manajemen perubahan aplikasi", "pengujian penetrasi aplikasi publik", "pengelolaan nama domain",
	"penerapan satu data daerah", "layanan pengaduan publik berbasis elektronik", "manajemen pengetahuan SPBE",
}

var predicates = []string{"belum ditetapkan", "belum dimutakhirkan", "belum dilaksanakan secara berkala",
	"tidak terdokumentasi", "belum sesuai standar", "belum diintegrasikan", "belum direviu", "tidak lengkap",
	"belum disosialisasikan", "belum dievaluasi"}

var appIssues = []string{"akun pengguna yang tidak aktif belum dinonaktifkan", "kata sandi bawaan belum diganti",
	"log aktivitas tidak disimpan", "salinan cadangan tidak pernah diuji", "sertifikat TLS telah kedaluwarsa",
	"data pribadi ditampilkan tanpa penyamaran", "fitur unggah berkas tidak membatasi jenis berkas"}

var conditions = []string{
	"Dokumen pendukung tidak dapat ditunjukkan pada saat pemeriksaan.",
	"Pelaksanaan kegiatan belum didukung anggaran yang memadai.",
	"Penanggung jawab kegiatan belum ditunjuk secara resmi dengan surat keputusan.",
	"Hasil pemantauan tahun sebelumnya belum ditindaklanjuti.",
	"Sebagian perangkat daerah belum menerapkan ketentuan tersebut.",
	"Evaluasi atas pelaksanaan belum dilakukan sejak ditetapkan.",
}

var criteria = []string{
	"Peraturan Presiden Nomor 95 Tahun 2018 tentang Sistem Pemerintahan Berbasis Elektronik.",
	"Peraturan Menteri PANRB Nomor 59 Tahun 2020 tentang Pemantauan dan Evaluasi SPBE.",
	"Peraturan BSSN Nomor 4 Tahun 2021 tentang Pedoman Manajemen Keamanan Informasi SPBE.",
	"Peraturan Menteri PANRB Nomor 5 Tahun 2020 tentang Pedoman Manajemen Risiko SPBE.",
	"Peraturan Gubernur Kalimantan Selatan tentang Penyelenggaraan SPBE.",
}

var causes = []string{"Belum tersedia sumber daya manusia yang memadai.", "Keterbatasan anggaran tahun berjalan.",
	"Belum ada penanggung jawab yang ditunjuk.", "Kurangnya koordinasi antarbidang.",
	"Pimpinan belum menetapkan prioritas kegiatan tersebut."}

var effects = []string{"Risiko gangguan layanan meningkat.", "Kebocoran data pribadi dapat terjadi.",
	"Penyelenggaraan SPBE tidak terarah.", "Layanan kepada masyarakat dapat terhenti tanpa rencana pemulihan."}

var verbs = []string{"menyusun dan menetapkan", "memutakhirkan", "melaksanakan secara berkala", "mendokumentasikan",
	"menyesuaikan dengan standar", "mengevaluasi"}

var actionVerbs = []string{"menyusun rancangan", "menetapkan", "memutakhirkan", "menyosialisasikan", "mengevaluasi",
	"melaksanakan"}

var actionDetails = []string{"rancangan disusun bersama bidang terkait.", "dilaporkan kepada kepala perangkat daerah.",
	"dituangkan dalam surat keputusan.", "diunggah sebagai bukti dukung."}

var artifactKinds = []string{"sk", "surat_edaran", "peraturan", "tata_kelola", "pedoman", "peta_rencana", "sop", "laporan"}

var artifactTitles = map[string]string{"sk": "Surat Keputusan", "surat_edaran": "Surat Edaran", "peraturan": "Peraturan",
	"tata_kelola": "Dokumen Tata Kelola", "pedoman": "Pedoman", "peta_rencana": "Peta Rencana", "sop": "SOP",
	"laporan": "Laporan Pelaksanaan", "lainnya": "Dokumen"}

var completionNotes = []string{"SK telah ditetapkan.", "Dokumen telah disahkan kepala perangkat daerah.",
	"Sosialisasi telah dilaksanakan.", "Laporan pelaksanaan terlampir."}

var completionNotesJSON = jsonStrings(completionNotes...)

var rejectReasons = jsonField("reason", "Bukti dukung belum ditandatangani pejabat berwenang.",
	"SK yang diunggah bukan SK yang direkomendasikan.", "Dokumen belum mencakup seluruh aplikasi.")

var notActionableReasons = jsonField("reason", "Aplikasi telah dihentikan.", "Kewenangan beralih ke pemerintah pusat.",
	"Rekomendasi tidak lagi relevan setelah perubahan regulasi.")

var reopenReasons = jsonField("reason", "Temuan berulang pada pemeriksaan berikutnya.", "Bukti dukung ternyata tidak sah.")

var commentBodies = jsonField("body", "Mohon segera ditindaklanjuti.", "Sedang dalam proses penyusunan.",
	"Rancangan sudah dibahas dengan bagian hukum.", "Mohon arahan terkait format dokumen.",
	"Jadwal penyelesaian disesuaikan dengan anggaran perubahan.", "Bukti dukung akan diunggah minggu depan.")
