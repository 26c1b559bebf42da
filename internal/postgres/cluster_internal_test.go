package postgres

import (
	"errors"
	"strings"
	"testing"
)

func TestFindBinariesNoneInstalled(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	saved := searchPatterns
	searchPatterns = []string{t.TempDir() + "/*/bin"}
	t.Cleanup(func() { searchPatterns = saved })

	_, err := FindBinaries()
	if !errors.Is(err, ErrNoServerBinaries) {
		t.Fatalf("FindBinaries() error = %v; want ErrNoServerBinaries", err)
	}
	for _, advice := range []string{"apt-get install postgresql", "DATABASE_URL"} {
		if !strings.Contains(err.Error(), advice) {
			t.Errorf("message %q does not mention %q", err, advice)
		}
	}
}

func TestByVersionSortsNumerically(t *testing.T) {
	got := []string{"/usr/lib/postgresql/9/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"}
	sortNewestFirst(got)
	want := []string{"/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/9/bin"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order = %v; want %v", got, want)
		}
	}
}
