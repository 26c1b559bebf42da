package identity_test

import (
	"context"
	"sync"
	"testing"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestEnsureAdminOnceEvenConcurrently(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]identity.BootstrapResult, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = identity.EnsureAdmin(ctx, db, "Admin@Kalselprov.go.id", "")
		}()
	}
	wg.Wait()
	created := 0
	var password string
	for i, r := range results {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if r.Created {
			created++
			password = r.GeneratedPassword
		}
	}
	if created != 1 || len(password) != 20 {
		t.Fatalf("created %d admins (password %q); want exactly 1 with a generated password", created, password)
	}
	var hash string
	if err := db.Raw("SELECT password_hash FROM users WHERE email = 'admin@kalselprov.go.id' AND role = 'admin'").Scan(&hash).Error; err != nil || hash == "" {
		t.Fatalf("admin row: %q, %v", hash, err)
	}
	if ok, err := identity.CheckPassword(hash, password); !ok || err != nil {
		t.Errorf("the printed password does not match the stored hash (%v)", err)
	}
	// A later start with an admin present does nothing.
	r, err := identity.EnsureAdmin(ctx, db, "other@kalselprov.go.id", "")
	if err != nil || r.Created {
		t.Errorf("second EnsureAdmin = %+v, %v; want nothing created", r, err)
	}
}

func TestEnsureAdminPromotesExistingUserWhenNoActiveAdmin(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if _, err := identity.EnsureAdmin(ctx, db, "admin@localhost", "first-password"); err != nil {
		t.Fatal(err)
	}
	// Every admin deactivated: the next start must not leave a dead end.
	db.Exec("UPDATE users SET active = false")
	r, err := identity.EnsureAdmin(ctx, db, "admin@localhost", "second-password")
	if err != nil || !r.Created || r.GeneratedPassword != "" {
		t.Fatalf("EnsureAdmin = %+v, %v", r, err)
	}
	var n int
	db.Raw("SELECT count(*) FROM users WHERE active AND role = 'admin'").Scan(&n)
	if n != 1 {
		t.Errorf("active admins = %d; want 1", n)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := identity.HashPassword("kata sandi rahasia")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := identity.HashPassword("kata sandi rahasia")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, tt := range []struct {
		hash, pw string
		ok       bool
		bad      bool
	}{
		{h, "kata sandi rahasia", true, false},
		{h, "kata sandi rahasiA", false, false},
		{h, "", false, false},
		{"$2a$10$notargon", "x", false, true},
		{"$argon2id$v=19$m=x,t=2,p=1$c2FsdA$a2V5", "x", false, true},
	} {
		ok, err := identity.CheckPassword(tt.hash, tt.pw)
		if ok != tt.ok || (err != nil) != tt.bad {
			t.Errorf("CheckPassword(%.20q, %q) = %v, %v", tt.hash, tt.pw, ok, err)
		}
	}
}
