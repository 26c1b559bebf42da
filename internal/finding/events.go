package finding

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// Event is one entry in a finding's history. Events are append-only (the
// database refuses UPDATE and DELETE) and hash-chained per finding.
type Event struct {
	ID        int64
	FindingID int64
	Seq       int
	Kind      string
	ActorID   *int64
	FromState *State
	ToState   *State
	Data      json.RawMessage `gorm:"type:jsonb"`
	CreatedAt time.Time
	PrevHash  []byte
	Hash      []byte
}

// The kinds of event besides the transitions, whose kind is their verb.
const (
	EventCreated         = "created"
	EventUpdated         = "updated"
	EventCommented       = "comment"
	EventActionAssigned  = "action_assigned"
	EventActionUpdated   = "action_updated"
	EventActionCompleted = "action_completed"
	EventActionReopened  = "action_reopened"
)

// hashVersion names the canonical encoding, so that a future change of it
// can be told apart from tampering.
const hashVersion = "tindaklanjut/event/v1"

// canonical is the byte string an event's hash covers: a JSON array of its
// fields in fixed order, with data re-encoded canonically (object keys
// sorted, numbers as written, no insignificant space) so that it reads the
// same after PostgreSQL's jsonb has normalised it. Instants are UTC with
// microseconds, PostgreSQL's precision.
func (e Event) canonical() ([]byte, error) {
	data, err := canonicalJSON(e.Data)
	if err != nil {
		return nil, fmt.Errorf("event %d of finding %d: data: %w", e.Seq, e.FindingID, err)
	}
	return json.Marshal([]any{hashVersion, e.FindingID, e.Seq, e.Kind, e.ActorID, e.FromState, e.ToState,
		json.RawMessage(data), e.CreatedAt.UTC().Format("2006-01-02T15:04:05.000000Z")})
}

// canonicalJSON re-encodes a JSON value with sorted keys and numbers kept
// exactly as written.
func canonicalJSON(raw []byte) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// chain computes e's hash from prev (nil for the first event).
func (e Event) chain(prev []byte) ([]byte, error) {
	c, err := e.canonical()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(c)
	return h.Sum(nil), nil
}

// next fills in the chain fields of ev as the event after f's head.
func (f Finding) next(ev *Event) error {
	ev.FindingID = f.ID
	ev.Seq = f.EventCount + 1
	ev.PrevHash = f.HeadHash
	if len(ev.Data) == 0 {
		ev.Data = json.RawMessage("{}")
	}
	var err error
	ev.Hash, err = ev.chain(f.HeadHash)
	return err
}

// eventData encodes an event's data.
func eventData(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only maps of plain values are passed
	}
	return b
}

const eventColumns = "id, finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash"

// record appends ev to the chain of cur (which the transaction has locked)
// and applies set (extra "col = ?" assignments, each starting with a
// comma) to the finding, in one statement. It returns the finding as
// written and the event with its id.
func record(tx *gorm.DB, cur Finding, ev Event, set string, args ...any) (Finding, Event, error) {
	return recordNotice(tx, cur, ev, nil, set, args...)
}

// notice is the notification an event queues, written in the event's
// statement.
type notice struct {
	kind     string
	actionID *int64
	to       string
	args     []any
}

