package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

func TestUserAdd(t *testing.T) {
	ctx := context.Background()
	url, db := commandDB(t)
	db.Exec("INSERT INTO units (code, name) VALUES ('DISKOMINFO', 'Dinas Komunikasi dan Informatika')")
	vars := map[string]string{"DATABASE_URL": url, "TINDAKLANJUT_DATA_DIR": t.TempDir(), "TINDAKLANJUT_CONFIG": writeFile(t, "")}

	userAdd := func(stdin string, args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"user", "add"}, args...), mapEnv(vars), strings.NewReader(stdin), &out, &errOut)
		return out.String(), errOut.String(), err
	}

	out, _, err := userAdd("rahasia-negara-1\n", "--email", "sari@kalselprov.go.id", "--name", "Sari Wulandari",
		"--role", "manager", "--unit", "diskominfo", "--nip", "198001012005011001", "--password-stdin")
	if err != nil || !strings.Contains(out, "sari@kalselprov.go.id") || strings.Contains(out, "rahasia-negara-1") {
		t.Fatalf("user add: %v\n%s", err, out)
	}
	ids := identity.NewService(db, time.Now, identity.DefaultSettings)
	if _, err := ids.Login(ctx, "sari@kalselprov.go.id", "rahasia-negara-1", identity.Client{IP: "127.0.0.1"}, identity.TokenAPI); err != nil {
		t.Errorf("cannot sign in with the password given on stdin: %v", err)
	}

	out, _, err = userAdd("", "--email", "budi@kalselprov.go.id", "--name", "Budi", "--role", "officer", "--unit", "DISKOMINFO")
	if err != nil || !strings.Contains(out, "password (shown only this once): ") {
		t.Fatalf("generated password: %v\n%s", err, out)
	}
	generated := strings.TrimSpace(out[strings.Index(out, "once): ")+len("once): "):])
	if _, err := ids.Login(ctx, "budi@kalselprov.go.id", generated, identity.Client{IP: "127.0.0.1"}, identity.TokenAPI); err != nil {
		t.Errorf("the printed password does not work: %v", err)
	}

	for _, tt := range []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"missing flags", "", []string{"--email", "x@y.go.id"}, "missing --name, --role, --unit"},
		{"password as argument", "", []string{"--email", "x@y.go.id", "--name", "X", "--role", "viewer", "--unit", "DISKOMINFO", "hunter2hunter2"}, "unexpected argument"},
		{"unknown role", "", []string{"--email", "x@y.go.id", "--name", "X", "--role", "raja", "--unit", "DISKOMINFO"}, "role: must be one of"},
		{"unknown unit", "", []string{"--email", "x@y.go.id", "--name", "X", "--role", "viewer", "--unit", "NOPE"}, `no unit with code "NOPE"`},
		{"bad nip", "", []string{"--email", "x@y.go.id", "--name", "X", "--role", "viewer", "--unit", "DISKOMINFO", "--nip", "123"}, "nip: must be exactly 18 digits"},
		{"duplicate email", "", []string{"--email", "SARI@kalselprov.go.id", "--name", "X", "--role", "viewer", "--unit", "DISKOMINFO"}, "already"},
		{"short password on stdin", "pendek\n", []string{"--email", "x@y.go.id", "--name", "X", "--role", "viewer", "--unit", "DISKOMINFO", "--password-stdin"}, "password: must be at least 8"},
		{"empty stdin", "", []string{"--email", "x@y.go.id", "--name", "X", "--role", "viewer", "--unit", "DISKOMINFO", "--password-stdin"}, "no password on standard input"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, err := userAdd(tt.stdin, tt.args...)
			if err == nil {
				t.Fatal("succeeded")
			}
			if !strings.Contains(err.Error()+errOut, tt.want) {
				t.Errorf("error %q / stderr %q lacks %q", err, errOut, tt.want)
			}
		})
	}
	var n int
	db.Raw("SELECT count(*) FROM users").Scan(&n)
	if n != 2 {
		t.Errorf("%d users; the failed commands wrote something", n)
	}
}

// commandDB gives a command test a fresh database: its URL for the command's
// environment, and a pool for the test to look with.
func commandDB(t *testing.T) (string, *gorm.DB) {
	t.Helper()
	url := dbtest.URL(t)
	db, err := postgres.Open(context.Background(), url, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { postgres.Close(db) })
	return url, db
}
