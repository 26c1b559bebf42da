package framework

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/auditlog"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// Mapping says which indicators of the model To cover the subject of each
// indicator of the model From. It is a judgement, not a regulation: an
// organisation corrects it by replacing it whole. Active findings that name
// a From indicator count on the To indicators it maps onto (carry-over).
type Mapping struct {
	From  string
	To    string
	Note  string
	Pairs []Pair
	// Unmapped lists To indicators that no From indicator maps onto, with
	// why; informative only.
	Unmapped  []Unmapped
	Version   int
	UpdatedAt time.Time
	// problems are what ParseMapping found wrong with the file's shape;
	// PutMapping reports them with the codes the models lack, in one
	// answer.
	problems apperr.Validation
}

// Pair maps one indicator onto one or more indicators of the other model.
type Pair struct {
	From string
	To   []string
	Why  string
}

// Unmapped is a target indicator that nothing maps onto.
type Unmapped struct {
	Code string
	Why  string
}

// MappingSummary is one mapping held.
type MappingSummary struct {
	From, To  string
	Note      string
	Pairs     int
	UpdatedAt time.Time
}

// mappingFile is the shape of the shipped file and of the API's body:
//
//	{"from": "spbe-2020", "to": "pemdi-2026", "note": "…",
//	 "pairs": [{"from": "I21", "to": ["P02"], "why": "…"}, …],
//	 "unmapped_to": ["P06", …], "unmapped_why": {"P06": "…"}}
type mappingFile struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Note  string `json:"note"`
	Pairs []struct {
		From string   `json:"from"`
		To   []string `json:"to"`
		Why  string   `json:"why"`
	} `json:"pairs"`
	UnmappedTo  []string          `json:"unmapped_to"`
	UnmappedWhy map[string]string `json:"unmapped_why"`
}

// ParseMapping reads a mapping file; fields it does not know are ignored,
// so that a mapping read from the API can be edited and sent back. Only a
// file that is not JSON of this shape is an error here (Malformed); what is
// wrong inside it (duplicates, empty lists, malformed codes) is reported by
// PutMapping together with the codes its models do not hold, so that one
// answer names every problem. What can be checked without the
// models is checked here (shape, duplicates, lengths); that every code is
// an indicator of its model is PutMapping's to check. Errors: Malformed
// (not JSON of this shape), Invalid (naming each bad place).
func ParseMapping(r io.Reader) (Mapping, error) {
	return parseMapping(r, "", "")
}

// ParseMappingFor reads a mapping sent for the pair of models from → to
// (the API's query): the body may leave from and to out, and must not name
// other models.
func ParseMappingFor(r io.Reader, from, to string) (Mapping, error) {
	return parseMapping(r, from, to)
}

func parseMapping(r io.Reader, from, to string) (Mapping, error) {
	var f mappingFile
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	if err := dec.Decode(&f); err != nil {
		return Mapping{}, apperr.E(apperr.Malformed, "The mapping is not JSON of the mapping file's shape: %v", err)
	}
	var v apperr.Validation
	for _, x := range []struct {
		field, query string
		body         *string
	}{{"from", from, &f.From}, {"to", to, &f.To}} {
		switch {
		case x.query == "":
		case *x.body == "":
			*x.body = x.query
		case *x.body != x.query:
			v.Add(x.field, "is %s but the address names %s", *x.body, x.query)
		}
	}
	m := f.mapping(&v)
	m.problems = v
	return m, nil
}

func (f mappingFile) mapping(v *apperr.Validation) Mapping {
	m := Mapping{From: f.From, To: f.To, Note: strings.TrimSpace(f.Note), Pairs: []Pair{}, Unmapped: []Unmapped{}}
	if !codeRE.MatchString(f.From) {
		v.Add("from", "must name a model, such as spbe-2020")
	}
	if !codeRE.MatchString(f.To) {
		v.Add("to", "must name a model, such as pemdi-2026")
	}
	if f.From != "" && f.From == f.To {
		v.Add("to", "must be another model than from")
	}
	if len(m.Note) > 2000 {
		v.Add("note", "must be at most 2000 characters")
	}
	if len(f.Pairs) > 1000 {
		v.Add("pairs", "must hold at most 1000 pairs")
		return m
	}
	seen := map[string]int{}
	targets := map[string]bool{}
	for i, p := range f.Pairs {
		where := fmt.Sprintf("pairs[%d]", i)
		if j, dup := seen[p.From]; dup {
			v.Add(where+".from", "%s is mapped twice (also at pairs[%d]); list all its targets in one pair", p.From, j)
		} else if !IndicatorCodePattern.MatchString(p.From) {
			v.Add(where+".from", "must be an indicator code such as I21")
		}
		seen[p.From] = i
		if len(p.To) == 0 {
			v.Add(where+".to", "must list at least one indicator")
		}
		once := map[string]bool{}
		for k, t := range p.To {
			switch {
			case !IndicatorCodePattern.MatchString(t):
				v.Add(fmt.Sprintf("%s.to[%d]", where, k), "must be an indicator code such as P02")
			case once[t]:
				v.Add(fmt.Sprintf("%s.to[%d]", where, k), "%s is listed twice", t)
			}
			once[t], targets[t] = true, true
		}
		if len(p.Why) > 500 {
			v.Add(where+".why", "must be at most 500 characters")
		}
		m.Pairs = append(m.Pairs, Pair{From: p.From, To: p.To, Why: strings.TrimSpace(p.Why)})
	}
	for i, c := range f.UnmappedTo {
		where := fmt.Sprintf("unmapped_to[%d]", i)
		switch {
		case !IndicatorCodePattern.MatchString(c):
			v.Add(where, "must be an indicator code such as P06")
		case targets[c]:
			v.Add(where, "%s is named unmapped but a pair maps onto it", c)
		}
		m.Unmapped = append(m.Unmapped, Unmapped{Code: c, Why: strings.TrimSpace(f.UnmappedWhy[c])})
	}
	for c := range f.UnmappedWhy {
		if !slices.Contains(f.UnmappedTo, c) {
			v.Add("unmapped_why."+c, "explains an indicator that unmapped_to does not list")
		}
	}
	return m
}

