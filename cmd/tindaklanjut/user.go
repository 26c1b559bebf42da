package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

const userUsage = `usage: tindaklanjut user add --email EMAIL --name NAME --role ROLE --unit CODE [--nip NIP] [--password-stdin]

Adds a user. The password is read from standard input with --password-stdin
(never from an argument, where other users of the machine could see it);
without it a password is generated and printed once.
Roles: admin, auditor, manager, officer, viewer.
`

// runUser is `tindaklanjut user add`.
func runUser(ctx context.Context, args []string, lookupEnv env, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(stderr, userUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, userUsage) }
	email := fs.String("email", "", "email address")
	name := fs.String("name", "", "full name")
	role := fs.String("role", "", "admin, auditor, manager, officer or viewer")
	unit := fs.String("unit", "", "unit code")
	nip := fs.String("nip", "", "NIP (18 digits), optional")
	fromStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tindaklanjut: unexpected argument %q (the password is read from stdin with --password-stdin)\n\n%s", fs.Arg(0), userUsage)
		return errUsage
	}
	var missing []string
	for flagName, v := range map[string]string{"--email": *email, "--name": *name, "--role": *role, "--unit": *unit} {
		if v == "" {
			missing = append(missing, flagName)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(stderr, "tindaklanjut: missing %s\n\n%s", strings.Join(slices.Sorted(slices.Values(missing)), ", "), userUsage)
		return errUsage
	}
	password, generated := "", false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
		if password == "" {
			return errors.New("no password on standard input")
		}
	} else {
		password, generated = identity.GeneratePassword(), true
	}

	cfg, err := loadConfig(lookupEnv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	db, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer db.Close()
	ids := identity.NewService(db.DB, timeNow, identity.DefaultSettings)
	u, err := ids.UnitByCode(ctx, *unit)
	if err != nil {
		return err
	}
	var nipPtr *string
	if *nip != "" {
		nipPtr = nip
	}
	user, err := ids.CreateUser(ctx, nil, identity.UserInput{
		Email: *email, Name: *name, NIP: nipPtr, Role: identity.Role(*role), UnitID: u.ID, Password: password})
	if err != nil {
		return describeDomainError(err)
	}
	fmt.Fprintf(stdout, "user %d created: %s (%s, unit %s)\n", user.ID, user.Email, user.Role, u.Code)
	if generated {
		fmt.Fprintf(stdout, "password (shown only this once): %s\n", password)
	}
	return nil
}

// describeDomainError spells out a validation error's fields for a terminal.
func describeDomainError(err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || len(ae.Fields) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString(ae.Message)
	for _, f := range ae.Fields {
		fmt.Fprintf(&b, "\n  - %s: %s", strings.ReplaceAll(f.Field, "_id", ""), f.Message)
	}
	return errors.New(b.String())
}
