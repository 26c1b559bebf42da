package kept

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// counted is a read that answers how many times it has been called, with
// the counters it read, as a caller of Memo.Get would.
func counted(db *gorm.DB, calls *atomic.Int64) func(context.Context) (int64, []int64, error) {
	return func(ctx context.Context) (int64, []int64, error) {
		n := calls.Add(1)
		var v []int64
		err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			var err error
			v, err = VersionsOf(tx)
			return err
		})
		return n, v, err
	}
}

// TestMemoReadsAgainOnlyAfterAChange reads once while nothing changes, and
// again after each kind of change that raises a counter: a finding's
// stripe (as the triggers do), the catalogue (a unit added), in another
// session.
func TestMemoReadsAgainOnlyAfterAChange(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var m Memo[string, int64]
	var calls atomic.Int64
	get := func() int64 {
		t.Helper()
		v, err := m.Get(ctx, db, "k", counted(db, &calls))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if a, b := get(), get(); a != 1 || b != 1 {
		t.Fatalf("two reads with nothing changed: answers %d, %d; want the first read's twice", a, b)
	}
	for i, change := range []string{
		`SELECT kept_versions_touch(-7)`,
		`INSERT INTO units (code, name) VALUES ('UJI', 'Unit Uji')`,
	} {
		if err := db.Exec(change).Error; err != nil {
			t.Fatal(err)
		}
		if got, want := get(), int64(i+2); got != want {
			t.Errorf("after %s: answer of read %d; want %d", change, got, want)
		}
		if got, want := get(), int64(i+2); got != want {
			t.Errorf("read again after %s: answer of read %d; want %d", change, got, want)
		}
	}
	// Another key is read on its own.
	if v, err := m.Get(ctx, db, "other", counted(db, &calls)); err != nil || v != 4 {
		t.Errorf("another key: %d, %v; want a read of its own (4)", v, err)
	}
}

// TestMemoSharesOneRead starts eight readers of one key at once: the read
// begins once all eight have read the counters, and they all get it.
func TestMemoSharesOneRead(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	var m Memo[string, int64]
	var arrived sync.WaitGroup
	arrived.Add(8)
	joining = arrived.Done
	defer func() { joining = nil }()
	var calls atomic.Int64
	read := counted(db, &calls)
	slow := func(ctx context.Context) (int64, []int64, error) {
		arrived.Wait()
		return read(ctx)
	}
	var wg sync.WaitGroup
	answers := make([]int64, 8)
	for i := range answers {
		wg.Go(func() {
			v, err := m.Get(ctx, db, "k", slow)
			if err != nil {
				t.Error(err)
			}
			answers[i] = v
		})
	}
	wg.Wait()
	if calls.Load() != 1 {
		t.Errorf("%d reads for eight readers of the same counters; want 1", calls.Load())
	}
	for i, a := range answers {
		if a != 1 {
			t.Errorf("reader %d got %d; want the one read's answer", i, a)
		}
	}
}

// TestMemoKeepsNoError reads again after a read that failed, and keeps no
// more answers than Max.
func TestMemoKeepsNoError(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	m := Memo[int, int64]{Max: 2}
	failure := errors.New("gagal")
	if _, err := m.Get(ctx, db, 1, func(context.Context) (int64, []int64, error) { return 0, nil, failure }); !errors.Is(err, failure) {
		t.Fatalf("a failed read: %v; want its error", err)
	}
	var calls atomic.Int64
	for key := range 3 {
		if v, err := m.Get(ctx, db, key, counted(db, &calls)); err != nil || v != int64(key+1) {
			t.Errorf("key %d: %d, %v; want read %d", key, v, err, key+1)
		}
	}
	if n := len(m.entries); n != 2 {
		t.Errorf("%d answers kept; want Max (2)", n)
	}
}

// TestVersionsNameTheServer: the counters, then the server's start.
func TestVersionsNameTheServer(t *testing.T) {
	db := dbtest.New(t)
	var v []int64
	err := db.Transaction(func(tx *gorm.DB) error {
		var err error
		v, err = VersionsOf(tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var start time.Time
	db.Raw(`SELECT pg_postmaster_start_time()`).Scan(&start)
	if len(v) != 18 || v[17] != start.UnixMicro() {
		t.Errorf("versions %v; want 17 counters and the server's start %d", v, start.UnixMicro())
	}
}
