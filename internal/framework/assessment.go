package framework

import (
	"time"

	"gorm.io/gorm"
)

// Assessments is the service of evaluation cycles: milestones, scores and
// the index they make.
type Assessments struct {
	db  *gorm.DB
	now func() time.Time
}

// NewAssessments returns the service; now is the clock.
func NewAssessments(db *gorm.DB, now func() time.Time) *Assessments {
	return &Assessments{db: db, now: now}
}
