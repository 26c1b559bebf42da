package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

const frameworkUsage = `usage: tindaklanjut framework import FILE.json
       tindaklanjut framework import-mapping FILE.json

import adds an evaluation model from a file in the shape of the published facts:
framework_code, title, scoring (levels or decimal), predicates (name, optional
label, min, below/max), levels (names of levels 1–5 per scale, with
scale_by_domain or scale_by_aspect), optional stages, supersedes, current and
source_note, and either domains → aspects → indicators (spbe-2020) or aspects →
indicators (pemdi-2026), each with weight_percent. The file is checked first, every
problem named by its place: codes unique (indicator codes across every model held),
indicator weights adding up to their aspect, aspects to their domain and the top
level to 100, level names for 1–5, predicate bands covering 1–5 without gaps. A
model is never edited in place: a new version gets a new code. A model that
supersedes the current one, or says "current": true, becomes the current model.

import-mapping adds or replaces the mapping between two models held, in the shape
of the shipped spbe-2020 → pemdi-2026 file: from, to, note, pairs [{from, to: [...],
why}], unmapped_to, unmapped_why. Every code must be an indicator of its model.
Active findings naming an old indicator count at once on the indicators it maps
onto.
`

// runFramework is `tindaklanjut framework import|import-mapping FILE`.
func runFramework(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	if len(args) != 2 || (args[0] != "import" && args[0] != "import-mapping") {
		fmt.Fprint(stderr, frameworkUsage)
		return errUsage
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
	if args[0] == "import-mapping" {
		return importMapping(ctx, f, lookupEnv, stdout, stderr)
	}
	fw, err := framework.Parse(f)
	if err != nil {
		return describeDomainError(err)
	}
	db, err := openMigrated(ctx, lookupEnv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := framework.NewStore(db.DB).Import(ctx, fw); err != nil {
		return describeDomainError(err)
	}
	shape := fmt.Sprintf("%d domains, %d aspects", len(fw.Domains), len(fw.Aspects))
	if !fw.HasDomains() {
		shape = fmt.Sprintf("%d aspects", len(fw.Aspects))
	}
	fmt.Fprintf(stdout, "model %s imported: %s, %d indicators, %s scoring\n", fw.Code, shape, len(fw.Indicators()), fw.Scoring)
	return nil
}

func importMapping(ctx context.Context, f io.Reader, lookupEnv env, stdout, stderr io.Writer) error {
	m, err := framework.ParseMapping(f)
	if err != nil {
		return describeDomainError(err)
	}
	db, err := openMigrated(ctx, lookupEnv, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	out, err := framework.NewStore(db.DB).ImportMapping(ctx, m)
	if err != nil {
		return describeDomainError(err)
	}
	fmt.Fprintf(stdout, "mapping %s → %s imported: %d indicators mapped (version %d)\n", out.From, out.To, len(out.Pairs), out.Version)
	return nil
}
