package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

const frameworkUsage = `usage: tindaklanjut framework import FILE.json

Adds an SPBE evaluation model from a file in the shape of the published facts
(framework_code, title, predicates, levels, domains → aspects → indicators with
weight_percent). The file is checked first: codes unique, indicator weights adding
up to their aspect, aspects to their domain and domains to 100, level names for
1–5, predicate bands covering 1–5 without gaps. A model is never edited in place:
a new version gets a new code.
`

// runFramework is `tindaklanjut framework import FILE`.
func runFramework(ctx context.Context, args []string, lookupEnv env, stdout, stderr io.Writer) error {
	if len(args) != 2 || args[0] != "import" {
		fmt.Fprint(stderr, frameworkUsage)
		return errUsage
	}
	f, err := os.Open(args[1])
	if err != nil {
		return err
	}
	defer f.Close()
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
		return err
	}
	fmt.Fprintf(stdout, "model %s imported: %d domains, %d indicators\n", fw.Code, len(fw.Domains), len(fw.Indicators()))
	return nil
}