// recordNotice is record that also queues the event's notification n
// (nil: none) in the same statement.
func recordNotice(tx *gorm.DB, cur Finding, ev Event, n *notice, set string, args ...any) (Finding, Event, error) {
	q, all, err := atHead(cur, &ev, n, set, args...)
	if err != nil {
		return Finding{}, Event{}, err
	}
	var row struct {
		Finding
		EventID int64
	}
	res := tx.Raw(q+` SELECT u.*, e.id AS event_id FROM u, e`, all...).Scan(&row)
	if res.Error != nil {
		return Finding{}, Event{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Finding{}, Event{}, fmt.Errorf("finding %d vanished while locked", cur.ID)
	}
	ev.ID = row.EventID
	return row.Finding, ev, nil
}

// errHeadMoved says that the finding's chain moved on since it was read:
// another change appended an event first.
var errHeadMoved = errors.New("finding: the history moved on since the finding was read")

// recordAtHead is recordNotice on a finding that need not be locked: the
// statement updates the finding only while its chain still ends where cur
// read it (every change to a finding, its actions or its evidence appends
// an event), and appends the event and queues the notification only when
// it did. errHeadMoved when it did not. It runs outside any transaction,
// through pgx.
func recordAtHead(ctx context.Context, db *gorm.DB, cur Finding, ev Event, n *notice, set string, args ...any) (Finding, Event, error) {
	q, all, err := atHead(cur, &ev, n, set, args...)
	if err != nil {
		return Finding{}, Event{}, err
	}
	var f Finding
	err = writeAtHead(ctx, db, q+` SELECT u.*, e.id AS event_id FROM u, e`, all, append(findingDest(&f), &ev.ID)...)
	if err != nil {
		return Finding{}, Event{}, err
	}
	if f.IndicatorCodes == nil {
		f.IndicatorCodes = []string{}
	}
	return f, ev, nil
}

// writeAtHead runs a statement built on atHead outside any transaction,
// through pgx, and scans its one row into dest; errHeadMoved when it wrote
// nothing.
func writeAtHead(ctx context.Context, db *gorm.DB, q string, args []any, dest ...any) error {
	err := postgres.WithConn(ctx, db, func(conn *pgx.Conn) error {
		return conn.QueryRow(ctx, postgres.Numbered(q), args...).Scan(dest...)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return errHeadMoved
	}
	return err
}

// atHead fills in ev's chain fields and returns the WITH clause (u: the
// finding as written, e: the event's id, n: the notification) that writes
// them, version-checked on the chain's head, with its arguments; the
// caller adds the final SELECT.
func atHead(cur Finding, ev *Event, n *notice, set string, args ...any) (string, []any, error) {
	if err := cur.next(ev); err != nil {
		return "", nil, err
	}
	q := `WITH u AS (
			UPDATE findings SET event_count = ?, head_hash = ?, updated_at = ?` + set + `
			WHERE id = ? AND event_count = ? RETURNING ` + findingColumns + `),
		e AS (
			INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
			SELECT ?::bigint, ?::int, ?::text, ?::bigint, ?::text, ?::text, ?::jsonb, ?::timestamptz, ?::bytea, ?::bytea FROM u RETURNING id)`
	all := make([]any, 0, 24)
	all = append(all, ev.Seq, ev.Hash, ev.CreatedAt)
	all = append(all, args...)
	all = append(all, cur.ID, cur.EventCount)
	all = append(all, ev.FindingID, ev.Seq, ev.Kind, ev.ActorID, ev.FromState, ev.ToState, string(ev.Data), ev.CreatedAt, ev.PrevHash, ev.Hash)
	if n != nil {
		q += `, n AS (INSERT INTO notifications (dedup_key, kind, finding_id, action_id, event_id, due_at, next_attempt_at, to_user_ids)
			SELECT 'event:' || e.id, ?, ?, ?::bigint, e.id, ?::timestamptz, ?::timestamptz, r
			FROM e, (SELECT ` + n.to + ` AS r) AS recipients WHERE cardinality(r) > 0)`
		all = append(all, n.kind, ev.FindingID, n.actionID, ev.CreatedAt, ev.CreatedAt)
		all = append(all, n.args...)
	}
	return q, all, nil
}

// Break is the first broken link of one finding's chain.
type Break struct {
	FindingID int64
	Code      string
	Seq       int // 0: the finding's head does not match its last event
	EventID   int64
	Reason    string
}

func (b Break) String() string {
	if b.Seq == 0 {
		return fmt.Sprintf("finding %s (id %d): %s", b.Code, b.FindingID, b.Reason)
	}
	return fmt.Sprintf("finding %s (id %d): event %d (id %d): %s", b.Code, b.FindingID, b.Seq, b.EventID, b.Reason)
}

// VerifyReport is the outcome of recomputing every chain.
type VerifyReport struct {
	Findings int
	Events   int
	Breaks   []Break
}

// VerifyHistory recomputes the hash chain of every finding, streaming the
// events in order, and names the first broken link of each broken chain:
// an event whose content no longer matches its hash, whose prev_hash is not
// its predecessor's hash, a gap in the sequence, or a finding whose head
// does not match its last event (events removed from the end).
func VerifyHistory(ctx context.Context, db *gorm.DB) (VerifyReport, error) {
	var rep VerifyReport
	var heads []struct {
		ID         int64
		Code       string
		EventCount int
		HeadHash   []byte
	}
	if err := db.WithContext(ctx).Raw(`SELECT id, code, event_count, head_hash FROM findings ORDER BY id`).Scan(&heads).Error; err != nil {
		return rep, err
	}
	rep.Findings = len(heads)
	rows, err := db.WithContext(ctx).Raw(`SELECT ` + eventColumns + ` FROM finding_events ORDER BY finding_id, seq`).Rows()
	if err != nil {
		return rep, err
	}
	defer rows.Close()

	// chain is the walk along one finding's events.
	type chain struct {
		id, eventID int64
		code        string
		seq         int
		last        []byte
		broken      bool
	}
	var cur chain
	h := 0 // next head not yet walked
	// done checks the end of cur's walk against its finding's head, and
	// findings before the next one that have no events at all.
	done := func(next int64) {
		for ; h < len(heads) && heads[h].ID <= next; h++ {
			hd := heads[h]
			seq, last := 0, []byte(nil)
			if hd.ID == cur.id {
				if cur.broken {
					continue
				}
				seq, last = cur.seq, cur.last
			}
			if seq != hd.EventCount || !bytes.Equal(last, hd.HeadHash) {
				rep.Breaks = append(rep.Breaks, Break{FindingID: hd.ID, Code: hd.Code,
					Reason: fmt.Sprintf("the finding's head (event %d, %s) does not match its last event (%d, %s)", hd.EventCount, short(hd.HeadHash), seq, short(last))})
			}
		}
	}
	codes := make(map[int64]string, len(heads))
	for _, hd := range heads {
		codes[hd.ID] = hd.Code
	}
	for rows.Next() {
		var e Event
		if err := db.ScanRows(rows, &e); err != nil {
			return rep, err
		}
		rep.Events++
		if e.FindingID != cur.id {
			done(cur.id)
			cur = chain{id: e.FindingID, code: codes[e.FindingID]}
		}
		if cur.broken {
			continue
		}
		reason := ""
		switch want, err := e.chain(cur.last); {
		case e.Seq != cur.seq+1:
			reason = fmt.Sprintf("follows event %d: events are missing", cur.seq)
		case !bytes.Equal(e.PrevHash, cur.last):
			reason = "prev_hash is not the previous event's hash"
		case err != nil:
			reason = "its data cannot be read: " + err.Error()
		case !bytes.Equal(want, e.Hash):
			reason = fmt.Sprintf("its content does not match its hash (stored %s, recomputed %s): the row was changed", short(e.Hash), short(want))
		}
		if reason != "" {
			rep.Breaks = append(rep.Breaks, Break{FindingID: e.FindingID, Code: cur.code, Seq: e.Seq, EventID: e.ID, Reason: reason})
			cur.broken = true
			continue
		}
		cur.seq, cur.last = e.Seq, e.Hash
	}
	if err := rows.Err(); err != nil {
		return rep, err
	}
	done(cur.id)
	done(math.MaxInt64)
	return rep, nil
}

func short(h []byte) string {
	if len(h) == 0 {
		return "none"
	}
	return hex.EncodeToString(h)[:12]
}
