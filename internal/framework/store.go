package framework

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Store reads and adds models in PostgreSQL.
type Store struct{ db *gorm.DB }

// NewStore returns a store.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

// Summary is one model held.
type Summary struct {
	Code       string
	Title      string
	Scoring    Scoring
	Current    bool
	Supersedes string
	Indicators int
	CreatedAt  time.Time
}

// List returns every model, the current one first, then newest first.
func (s *Store) List(ctx context.Context) ([]Summary, error) {
	var out []Summary
	err := s.db.WithContext(ctx).Raw(`SELECT f.code, f.title, f.scoring, f.is_current AS current, f.created_at,
			coalesce(sup.code, '') AS supersedes,
			(SELECT count(*) FROM framework_indicators i WHERE i.framework_id = f.id) AS indicators
		FROM frameworks f LEFT JOIN frameworks sup ON sup.id = f.supersedes_id
		ORDER BY f.is_current DESC, f.id DESC`).Scan(&out).Error
	return out, err
}

// CurrentCode returns the code of the current model, or DefaultCode when
// none is marked current.
func (s *Store) CurrentCode(ctx context.Context) (string, error) {
	var code string
	err := s.db.WithContext(ctx).Raw(`SELECT coalesce((SELECT code FROM frameworks WHERE is_current), ?)`, DefaultCode).
		Scan(&code).Error
	return code, err
}

// Get returns the model with code; NotFound when there is none.
func (s *Store) Get(ctx context.Context, code string) (Framework, error) {
	return get(s.db.WithContext(ctx), code)
}

