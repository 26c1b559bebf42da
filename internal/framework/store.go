package framework

import (
	"context"
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
	Indicators int
	CreatedAt  time.Time
}

// List returns every model, oldest first.
func (s *Store) List(ctx context.Context) ([]Summary, error) {
	var out []Summary
	err := s.db.WithContext(ctx).Raw(`SELECT f.code, f.title, f.created_at,
			(SELECT count(*) FROM framework_indicators i WHERE i.framework_id = f.id) AS indicators
		FROM frameworks f ORDER BY f.id`).Scan(&out).Error
	return out, err
}

// Get returns the model with code; NotFound when there is none.
func (s *Store) Get(ctx context.Context, code string) (Framework, error) {
	db := s.db.WithContext(ctx)
	var head struct {
		ID    int64
		Code  string
		Title string
	}
	res := db.Raw(`SELECT id, code, title FROM frameworks WHERE code = ?`, code).Scan(&head)
	if res.Error != nil {
		return Framework{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Framework{}, apperr.E(apperr.NotFound, "There is no evaluation model %q.", code)
	}
	fw := Framework{Code: head.Code, Title: head.Title}
	if err := db.Raw(`SELECT name, min_score::float8 AS min FROM framework_predicates WHERE framework_id = ? ORDER BY min_score`, head.ID).
		Scan(&fw.Predicates).Error; err != nil {
		return Framework{}, err
	}
	if err := db.Raw(`SELECT scale, level, name FROM framework_levels WHERE framework_id = ? ORDER BY scale, level`, head.ID).
		Scan(&fw.Levels).Error; err != nil {
		return Framework{}, err
	}
	var rows []struct {
		DCode, DName, Scale, ACode, AName, ICode, IName, INameEn string
		DNumber, ANumber, INumber                                int
		DWeight, AWeight, IWeight                                float64
	}
	err := db.Raw(`SELECT d.code AS d_code, d.name AS d_name, d.number AS d_number, d.weight::float8 AS d_weight, d.scale,
			a.code AS a_code, a.name AS a_name, a.number AS a_number, a.weight::float8 AS a_weight,
			i.code AS i_code, i.name AS i_name, i.name_en AS i_name_en, i.number AS i_number, i.weight::float8 AS i_weight
		FROM framework_domains d
		JOIN framework_aspects a ON a.domain_id = d.id
		JOIN framework_indicators i ON i.aspect_id = a.id
		WHERE d.framework_id = ?
		ORDER BY d.number, a.number, i.number`, head.ID).Scan(&rows).Error
	if err != nil {
		return Framework{}, err
	}
	for _, r := range rows {
		if n := len(fw.Domains); n == 0 || fw.Domains[n-1].Code != r.DCode {
			fw.Domains = append(fw.Domains, Domain{Code: r.DCode, Number: r.DNumber, Name: r.DName, Weight: r.DWeight, Scale: r.Scale})
		}
		d := &fw.Domains[len(fw.Domains)-1]
		if n := len(d.Aspects); n == 0 || d.Aspects[n-1].Code != r.ACode {
			d.Aspects = append(d.Aspects, Aspect{Code: r.ACode, Number: r.ANumber, Name: r.AName, Weight: r.AWeight})
		}
		a := &d.Aspects[len(d.Aspects)-1]
		a.Indicators = append(a.Indicators, Indicator{Code: r.ICode, Number: r.INumber, Name: r.IName, NameEN: r.INameEn, Weight: r.IWeight})
	}
	return fw, nil
}

// Import adds a validated model in one transaction. Conflict when a model
// with its code exists: models are versions, never edited in place.
func (s *Store) Import(ctx context.Context, fw Framework) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var id int64
		err := tx.Raw(`INSERT INTO frameworks (code, title) VALUES (?, ?) RETURNING id`, fw.Code, fw.Title).Scan(&id).Error
		if code, _ := postgres.Violation(err); code == postgres.UniqueViolation {
			return apperr.E(apperr.Conflict, "A model with code %q is already held; give the new version its own code.", fw.Code)
		} else if err != nil {
			return err
		}
		for _, l := range fw.Levels {
			if err := tx.Exec(`INSERT INTO framework_levels (framework_id, scale, level, name) VALUES (?, ?, ?, ?)`, id, l.Scale, l.Level, l.Name).Error; err != nil {
				return err
			}
		}
		for _, p := range fw.Predicates {
			if err := tx.Exec(`INSERT INTO framework_predicates (framework_id, name, min_score) VALUES (?, ?, ?)`, id, p.Name, p.Min).Error; err != nil {
				return err
			}
		}
		for _, d := range fw.Domains {
			var did int64
			if err := tx.Raw(`INSERT INTO framework_domains (framework_id, code, number, name, weight, scale) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
				id, d.Code, d.Number, d.Name, d.Weight, d.Scale).Scan(&did).Error; err != nil {
				return err
			}
			for _, a := range d.Aspects {
				var aid int64
				if err := tx.Raw(`INSERT INTO framework_aspects (framework_id, domain_id, code, number, name, weight) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
					id, did, a.Code, a.Number, a.Name, a.Weight).Scan(&aid).Error; err != nil {
					return err
				}
				for _, ind := range a.Indicators {
					if err := tx.Exec(`INSERT INTO framework_indicators (framework_id, aspect_id, code, number, name, name_en, weight) VALUES (?, ?, ?, ?, ?, ?, ?)`,
						id, aid, ind.Code, ind.Number, ind.Name, ind.NameEN, ind.Weight).Error; err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
