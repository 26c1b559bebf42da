package finding

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// TestHashSurvivesJSONB: data written in any key order, with HTML
// characters, non-ASCII text and numbers, hashes the same after PostgreSQL's
// jsonb has normalised it, and the hash changes when any field does.
func TestHashSurvivesJSONB(t *testing.T) {
	db := dbtest.New(t)
	ev := Event{FindingID: 42, Seq: 3, Kind: "reject", ActorID: ptr(int64(5)), FromState: ptr(Submitted), ToState: ptr(InProgress),
		Data:      json.RawMessage(`{"reason": "SK <belum> ditandatangani & dicap — Banjarbaru", "reopened_action_ids": [12, 9], "amount": 1.50}`),
		CreatedAt: time.Date(2024, 9, 2, 8, 15, 30, 123456000, time.FixedZone("WITA", 8*3600))}
	prev := make([]byte, 32)
	want, err := ev.chain(prev)
	if err != nil {
		t.Fatal(err)
	}
	var back string
	if err := db.Raw(`SELECT ?::jsonb::text`, string(ev.Data)).Scan(&back).Error; err != nil {
		t.Fatal(err)
	}
	again := ev
	again.Data = json.RawMessage(back)
	again.CreatedAt = ev.CreatedAt.UTC()
	got, err := again.chain(prev)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("hash changed through jsonb (%s)", back)
	}
	for name, change := range map[string]func(*Event){
		"data":       func(e *Event) { e.Data = json.RawMessage(`{"reason": "lain"}`) },
		"kind":       func(e *Event) { e.Kind = "close" },
		"actor":      func(e *Event) { e.ActorID = ptr(int64(6)) },
		"time":       func(e *Event) { e.CreatedAt = e.CreatedAt.Add(time.Microsecond) },
		"to state":   func(e *Event) { e.ToState = ptr(Closed) },
		"sequence":   func(e *Event) { e.Seq = 4 },
		"finding id": func(e *Event) { e.FindingID = 43 },
	} {
		x := ev
		change(&x)
		h, _ := x.chain(prev)
		if string(h) == string(want) {
			t.Errorf("changing the %s keeps the hash", name)
		}
	}
	if h, _ := ev.chain(nil); string(h) == string(want) {
		t.Error("the previous hash is not covered")
	}
}
