package finding

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/auditlog"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/opt"
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

// ReviewPatch changes a review: unset fields stay, a null application or
// assessment detaches the review from it.
type ReviewPatch struct {
	Kind          opt.Field[string]
	Title         opt.Field[string]
	ConductedOn   opt.Field[string]
	ApplicationID opt.Field[int64]
	AssessmentID  opt.Field[int64]
	Summary       opt.Field[string]
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
	on := parseDate(&v, "conducted_on", in.ConductedOn, true)
	r := Review{Kind: in.Kind, Title: in.Title, ConductedOn: on, ApplicationID: in.ApplicationID,
		AssessmentID: in.AssessmentID, Summary: in.Summary}
	var out Review
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := validateReview(tx, &v, 0, r); err != nil {
			return err
		}
		err := tx.Raw(`INSERT INTO reviews (kind, title, conducted_on, application_id, assessment_id, summary, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING `+reviewColumns,
			r.Kind, r.Title, r.ConductedOn, r.ApplicationID, r.AssessmentID, r.Summary, p.UserID).Scan(&out).Error
		if err != nil {
			return translateRef(err)
		}
		return auditlog.Write(tx, &p.UserID, "create", "review", out.ID, auditlog.Created(reviewFields(out)))
	})
	return out, err
}

// UpdateReview changes a review at version. Its findings follow it: the
// assessment a review belongs to decides which findings count towards that
// assessment's projected index and reminders, so a review may move to
// another assessment only if the indicators its findings name are in that
// assessment's model. Errors: NotFound, Forbidden, Conflict (stale
// version), Invalid (naming every bad field).
func (s *Service) UpdateReview(ctx context.Context, p identity.Principal, id int64, version int, in ReviewPatch) (Review, error) {
	if err := identity.Authorize(p, identity.ReviewUpdate, nil); err != nil {
		return Review{}, err
	}
	var out Review
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := review(tx, id)
		if err != nil {
			return err
		}
		if cur.Version != version {
			return staleVersion(version, cur.Version)
		}
		var v apperr.Validation
		next := cur
		for field, f := range map[string]opt.Field[string]{"kind": in.Kind, "title": in.Title, "summary": in.Summary} {
			if f.Null {
				v.Add(field, "must not be null")
			}
		}
		if in.Kind.Set {
			next.Kind = in.Kind.Value
		}
		if in.Title.Set {
			next.Title = in.Title.Value
		}
		if in.Summary.Set {
			next.Summary = in.Summary.Value
		}
		if in.ConductedOn.Null {
			v.Add("conducted_on", "is required (a date such as 2024-09-30)")
		} else if in.ConductedOn.Set {
			next.ConductedOn = parseDate(&v, "conducted_on", &in.ConductedOn.Value, true)
		}
		if in.ApplicationID.Set {
			next.ApplicationID = in.ApplicationID.Ptr()
		}
		if in.AssessmentID.Set {
			next.AssessmentID = in.AssessmentID.Ptr()
		}
		if err := validateReview(tx, &v, id, next); err != nil {
			return err
		}
		before, after := reviewFields(cur), reviewFields(next)
		pairs := make(map[string][2]any, len(before))
		for k := range before {
			pairs[k] = [2]any{before[k], after[k]}
		}
		changes := auditlog.Diff(pairs)
		if len(changes) == 0 {
			out = cur // nothing to change: the version stays
			return nil
		}
		res := tx.Raw(`UPDATE reviews SET kind = ?, title = ?, conducted_on = ?, application_id = ?, assessment_id = ?,
				summary = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ? RETURNING `+reviewColumns,
			next.Kind, next.Title, next.ConductedOn, next.ApplicationID, next.AssessmentID, next.Summary, s.instant(),
			id, version).Scan(&out)
		if res.Error != nil {
			return translateRef(res.Error)
		}
		if res.RowsAffected == 0 { // changed since it was read
			now, err := review(tx, id)
			if err != nil {
				return err
			}
			return staleVersion(version, now.Version)
		}
		return auditlog.Write(tx, &p.UserID, "update", "review", id, changes)
	})
	return out, err
}

// validateReview checks every field of r, a new review when id is 0, and
// returns the Invalid error naming each bad one.
func validateReview(tx *gorm.DB, v *apperr.Validation, id int64, r Review) error {
	oneOf(v, "kind", r.Kind, ReviewKinds)
	checkLine(v, "title", r.Title, true, 300)
	checkText(v, "summary", r.Summary, false, 20000)
	if ok, err := exists(tx, "applications", r.ApplicationID); err != nil {
		return err
	} else if !ok {
		v.Add("application_id", "no such application")
	}
	if ok, err := exists(tx, "assessments", r.AssessmentID); err != nil {
		return err
	} else if !ok {
		v.Add("assessment_id", "no such assessment")
	}
	if id != 0 && !v.Has("assessment_id") {
		// The indicators the review's findings name that the model of the
		// assessment it would belong to lacks (a review of no assessment
		// takes any model's indicators).
		var missing []string
		err := tx.Raw(`SELECT DISTINCT c FROM findings f, unnest(f.indicator_codes) AS c
			WHERE f.review_id = ? AND ?::bigint IS NOT NULL AND c NOT IN (SELECT i.code FROM framework_indicators i
				WHERE i.framework_id = (SELECT framework_id FROM assessments WHERE id = ?))
			ORDER BY c`, id, r.AssessmentID, r.AssessmentID).Scan(&missing).Error
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			v.Add("assessment_id", "the review's findings name indicators that are not in this assessment's model: %s",
				strings.Join(missing, ", "))
		}
	}
	return v.Err()
}

// reviewFields are what the audit log records of a review.
func reviewFields(r Review) map[string]any {
	return map[string]any{"kind": r.Kind, "title": r.Title, "conducted_on": r.ConductedOn,
		"application_id": r.ApplicationID, "assessment_id": r.AssessmentID, "summary": r.Summary}
}

// exists reports whether table has a row with id. Tables are named by
// the code, never by input.
// An id of nil exists. A query that fails returns its error: a database
// that cannot be reached is no reason to call a reference unknown.
func exists(db *gorm.DB, table string, id *int64) (bool, error) {
	if id == nil {
		return true, nil
	}
	var ok bool
	err := db.Raw(`SELECT EXISTS (SELECT 1 FROM `+table+` WHERE id = ?)`, *id).Scan(&ok).Error
	return ok, err
}
