package identity_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

const (
	adminEmail    = "admin@kalselprov.go.id"
	adminPassword = "kata-sandi-yang-benar-2024"
)

// loginBurst signs in n times at once, each with the email and password
// that attempt(i) gives, from one address, and counts the answers by kind.
func loginBurst(t *testing.T, ids *identity.Service, n int, attempt func(i int) (string, string)) map[apperr.Kind]int {
	t.Helper()
	ctx := context.Background()
	start := make(chan struct{})
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email, password := attempt(i)
			<-start
			_, errs[i] = ids.Login(ctx, email, password, identity.Client{IP: "10.1.2.3"}, identity.TokenSession)
		}()
	}
	close(start)
	wg.Wait()
	got := map[apperr.Kind]int{}
	for _, err := range errs {
		var ae *apperr.Error
		if err == nil || !errors.As(err, &ae) {
			t.Fatalf("a wrong password answered %v; want a domain error", err)
		}
		got[ae.Kind]++
	}
	return got
}

// TestLoginThrottleIsExactUnderParallelGuesses fires 50 wrong passwords at
// one account at once: exactly the account's limit of them may have their
// password checked (401), every other is refused before (429), and then
// even the right password waits out the window.
func TestLoginThrottleIsExactUnderParallelGuesses(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	if _, err := identity.EnsureAdmin(ctx, db, adminEmail, adminPassword); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2024, 9, 2, 9, 3, 0, 0, time.UTC)
	ids := identity.NewService(db, func() time.Time { return now }, identity.DefaultSettings)

	got := loginBurst(t, ids, 50, func(int) (string, string) { return adminEmail, "salah-salah" })
	want := map[apperr.Kind]int{apperr.Unauthenticated: 5, apperr.TooManyRequests: 45}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("50 parallel wrong passwords answered %v; want %v", got, want)
	}
	var failures []struct {
		Subject  string
		Failures int
	}
	db.Raw(`SELECT subject, failures FROM login_failures ORDER BY subject`).Scan(&failures)
	if fmt.Sprint(failures) != "[{email:admin@kalselprov.go.id 5} {ip:10.1.2.3 5}]" {
		t.Errorf("counted failures = %v; want 5 for the account and 5 for the address", failures)
	}

	_, err := ids.Login(ctx, adminEmail, adminPassword, identity.Client{IP: "10.9.9.9"}, identity.TokenSession)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.TooManyRequests {
		t.Fatalf("the right password while throttled: %v; want too many requests", err)
	}
	// The window is 09:00–09:15; the attempt is at 09:03.
	if ae.RetryAfter != 12*time.Minute {
		t.Errorf("RetryAfter = %v; want 12m0s", ae.RetryAfter)
	}

	// In the next window the right password signs in, and clears the
	// account's count.
	now = now.Add(15 * time.Minute)
	if _, err := ids.Login(ctx, adminEmail, adminPassword, identity.Client{IP: "10.1.2.3"}, identity.TokenSession); err != nil {
		t.Fatalf("the right password in the next window: %v", err)
	}
	failures = nil
	db.Raw(`SELECT subject, failures FROM login_failures WHERE window_start = ? ORDER BY subject`, now.Truncate(15*time.Minute)).
		Scan(&failures)
	if fmt.Sprint(failures) != "[{ip:10.1.2.3 0}]" {
		t.Errorf("after a sign-in the window's counts are %v; want none for the account, 0 for the address", failures)
	}
}

// TestLoginAddressThrottleIsExactUnderParallelGuesses: 50 wrong passwords
// for 50 accounts from one address at once; the address's limit holds.
func TestLoginAddressThrottleIsExactUnderParallelGuesses(t *testing.T) {
	db := dbtest.New(t)
	now := time.Date(2024, 9, 2, 9, 3, 0, 0, time.UTC)
	ids := identity.NewService(db, func() time.Time { return now }, identity.DefaultSettings)

	got := loginBurst(t, ids, 50, func(i int) (string, string) {
		return fmt.Sprintf("orang%d@kalselprov.go.id", i), "salah-salah"
	})
	want := map[apperr.Kind]int{apperr.Unauthenticated: 30, apperr.TooManyRequests: 20}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("50 parallel wrong passwords from one address answered %v; want %v", got, want)
	}
	// A refused attempt counts against no account: each of the 50 has
	// either one failure or none.
	var counted int
	db.Raw(`SELECT coalesce(sum(failures), 0) FROM login_failures WHERE subject LIKE 'email:%'`).Scan(&counted)
	if counted != 30 {
		t.Errorf("failures counted against accounts = %d; want 30", counted)
	}
}
