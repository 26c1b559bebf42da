package web

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
)

// serviceMessages reads the English messages the services can raise from
// their source: the format string of every apperr.E, Validation.Add and
// field-error helper call, and the Message of every apperr.Error and
// FieldError literal. The API's own request-binding messages are left
// out: no page shows them.
func serviceMessages(t *testing.T) map[string]string {
	t.Helper()
	helpers := []string{"Add", "invalidField", "invalidRef"}
	found := map[string]string{}
	fset := token.NewFileSet()
	root := filepath.Join("..", "..", "internal")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "api" || strings.HasSuffix(d.Name(), "test")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		add := func(lit ast.Expr) {
			b, ok := lit.(*ast.BasicLit)
			if !ok || b.Kind != token.STRING {
				return
			}
			s, err := strconv.Unquote(b.Value)
			if err == nil && s != "" {
				found[s] = fset.Position(b.Pos()).String()
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				var name string
				switch fn := n.Fun.(type) {
				case *ast.SelectorExpr:
					name = fn.Sel.Name
					if x, ok := fn.X.(*ast.Ident); ok && x.Name == "apperr" && name == "E" {
						add(n.Args[1])
						return true
					}
				case *ast.Ident:
					name = fn.Name
					if name == "E" && f.Name.Name == "apperr" {
						return true
					}
				}
				if slices.Contains(helpers, name) && len(n.Args) >= 2 {
					add(n.Args[1])
				}
			case *ast.CompositeLit:
				typ := ""
				switch x := n.Type.(type) {
				case *ast.SelectorExpr:
					typ = x.Sel.Name
				case *ast.Ident:
					typ = x.Name
				}
				if typ != "Error" && typ != "FieldError" {
					return true
				}
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Message" {
							add(kv.Value)
						}
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

var verb = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs are the formatting verbs of f, %% aside.
func verbs(f string) int {
	n := 0
	for _, m := range verb.FindAllString(f, -1) {
		if m != "%%" {
			n++
		}
	}
	return n
}

// TestEveryServiceMessageIsTranslated fails when a service gains an error
// message without its Indonesian words, or a translation asks for other
// arguments than its original gives.
func TestEveryServiceMessageIsTranslated(t *testing.T) {
	found := serviceMessages(t)
	if len(found) < 100 {
		t.Fatalf("read only %d messages from the services' source; the scan is broken", len(found))
	}
	var missing []string
	for msg, where := range found {
		id, ok := serviceMessagesID[msg]
		if !ok {
			missing = append(missing, where+": "+strconv.Quote(msg))
			continue
		}
		if verbs(id) != verbs(msg) {
			t.Errorf("%s: %q has %d verbs, its translation %q has %d", where, msg, verbs(msg), id, verbs(id))
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d service messages have no Indonesian translation in serviceMessagesID:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	for msg := range serviceMessagesID {
		if _, ok := found[msg]; !ok {
			t.Errorf("serviceMessagesID translates %q, which no service says any more", msg)
		}
	}
}

func TestMessagesInTheUsersLanguage(t *testing.T) {
	var v apperr.Validation
	v.Add("title", "must be at most %d characters", 300)
	err := v.Err()
	fe := err.(*apperr.Error).Fields[0]
	if got := fieldMessage(EN, fe); got != "must be at most 300 characters" {
		t.Errorf("English: %q", got)
	}
	if got := fieldMessage(ID, fe); got != "paling banyak 300 karakter" {
		t.Errorf("Indonesian: %q", got)
	}
	stale := apperr.E(apperr.Conflict, "The object was changed by someone else (you sent version %d, it is now at version %d). Reload it and apply your change again.", 2, 3)
	if got := errorMessage(ID, stale); !strings.Contains(got, "versi 2") || !strings.Contains(got, "versi 3") {
		t.Errorf("Indonesian conflict: %q", got)
	}
	closed := apperr.E(apperr.Conflict, "A finding that is %s can no longer be edited; reopen it first.", finding.Closed)
	if got := errorMessage(ID, closed); !strings.HasPrefix(got, "Temuan berstatus Selesai ") {
		t.Errorf("a state named in Indonesian: %q", got)
	}
	if got := fieldMessage(ID, apperr.FieldError{Field: "x", Message: "a message nobody translated"}); got != "a message nobody translated" {
		t.Errorf("untranslated falls back to English: %q", got)
	}
	if errorMessage(ID, errors.New("dial tcp: connection refused")) != "" {
		t.Error("a non-domain error has no message to show")
	}
}