// Mapping returns the mapping from one model to another; NotFound when none
// is held.
func (s *Store) Mapping(ctx context.Context, from, to string) (Mapping, error) {
	return loadMapping(s.db.WithContext(ctx), from, to)
}

func loadMapping(db *gorm.DB, from, to string) (Mapping, error) {
	var head struct {
		ID        int64
		Note      string
		Version   int
		UpdatedAt time.Time
	}
	res := db.Raw(`SELECT m.id, m.note, m.version, m.updated_at FROM framework_mappings m
		JOIN frameworks a ON a.id = m.from_framework_id JOIN frameworks b ON b.id = m.to_framework_id
		WHERE a.code = ? AND b.code = ?`, from, to).Scan(&head)
	if res.Error != nil {
		return Mapping{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Mapping{}, apperr.E(apperr.NotFound, "There is no mapping from %s to %s.", from, to)
	}
	m := Mapping{From: from, To: to, Note: head.Note, Version: head.Version, UpdatedAt: head.UpdatedAt,
		Pairs: []Pair{}, Unmapped: []Unmapped{}}
	var rows []struct{ FromCode, ToCode, Why string }
	if err := db.Raw(`SELECT from_code, to_code, why FROM framework_mapping_pairs WHERE mapping_id = ? ORDER BY position`, head.ID).
		Scan(&rows).Error; err != nil {
		return Mapping{}, err
	}
	for _, r := range rows {
		if n := len(m.Pairs); n > 0 && m.Pairs[n-1].From == r.FromCode {
			m.Pairs[n-1].To = append(m.Pairs[n-1].To, r.ToCode)
			continue
		}
		m.Pairs = append(m.Pairs, Pair{From: r.FromCode, To: []string{r.ToCode}, Why: r.Why})
	}
	if err := db.Raw(`SELECT code, why FROM framework_mapping_unmapped WHERE mapping_id = ? ORDER BY code`, head.ID).
		Scan(&m.Unmapped).Error; err != nil {
		return Mapping{}, err
	}
	return m, nil
}

// Mappings lists every mapping held.
func (s *Store) Mappings(ctx context.Context) ([]MappingSummary, error) {
	out := []MappingSummary{}
	err := s.db.WithContext(ctx).Raw(`SELECT a.code AS "from", b.code AS "to", m.note, m.updated_at,
			(SELECT count(DISTINCT from_code) FROM framework_mapping_pairs p WHERE p.mapping_id = m.id) AS pairs
		FROM framework_mappings m JOIN frameworks a ON a.id = m.from_framework_id JOIN frameworks b ON b.id = m.to_framework_id
		ORDER BY b.is_current DESC, m.id`).Scan(&out).Error
	return out, err
}

// Onto returns, for the model code, every indicator of another model that
// a held mapping maps onto it: old code → the model's codes it counts on.
func (s *Store) Onto(ctx context.Context, code string) (map[string][]string, error) {
	var rows []struct{ FromCode, ToCode string }
	err := s.db.WithContext(ctx).Raw(`SELECT p.from_code, p.to_code FROM framework_mapping_pairs p
		JOIN framework_mappings m ON m.id = p.mapping_id JOIN frameworks f ON f.id = m.to_framework_id
		WHERE f.code = ? ORDER BY p.from_code, p.position`, code).Scan(&rows).Error
	out := make(map[string][]string, len(rows))
	for _, r := range rows {
		out[r.FromCode] = append(out[r.FromCode], r.ToCode)
	}
	return out, err
}

// ImportMapping adds or replaces a mapping read from a file, on behalf of
// the command line (no signed-in user). Errors as PutMapping's.
func (s *Store) ImportMapping(ctx context.Context, m Mapping) (Mapping, error) {
	return s.putMapping(ctx, nil, m)
}

// PutMapping replaces the mapping from m.From to m.To (or adds it), and
// recounts, in the same transaction, what every indicator's active findings
// are, as the carry-over follows the mapping. Errors: Forbidden (admins
// only), Invalid (a model that is not held, a code that is not an
// indicator of its model, each named by its place in the file).
func (s *Store) PutMapping(ctx context.Context, p identity.Principal, m Mapping) (Mapping, error) {
	if err := identity.Authorize(p, identity.MappingUpdate, &identity.Resource{}); err != nil {
		return Mapping{}, err
	}
	return s.putMapping(ctx, &p.UserID, m)
}

func (s *Store) putMapping(ctx context.Context, actor *int64, m Mapping) (Mapping, error) {
	var out Mapping
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		v := m.problems
		fromID, fromCodes, err := modelCodes(tx, m.From)
		if err != nil {
			return err
		}
		toID, toCodes, err := modelCodes(tx, m.To)
		if err != nil {
			return err
		}
		if fromID == 0 {
			v.Add("from", "%q is not a model held here", m.From)
		}
		if toID == 0 {
			v.Add("to", "%q is not a model held here", m.To)
		}
		if fromID == 0 || toID == 0 {
			return v.Err()
		}
		for i, p := range m.Pairs {
			if !fromCodes[p.From] && IndicatorCodePattern.MatchString(p.From) {
				v.Add(fmt.Sprintf("pairs[%d].from", i), "%s is not an indicator of %s", p.From, m.From)
			}
			for k, t := range p.To {
				if !toCodes[t] && IndicatorCodePattern.MatchString(t) {
					v.Add(fmt.Sprintf("pairs[%d].to[%d]", i, k), "%s is not an indicator of %s", t, m.To)
				}
			}
		}
		for i, u := range m.Unmapped {
			if !toCodes[u.Code] {
				v.Add(fmt.Sprintf("unmapped_to[%d]", i), "%s is not an indicator of %s", u.Code, m.To)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		before, err := loadMapping(tx, m.From, m.To)
		existed := err == nil
		if err != nil && apperr.KindOf(err) != apperr.NotFound {
			return err
		}
		var id int64
		if err := tx.Raw(`INSERT INTO framework_mappings (from_framework_id, to_framework_id, note) VALUES (?, ?, ?)
			ON CONFLICT (from_framework_id, to_framework_id)
			DO UPDATE SET note = EXCLUDED.note, version = framework_mappings.version + 1, updated_at = now()
			RETURNING id`, fromID, toID, m.Note).Scan(&id).Error; err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM framework_mapping_pairs WHERE mapping_id = ?`,
			`DELETE FROM framework_mapping_unmapped WHERE mapping_id = ?`} {
			if err := tx.Exec(q, id).Error; err != nil {
				return err
			}
		}
		pos := 0
		for _, p := range m.Pairs {
			for _, t := range p.To {
				pos++
				if err := tx.Exec(`INSERT INTO framework_mapping_pairs (mapping_id, from_code, to_code, position, why) VALUES (?, ?, ?, ?, ?)`,
					id, p.From, t, pos, p.Why).Error; err != nil {
					return err
				}
			}
		}
		for _, u := range m.Unmapped {
			if err := tx.Exec(`INSERT INTO framework_mapping_unmapped (mapping_id, code, why) VALUES (?, ?, ?)`, id, u.Code, u.Why).Error; err != nil {
				return err
			}
		}
		// The carry-over counts follow the new pairs at once.
		if err := tx.Exec(`SELECT finding_indicator_counts_refresh()`).Error; err != nil {
			return err
		}
		if out, err = loadMapping(tx, m.From, m.To); err != nil {
			return err
		}
		changes := map[string]auditlog.Change{"pairs": {From: nil, To: pairLog(out.Pairs)}, "note": {From: nil, To: out.Note}}
		if existed {
			changes = auditlog.Diff(map[string][2]any{"pairs": {pairLog(before.Pairs), pairLog(out.Pairs)},
				"note": {before.Note, out.Note}})
		}
		return auditlog.Write(tx, actor, "replace", "framework_mapping", id, changes)
	})
	return out, err
}

// modelCodes returns a model's id (0 when not held) and its indicator
// codes.
func modelCodes(tx *gorm.DB, code string) (int64, map[string]bool, error) {
	var rows []struct {
		ID   int64
		Code *string
	}
	if err := tx.Raw(`SELECT f.id, i.code FROM frameworks f LEFT JOIN framework_indicators i ON i.framework_id = f.id
		WHERE f.code = ?`, code).Scan(&rows).Error; err != nil {
		return 0, nil, err
	}
	codes := make(map[string]bool, len(rows))
	var id int64
	for _, r := range rows {
		id = r.ID
		if r.Code != nil {
			codes[*r.Code] = true
		}
	}
	return id, codes, nil
}

// pairLog writes pairs for the audit log: "I21 → P02" each.
func pairLog(pairs []Pair) []string {
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p.From + " → " + strings.Join(p.To, ", ")
	}
	return out
}
