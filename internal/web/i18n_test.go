package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/notify"
)

// TestInterfaceWordsComplete: both languages hold the same keys with the
// same arguments, and every key the templates and handlers ask for is
// there, including those built from a value (state.open, event.issue).
func TestInterfaceWordsComplete(t *testing.T) {
	for key, id := range messages[ID] {
		en, ok := messages[EN][key]
		if !ok {
			t.Errorf("%q has no English", key)
		} else if verbs(en) != verbs(id) {
			t.Errorf("%q: Indonesian %q and English %q take other arguments", key, id, en)
		}
	}
	for key := range messages[EN] {
		if _, ok := messages[ID][key]; !ok {
			t.Errorf("%q has no Indonesian", key)
		}
	}

	asked := map[string]string{}
	collect := func(glob string, re *regexp.Regexp) {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", glob, err)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				asked[m[1]] = f
			}
		}
	}
	collect(filepath.Join("..", "..", "templates", "web", "*.html"), regexp.MustCompile(`\bt \$?[.\w]*Lang "([^"]+)"`))
	collect("*.go", regexp.MustCompile(`\bT\([\w.]+, "([^"]+)"`))
	collect("admin.go", regexp.MustCompile(`adminSection\{"\w+", "([^"]+)"`))
	collect("admin.go", regexp.MustCompile(`adminSection\{"\w+", "[^"]+", "[^"]+", "([^"]+)"`))

	values := map[string][]string{
		"state.":     strs(finding.States),
		"sev.":       strs(finding.Severities),
		"rkind.":     finding.ReviewKinds,
		"kind.":      finding.ArtifactKinds,
		"appkind.":   finding.ApplicationKinds,
		"appstatus.": finding.ApplicationStatuses,
		"role.":      strs(identity.Roles),
		"mail.":      notify.Statuses,
		"notif.":     notify.Kinds,
		"cat.":       strs(categories),
		"scoring.":   {string(framework.Levels), string(framework.DecimalScores)},
		"verb.":      nil,
		"event.": {finding.EventCreated, finding.EventUpdated, finding.EventCommented, finding.EventActionAssigned,
			finding.EventActionUpdated, finding.EventActionCompleted, finding.EventActionReopened,
			finding.EventArtifactAdded, finding.EventArtifactRemoved},
	}
	for _, tr := range finding.Lifecycle {
		values["verb."] = append(values["verb."], string(tr.Verb))
		values["event."] = append(values["event."], string(tr.Verb))
	}
	for prefix, vals := range values {
		for _, v := range vals {
			asked[prefix+v] = "values of " + prefix
		}
	}
	for key, where := range asked {
		if strings.HasSuffix(key, ".") {
			continue
		}
		if !Has(key) {
			t.Errorf("%s asks for %q, which is not a word of the interface", where, key)
		}
	}
	if len(asked) < 200 {
		t.Errorf("found only %d keys asked for; the scan is broken", len(asked))
	}
}

func strs[S ~[]E, E ~string](s S) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[i] = string(v)
	}
	return out
}

func TestFormatSize(t *testing.T) {
	for _, c := range []struct {
		lang Lang
		n    int64
		want string
	}{{ID, 0, "0 B"}, {ID, 1023, "1023 B"}, {ID, 1024, "1 KB"}, {ID, 20465, "20 KB"}, {ID, 1536, "1,5 KB"}, {EN, 1536, "1.5 KB"},
		{ID, 25 << 20, "25 MB"}, {ID, 3*1024*1024 + 300*1024, "3,3 MB"}} {
		if got := FormatSize(c.lang, c.n); got != c.want {
			t.Errorf("FormatSize(%s, %d) = %q; want %q", c.lang, c.n, got, c.want)
		}
	}
}
