package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

func TestFrameworkImport(t *testing.T) {
	ctx := context.Background()
	url, db := commandDB(t)
	st := framework.NewStore(db)
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	export := func(code string) []byte {
		fw, err := st.Get(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := framework.Export(fw)
		return data
	}
	spbe, pemdi := export("spbe-2020"), export("pemdi-2026")
	// A corrected Pemdi model, as a regulation's next version would ship:
	// its own code and indicator codes, superseding the current model.
	next := bytes.Replace(pemdi, []byte(`"pemdi-2026"`), []byte(`"pemdi-2027"`), 1)
	next = bytes.Replace(next, []byte(`"supersedes": "spbe-2020"`), []byte(`"supersedes": "pemdi-2026"`), 1)
	next = regexp.MustCompile(`"code": "P(\d\d)"`).ReplaceAll(next, []byte(`"code": "Q$1"`))
	good := write("pemdi-2027.json", next)
	// The same model under its old codes clashes with pemdi-2026.
	clash := write("clash.json", bytes.Replace(pemdi, []byte(`"pemdi-2026"`), []byte(`"pemdi-salinan"`), 1))
	bad := write("bad.json", bytes.Replace(spbe, []byte(`"weight_percent": 13`), []byte(`"weight_percent": 14`), 1))
	vars := map[string]string{"DATABASE_URL": url, "TINDAKLANJUT_DATA_DIR": dir, "TINDAKLANJUT_CONFIG": writeFile(t, "")}

	cmd := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"framework"}, args...), mapEnv(vars), strings.NewReader(""), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := cmd("import", good); err != nil || !strings.Contains(out, "7 aspects, 20 indicators, decimal scoring") {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if code, _ := st.CurrentCode(ctx); code != "pemdi-2027" {
		t.Errorf("current model = %s; a model superseding the current one takes over", code)
	}
	if _, err := cmd("import", good); err == nil || !strings.Contains(err.Error(), "already held") {
		t.Errorf("second import: %v", err)
	}
	if _, err := cmd("import", clash); err == nil || !strings.Contains(err.Error(), "aspects[0].indicators[0].code: P01 is already an indicator of pemdi-2026") {
		t.Errorf("clashing codes: %v", err)
	}
	if _, err := cmd("import", bad); err == nil || !strings.Contains(err.Error(), "domains[0].weight_percent") {
		t.Errorf("bad weights: %v", err)
	}
	if _, err := cmd("import", filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
	if _, err := cmd("export"); err != errUsage {
		t.Errorf("unknown subcommand: %v", err)
	}
	var n int
	db.Raw("SELECT count(*) FROM frameworks").Scan(&n)
	if n != 3 {
		t.Errorf("%d models; want the two shipped and one import", n)
	}

	// A mapping onto the new model: carried-over findings follow it.
	mapping := write("mapping.json", []byte(`{"from": "pemdi-2026", "to": "pemdi-2027", "note": "renumbered",
		"pairs": [{"from": "P02", "to": ["Q02"], "why": "same subject"}, {"from": "P09", "to": ["Q09", "Q10"]}],
		"unmapped_to": ["Q20"], "unmapped_why": {"Q20": "new"}}`))
	if out, err := cmd("import-mapping", mapping); err != nil || !strings.Contains(out, "pemdi-2026 → pemdi-2027 imported: 2 indicators mapped") {
		t.Fatalf("import-mapping: %v\n%s", err, out)
	}
	onto, err := st.Onto(ctx, "pemdi-2027")
	if err != nil || len(onto["P09"]) != 2 || onto["P02"][0] != "Q02" {
		t.Errorf("onto = %v, %v", onto, err)
	}
	badMapping := write("bad-mapping.json", []byte(`{"from": "pemdi-2026", "to": "pemdi-2027",
		"pairs": [{"from": "P02", "to": ["Q99"]}, {"from": "I21", "to": ["Q02"]}]}`))
	_, err = cmd("import-mapping", badMapping)
	for _, want := range []string{"pairs[0].to[0]: Q99 is not an indicator of pemdi-2027", "pairs[1].from: I21 is not an indicator of pemdi-2026"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad mapping: %v; want %q", err, want)
		}
	}
	if m, _ := st.Mapping(ctx, "pemdi-2026", "pemdi-2027"); m.Version != 1 || len(m.Pairs) != 2 {
		t.Errorf("a refused mapping changed the held one: %+v", m)
	}
	if _, err := cmd("import-mapping", write("broken.json", []byte(`{"from":`))); err == nil {
		t.Error("a broken mapping file was accepted")
	}
}
