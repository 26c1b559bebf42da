package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/importer"
)

const importUsage = `usage: tindaklanjut import findings --review ID --as EMAIL FILE [--commit]

Imports a register kept in a spreadsheet (XLSX, or CSV in UTF-8 with ',' or ';')
into review ID, as the auditor or admin EMAIL, exactly as POST
/api/v1/reviews/{id}/imports does. Without --commit it is a preview: each row's
outcome (new, changed, unchanged) and every problem by row and column, and
nothing is written. With --commit every row is written in one transaction, or,
with any problem, nothing. Exit status 1 when there is any problem.
`

// runImport is `tindaklanjut import findings …`.
func runImport(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	bad := func(format string, a ...any) error {
		fmt.Fprintf(stderr, "tindaklanjut import: "+format+"\n\n%s", append(a, importUsage)...)
		return errUsage
	}
	if len(args) == 0 || args[0] != "findings" {
		return bad("the only import is `import findings`")
	}
	fs := flag.NewFlagSet("import findings", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	review := fs.Int64("review", 0, "")
	as := fs.String("as", "", "")
	commit := fs.Bool("commit", false, "")
	// Flags may follow the file, as the usage writes them.
	var files []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return bad("%v", err)
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch {
	case len(files) != 1:
		return bad("name one file to import")
	case *review < 1:
		return bad("--review is required: the id of the review to import into")
	case *as == "":
		return bad("--as is required: the email of the auditor or admin who imports")
	}
	data, err := readLimited(files[0], importer.DefaultLimits.MaxBytes)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, lookupEnv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	var u struct {
		ID     int64
		Role   identity.Role
		UnitID int64
		Active bool
	}
	if err := db.DB.WithContext(ctx).Raw(`SELECT id, role, unit_id, active FROM users WHERE lower(email) = lower(?)`, *as).Scan(&u).Error; err != nil {
		return err
	}
	if u.ID == 0 || !u.Active {
		return fmt.Errorf("--as %s: there is no active user with that email", *as)
	}
	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	findings := finding.NewService(db.DB, timeNow, cfg.TimeZone)
	imp := importer.NewService(db.DB, findings, importer.DefaultLimits)
	res, err := imp.Import(ctx, identity.Principal{UserID: u.ID, Role: u.Role, UnitID: u.UnitID}, importer.Request{
		ReviewID: *review, File: importer.File{Name: filepath.Base(files[0]), Data: data}, Commit: *commit})
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Kind == apperr.Invalid && *commit {
		printProblems(stdout, ae.Fields)
		return fmt.Errorf("%s", ae.Message)
	}
	if err != nil {
		return describeDomainError(err)
	}
	for _, it := range res.Items {
		id := "-"
		if it.FindingID != 0 {
			id = fmt.Sprint(it.FindingID)
		}
		fmt.Fprintf(stdout, "row %-6d %-12s %-10s finding %s\n", it.Row, it.Ref, it.Outcome, id)
	}
	if len(res.UnknownColumns) > 0 {
		fmt.Fprintf(stdout, "columns not read: %s\n", strings.Join(res.UnknownColumns, ", "))
	}
	printProblems(stdout, res.Problems)
	verb := "would be"
	if *commit {
		verb = "were"
	}
	fmt.Fprintf(stdout, "%d rows: %d new, %d changed, %d unchanged %s written\n", res.Rows, res.New, res.Changed, res.Unchanged, verb)
	if len(res.Problems) > 0 {
		return fmt.Errorf("%d problems: nothing can be written until they are corrected", len(res.Problems))
	}
	return nil
}

func printProblems(w io.Writer, ps []apperr.FieldError) {
	for _, p := range ps {
		col := p.Column
		if col == "" {
			col = p.Field
		}
		fmt.Fprintf(w, "problem: row %d, %s: %s\n", p.Row, col, p.Message)
	}
}

// readLimited reads a file of at most max bytes.
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than %d MiB; split the register into smaller files", path, max>>20)
	}
	return data, nil
}
