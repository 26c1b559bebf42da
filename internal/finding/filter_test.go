package finding

import (
	"net/url"
	"slices"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

func TestParseFilter(t *testing.T) {
	f, err := ParseFilter(url.Values{"state": {"open,in_progress", "submitted"}, "unit_id": {"7"}, "overdue": {"1"},
		"due_after": {"2024-09-01"}, "indicator": {"I38"}, "q": {"  sk risiko "}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.States, []State{Open, InProgress, Submitted}) || *f.UnitID != 7 || !*f.Overdue ||
		f.DueAfter.String() != "2024-09-01" || *f.Indicator != "I38" || f.Query != "sk risiko" {
		t.Errorf("filter = %+v", f)
	}
	// Every malformed value is named, not only the first.
	_, err = ParseFilter(url.Values{"state": {"selesai"}, "unit_id": {"0"}, "review_id": {"x"}, "overdue": {"mungkin"},
		"due_before": {"30/09/2024"}})
	var fields []string
	if ae, ok := err.(*apperr.Error); ok {
		for _, fe := range ae.Fields {
			fields = append(fields, fe.Field)
		}
	}
	slices.Sort(fields)
	if want := []string{"due_before", "overdue", "review_id", "state", "unit_id"}; !slices.Equal(fields, want) {
		t.Errorf("fields = %v; want %v", fields, want)
	}
}