func get(db *gorm.DB, code string) (Framework, error) {
	var head struct {
		ID         int64
		Code       string
		Title      string
		Scoring    Scoring
		Current    bool
		Supersedes string
		SourceNote string
		Stages     postgres.Array[string]
	}
	res := db.Raw(`SELECT f.id, f.code, f.title, f.scoring, f.is_current AS current, coalesce(sup.code, '') AS supersedes,
			f.source_note, f.stages
		FROM frameworks f LEFT JOIN frameworks sup ON sup.id = f.supersedes_id WHERE f.code = ?`, code).Scan(&head)
	if res.Error != nil {
		return Framework{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Framework{}, apperr.E(apperr.NotFound, "There is no evaluation model %q.", code)
	}
	fw := Framework{Code: head.Code, Title: head.Title, Scoring: head.Scoring, Current: head.Current,
		Supersedes: head.Supersedes, SourceNote: head.SourceNote, Stages: []string(head.Stages)}
	if fw.Stages == nil {
		fw.Stages = []string{}
	}
	if err := db.Raw(`SELECT name, label, min_score AS min FROM framework_predicates WHERE framework_id = ? ORDER BY min_score`, head.ID).
		Scan(&fw.Predicates).Error; err != nil {
		return Framework{}, err
	}
	if err := db.Raw(`SELECT scale, level, name FROM framework_levels WHERE framework_id = ? ORDER BY scale, level`, head.ID).
		Scan(&fw.Levels).Error; err != nil {
		return Framework{}, err
	}
	var domains []struct {
		Code, Name, Scale string
		Number            int
		Weight            float64
	}
	if err := db.Raw(`SELECT code, number, name, weight::float8 AS weight, coalesce(scale, '') AS scale
		FROM framework_domains WHERE framework_id = ? ORDER BY number`, head.ID).Scan(&domains).Error; err != nil {
		return Framework{}, err
	}
	for _, d := range domains {
		fw.Domains = append(fw.Domains, Domain{Code: d.Code, Number: d.Number, Name: d.Name, Weight: d.Weight, Scale: d.Scale})
	}
	var rows []struct {
		ACode, AName, AScale, DCode, ICode, IName, INameEn, IExternal string
		ANumber, INumber                                              int
		AWeight, IWeight                                              float64
	}
	err := db.Raw(`SELECT a.code AS a_code, a.name AS a_name, a.number AS a_number, a.weight::float8 AS a_weight,
			coalesce(a.scale, '') AS a_scale, coalesce(d.code, '') AS d_code,
			i.code AS i_code, i.name AS i_name, i.name_en AS i_name_en, i.number AS i_number, i.weight::float8 AS i_weight,
			coalesce(i.external_source, '') AS i_external
		FROM framework_aspects a
		LEFT JOIN framework_domains d ON d.id = a.domain_id
		JOIN framework_indicators i ON i.aspect_id = a.id
		WHERE a.framework_id = ?
		ORDER BY d.number NULLS FIRST, a.number, i.number`, head.ID).Scan(&rows).Error
	if err != nil {
		return Framework{}, err
	}
	for _, r := range rows {
		if n := len(fw.Aspects); n == 0 || fw.Aspects[n-1].Code != r.ACode {
			fw.Aspects = append(fw.Aspects, Aspect{Code: r.ACode, Number: r.ANumber, Name: r.AName, Weight: r.AWeight,
				DomainCode: r.DCode, Scale: r.AScale})
		}
		a := &fw.Aspects[len(fw.Aspects)-1]
		a.Indicators = append(a.Indicators, Indicator{Code: r.ICode, Number: r.INumber, Name: r.IName, NameEN: r.INameEn,
			Weight: r.IWeight, ExternalSource: r.IExternal})
	}
	for i := range fw.Domains {
		for _, a := range fw.Aspects {
			if a.DomainCode == fw.Domains[i].Code {
				fw.Domains[i].Aspects = append(fw.Domains[i].Aspects, a)
			}
		}
	}
	return fw, nil
}

// Import adds a validated model in one transaction. Errors: Conflict when
// a model with its code exists (models are versions, never edited in
// place); Invalid when one of its indicator codes is already an indicator
// of another model (codes are unique across models, so that a finding's
// code names its model) or it supersedes a model that is not held. A model
// that is marked current, or that supersedes the current one, becomes the
// current model.
func (s *Store) Import(ctx context.Context, fw Framework) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// One import at a time: two files with the same new codes must not
		// both pass the clash check.
		if err := tx.Exec(`LOCK TABLE frameworks IN SHARE ROW EXCLUSIVE MODE`).Error; err != nil {
			return err
		}
		var exists bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM frameworks WHERE code = ?)`, fw.Code).Scan(&exists).Error; err != nil {
			return err
		}
		if exists {
			return apperr.E(apperr.Conflict, "A model with code %q is already held; give the new version its own code.", fw.Code)
		}
		if err := checkClashes(tx, fw); err != nil {
			return err
		}
		var supersedes *int64
		if fw.Supersedes != "" {
			var id int64
			res := tx.Raw(`SELECT id FROM frameworks WHERE code = ?`, fw.Supersedes).Scan(&id)
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				var v apperr.Validation
				v.Add("supersedes", "%q is not a model held here", fw.Supersedes)
				return v.Err()
			}
			supersedes = &id
			var cur bool
			if err := tx.Raw(`SELECT is_current FROM frameworks WHERE id = ?`, id).Scan(&cur).Error; err != nil {
				return err
			}
			fw.Current = fw.Current || cur
		}
		if fw.Current {
			if err := tx.Exec(`UPDATE frameworks SET is_current = false, updated_at = now() WHERE is_current`).Error; err != nil {
				return err
			}
		}
		var id int64
		err := tx.Raw(`INSERT INTO frameworks (code, title, scoring, is_current, supersedes_id, source_note, stages)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, fw.Code, fw.Title, fw.Scoring, fw.Current, supersedes, fw.SourceNote,
			postgres.Array[string](fw.Stages)).Scan(&id).Error
		if err != nil {
			return err
		}
		return insertModel(tx, id, fw)
	})
}

