package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
)

func TestProblemAllowedActions(t *testing.T) {
	for _, tt := range []struct {
		name    string
		actions []string
		want    string
	}{
		{"none carried", nil, ""},
		{"empty list kept", []string{}, `"allowed_actions":[]`},
		{"listed", []string{"submit"}, `"allowed_actions":["submit"]`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := toProblem(&apperr.Error{Kind: apperr.Conflict, Message: "x", AllowedActions: tt.actions})
			b, _ := json.Marshal(p)
			if p.Status != http.StatusConflict {
				t.Errorf("status %d", p.Status)
			}
			if tt.want == "" && strings.Contains(string(b), "allowed_actions") || tt.want != "" && !strings.Contains(string(b), tt.want) {
				t.Errorf("problem %s; want %q", b, tt.want)
			}
		})
	}
}
