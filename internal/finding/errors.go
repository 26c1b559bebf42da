package finding

import (
	"strings"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// translateRef turns a foreign-key violation that slipped past validation
// (the referenced row was removed meanwhile) into the field it concerns.
func translateRef(err error) error {
	code, constraint := postgres.Violation(err)
	if code != postgres.ForeignKeyViolation {
		return err
	}
	for _, f := range []string{"application_id", "assessment_id", "unit_id", "review_id", "assignee_id"} {
		if strings.Contains(constraint, f) {
			return invalidField(f, "no such object")
		}
	}
	return apperr.E(apperr.Invalid, "A referenced object does not exist.")
}