// checkClashes names every indicator code of fw that another model holds.
func checkClashes(tx *gorm.DB, fw Framework) error {
	codes := make([]string, 0, 64)
	for _, ind := range fw.Indicators() {
		codes = append(codes, ind.Code)
	}
	var held []struct{ Code, Model string }
	if err := tx.Raw(`SELECT i.code, f.code AS model FROM framework_indicators i JOIN frameworks f ON f.id = i.framework_id
		WHERE i.code = ANY (?::text[]) ORDER BY i.code`, postgres.Array[string](codes)).Scan(&held).Error; err != nil {
		return err
	}
	if len(held) == 0 {
		return nil
	}
	by := make(map[string]string, len(held))
	for _, h := range held {
		by[h.Code] = h.Model
	}
	var v apperr.Validation
	for i, a := range fw.Aspects {
		for k, ind := range a.Indicators {
			if model, ok := by[ind.Code]; ok {
				v.Add(indicatorPath(fw, i, k)+".code", "%s is already an indicator of %s; indicator codes are unique across models", ind.Code, model)
			}
		}
	}
	return v.Err()
}

// indicatorPath names an indicator as the import file places it.
func indicatorPath(fw Framework, aspect, indicator int) string {
	a := fw.Aspects[aspect]
	if a.DomainCode == "" {
		return fmt.Sprintf("aspects[%d].indicators[%d]", aspect, indicator)
	}
	d, j := 0, 0
	for i, x := range fw.Domains {
		if x.Code == a.DomainCode {
			d = i
		}
	}
	for _, x := range fw.Aspects[:aspect] {
		if x.DomainCode == a.DomainCode {
			j++
		}
	}
	return fmt.Sprintf("domains[%d].aspects[%d].indicators[%d]", d, j, indicator)
}

// insertModel writes the parts of model id.
func insertModel(tx *gorm.DB, id int64, fw Framework) error {
	for _, l := range fw.Levels {
		if err := tx.Exec(`INSERT INTO framework_levels (framework_id, scale, level, name) VALUES (?, ?, ?, ?)`, id, l.Scale, l.Level, l.Name).Error; err != nil {
			return err
		}
	}
	for _, p := range fw.Predicates {
		if err := tx.Exec(`INSERT INTO framework_predicates (framework_id, name, label, min_score) VALUES (?, ?, ?, ?::numeric)`,
			id, p.Name, p.Label, p.Min.String()).Error; err != nil {
			return err
		}
	}
	domainIDs := map[string]int64{}
	for _, d := range fw.Domains {
		var did int64
		if err := tx.Raw(`INSERT INTO framework_domains (framework_id, code, number, name, weight, scale) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			id, d.Code, d.Number, d.Name, d.Weight, nullIfEmpty(d.Scale)).Scan(&did).Error; err != nil {
			return err
		}
		domainIDs[d.Code] = did
	}
	for _, a := range fw.Aspects {
		var domain *int64
		if did, ok := domainIDs[a.DomainCode]; ok {
			domain = &did
		}
		var aid int64
		if err := tx.Raw(`INSERT INTO framework_aspects (framework_id, domain_id, code, number, name, weight, scale) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			id, domain, a.Code, a.Number, a.Name, a.Weight, nullIfEmpty(a.Scale)).Scan(&aid).Error; err != nil {
			return err
		}
		for _, ind := range a.Indicators {
			if err := tx.Exec(`INSERT INTO framework_indicators (framework_id, aspect_id, code, number, name, name_en, weight, external_source)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				id, aid, ind.Code, ind.Number, ind.Name, ind.NameEN, ind.Weight, nullIfEmpty(ind.ExternalSource)).Error; err != nil {
				if code, _ := postgres.Violation(err); code == postgres.UniqueViolation {
					return apperr.E(apperr.Conflict, "Indicator %s was taken by another model while this one was imported.", ind.Code)
				}
				return err
			}
		}
	}
	return nil
}

func nullIfEmpty(s string) *string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return &s
}
