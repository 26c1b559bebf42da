package finding

import (
	"context"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// ReviewInput records a review.
type ReviewInput struct {
	Kind          string
	Title         string
	ConductedOn   *string
	ApplicationID *int64
	AssessmentID  *int64
	Summary       string
}

// ReviewFilter narrows a review list.
type ReviewFilter struct {
	Kind          *string
	ApplicationID *int64
	AssessmentID  *int64
}

const reviewColumns = "id, kind, title, conducted_on, application_id, assessment_id, summary, created_by, version, created_at, updated_at"

// ListReviews returns reviews, newest id first.
func (s *Service) ListReviews(ctx context.Context, p identity.Principal, f ReviewFilter, pg Page) ([]Review, error) {
	if err := identity.Authorize(p, identity.ReviewRead, nil); err != nil {
		return nil, err
	}
	if f.Kind != nil {
		var v apperr.Validation
		oneOf(&v, "kind", *f.Kind, ReviewKinds)
		if err := v.Err(); err != nil {
			return nil, err
		}
	}
	q := s.db.WithContext(ctx).Table("reviews").Select(reviewColumns)
	if pg.AfterID > 0 {
		q = q.Where("id < ?", pg.AfterID)
	}
	if f.Kind != nil {
		q = q.Where("kind = ?", *f.Kind)
	}
	if f.ApplicationID != nil {
		q = q.Where("application_id = ?", *f.ApplicationID)
	}
	if f.AssessmentID != nil {
		q = q.Where("assessment_id = ?", *f.AssessmentID)
	}
	var out []Review
	err := q.Order("id DESC").Limit(pg.Limit).Scan(&out).Error
	return out, err
}

// GetReview returns one review; NotFound when there is none.
func (s *Service) GetReview(ctx context.Context, p identity.Principal, id int64) (Review, error) {
	if err := identity.Authorize(p, identity.ReviewRead, nil); err != nil {
		return Review{}, err
	}
	return review(s.db.WithContext(ctx), id)
}

func review(tx *gorm.DB, id int64) (Review, error) {
	var r Review
	res := tx.Raw(`SELECT `+reviewColumns+` FROM reviews WHERE id = ?`, id).Scan(&r)
	if res.Error != nil {
		return Review{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Review{}, apperr.E(apperr.NotFound, "There is no review %d.", id)
	}
	return r, nil
}

// CreateReview records a review. Errors: Forbidden, Invalid (naming every
// bad field, including an unknown application or assessment).
func (s *Service) CreateReview(ctx context.Context, p identity.Principal, in ReviewInput) (Review, error) {
	if err := identity.Authorize(p, identity.ReviewCreate, nil); err != nil {
		return Review{}, err
	}
	var v apperr.Validation
	oneOf(&v, "kind", in.Kind, ReviewKinds)
	checkLine(&v, "title", in.Title, true, 300)
	on := parseDate(&v, "conducted_on", in.ConductedOn, true)
	checkText(&v, "summary", in.Summary, false, 20000)
	db := s.db.WithContext(ctx)
	if in.ApplicationID != nil && !exists(db, "applications", *in.ApplicationID) {
		v.Add("application_id", "no such application")
	}
	if in.AssessmentID != nil && !exists(db, "assessments", *in.AssessmentID) {
		v.Add("assessment_id", "no such assessment")
	}
	if err := v.Err(); err != nil {
		return Review{}, err
	}
	var r Review
	err := db.Raw(`INSERT INTO reviews (kind, title, conducted_on, application_id, assessment_id, summary, created_by)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+reviewColumns,
		in.Kind, in.Title, on, in.ApplicationID, in.AssessmentID, in.Summary, p.UserID).Scan(&r).Error
	if err != nil {
		return Review{}, translateRef(err)
	}
	return r, nil
}

// exists reports whether table has a row with id. Tables are named by
// the code, never by input.
func exists(db *gorm.DB, table string, id int64) bool {
	var ok bool
	db.Raw(`SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = ?)`, id).Scan(&ok)
	return ok
}
