package api_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// BenchmarkWritesVsRaw measures the writes of the workflow through the API
// (service), each beside two runs of raw SQL over the service's own pgx
// pool from as many clients in the same run:
//
//   - least: the least SQL that makes the same change, one statement
//     (a transition: the version-checked update of the finding and its
//     event; a creation: the finding and its first event; an assignment:
//     the action, the event, the finding's head and the assignee's
//     notification; an upload: the artifact row, the event and the head);
//   - own: the statements the service sends for the request, replayed as
//     it sends them (the same SQL, round trips and pipelining; an upload's
//     document is not written);
//   - stored, for uploads alone: the least SQL after the least work that
//     stores the same document durably under its hash (storeDurably), as
//     the service must before it answers 201.
//
// The kinds: transition (mark_not_actionable, then reopen, on findings in
// progress each client has to itself), create (a draft finding), assign
// (an action for the unit's manager on a finding in progress) and upload
// (a new PDF as evidence of an action, by the unit's manager). Every
// sub-benchmark reports req/s, p95/p99, CPU per request and the round
// trips and statements per request it sent (rt/op, stmts/op); the service
// ones their ratios of-least and of-own. create/clients_8,
// create/clients_32 and create/clients_8#01 run creations at 8, 32 and
// again 8 clients in the same run (32-of-8: the 32 clients' rate over the
// mean of the 8 clients' rates).
//
//	TL_BENCH_CLIENTS=8 go test -p 1 -run '^$' -bench BenchmarkWritesVsRaw -benchtime 3s ./internal/api/
func BenchmarkWritesVsRaw(b *testing.B) {
	w := newWorkflowBench(b)
	n := benchClients()
	var actor int64
	w.db.Raw(`SELECT id FROM users WHERE email = 'auditor.bench@kalselprov.go.id'`).Scan(&actor)
	auditorHash := sha256.Sum256([]byte(w.auditor))

	// --- transition ---------------------------------------------------------
	const perClient = 64
	var ids []int64
	w.db.Raw(transitionTargets, 3*n*perClient).Scan(&ids)
	if len(ids) < 3*n*perClient {
		b.Fatalf("%d findings in progress; want %d", len(ids), 3*n*perClient)
	}
	type target struct {
		id      int64
		version int
		state   string
	}
	split := func(ids []int64) [][]*target {
		out := make([][]*target, n)
		for i, id := range ids {
			t := &target{id: id, state: "in_progress"}
			w.db.Raw(`SELECT version FROM findings WHERE id = ?`, id).Scan(&t.version)
			out[i%n] = append(out[i%n], t)
		}
		return out
	}
	leastTargets, ownTargets, serviceTargets := split(ids[:n*perClient]), split(ids[n*perClient:2*n*perClient]), split(ids[2*n*perClient:])
	next := make([][3]int, n) // per client: the next of each set
	pick := func(targets [][]*target, set int, c *benchClient) *target {
		mine := targets[c.id]
		t := mine[next[c.id][set]%len(mine)]
		next[c.id][set]++
		return t
	}
	toggle := func(state string) (verb, to string) {
		if state == "in_progress" {
			return "mark_not_actionable", "not_actionable"
		}
		return "reopen", "in_progress"
	}
	const reason = "Aplikasi telah dihentikan"
	w.versus(b, "transition", []baseline{{name: "least", run: func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		t := pick(leastTargets, 0, c)
		verb, to := toggle(t.state)
		hash := randomHash()
		tag, err := conn.Exec(ctx, `WITH u AS (
				UPDATE findings SET state = $2, version = version + 1, event_count = event_count + 1, head_hash = $3, updated_at = now()
				WHERE id = $1 AND version = $4 RETURNING id, event_count, state)
			INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
			SELECT id, event_count, $5, $6, $7, state, '{"reason":"Aplikasi telah dihentikan"}', now(), $3, $3 FROM u`,
			t.id, to, hash, t.version, verb, actor, t.state)
		if err == nil && tag.RowsAffected() != 1 {
			err = fmt.Errorf("finding %d at version %d: not changed", t.id, t.version)
		}
		t.state, t.version = to, t.version+1
		return err
	}}, {name: "own", run: func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		t := pick(ownTargets, 1, c)
		if err := ownAuth(ctx, conn, auditorHash); err != nil {
			return err
		}
		head, err := ownDetail(ctx, conn, t.id)
		if err != nil {
			return err
		}
		verb, to := toggle(head.state)
		now := time.Now()
		set, args := `, state = ?, version = version + 1, closed_at = ?`, []any{to, now}
		var notice *ownNotice
		if verb == "reopen" {
			set, args = `, state = ?, version = version + 1, submitted_by = NULL, submitted_at = NULL, closed_at = NULL`, []any{to}
		} else {
			notice = &ownNotice{kind: "finding_not_actionable", to: `ARRAY(SELECT u.id FROM users u JOIN findings f ON f.unit_id = u.unit_id
				WHERE f.id = ? AND u.role = 'manager' AND u.active ORDER BY u.id)`, args: []any{t.id}}
		}
		q, all := ownAtHead(t.id, head, actor, verb, head.state, to, `{"reason":"`+reason+`"}`, now, notice, set, args...)
		return exactlyOne(conn.Query(ctx, postgres.Numbered(q+` SELECT u.*, e.id AS event_id FROM u, e`), all...))
	}}}, func(c *benchClient) {
		t := pick(serviceTargets, 2, c)
		verb, _ := toggle(t.state)
		t.state, t.version = w.move(c, t.id, verb, reason, t.version)
	})

	// --- create -------------------------------------------------------------
	var reviews, units []int64
	w.db.Raw(`SELECT id FROM reviews ORDER BY id`).Scan(&reviews)
	w.db.Raw(`SELECT id FROM units ORDER BY id`).Scan(&units)
	var count atomic.Int64
	createLeast := func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		i := int(count.Add(1))
		hash := randomHash()
		_, err := conn.Exec(ctx, `WITH f AS (
				INSERT INTO findings (code, review_id, title, condition, criteria, cause, effect, recommendation, severity,
					unit_id, indicator_codes, due_date, created_by, event_count, head_hash)
				VALUES ($1, $2, $3, 'Belum ada dokumen peta rencana manajemen risiko SPBE yang ditetapkan.',
					'Peraturan Menteri PANRB Nomor 5 Tahun 2020 tentang Pedoman Manajemen Risiko SPBE',
					'Belum ada tim manajemen risiko', 'Indikator 38 bernilai 1',
					'Menyusun dan menetapkan peta rencana manajemen risiko SPBE', 'high', $4, '{I38,I05}', '2025-12-31', $5, 1, $6)
				RETURNING id)
			INSERT INTO finding_events (finding_id, seq, kind, actor_id, to_state, data, created_at, hash)
			SELECT id, 1, 'created', $5, 'draft', '{}', now(), $6 FROM f`,
			fmt.Sprintf("TL-2097-%07d", i), reviews[i%len(reviews)], fmt.Sprintf("Peta rencana manajemen risiko SPBE belum ada (%d)", i),
			units[i%len(units)], actor, hash)
		return err
	}
	createService := func(c *benchClient) {
		i := int(count.Add(1))
		mustCode(c.do(http.MethodPost, "/api/v1/findings", w.auditor, createBody(reviews[i%len(reviews)], i, units[i%len(units)])),
			http.StatusCreated, "create")
	}
	// The statement that checks a new finding's references and takes its
	// id and code, as the service sends it.
	// Each year's first code makes the year's sequence (once): make them
	// before the measurements.
	var years []int64
	w.db.Raw(`SELECT DISTINCT ON (extract(year FROM conducted_on)) id FROM reviews ORDER BY extract(year FROM conducted_on), id`).Scan(&years)
	for i, review := range years {
		mustCode((&benchClient{w: w}).do(http.MethodPost, "/api/v1/findings", w.auditor, createBody(review, -i, units[0])),
			http.StatusCreated, "create")
	}
	var ownRefs string
	for _, q := range w.trips.record(func() { createService(&benchClient{w: w}) }) {
		if strings.Contains(q, "finding_code_seq_") && strings.Contains(q, "c.take") {
			ownRefs = q
		}
	}
	if ownRefs == "" {
		b.Fatal("no creation took a code")
	}
	createOwn := func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		i := int(count.Add(1))
		if err := ownAuth(ctx, conn, auditorHash); err != nil {
			return err
		}
		review, unit := reviews[i%len(reviews)], units[i%len(units)]
		var id, num int64
		var conducted time.Time
		err := conn.QueryRow(ctx, ownRefs, true, unit, unit, nil, nil, []string{"I38", "I05"}, review, review).
			Scan(nil, &conducted, nil, nil, nil, nil, &id, &num)
		if err != nil {
			return err
		}
		now := time.Now()
		hash := randomHash()
		data := fmt.Sprintf(`{"code":"TL-%04d-%04d","title":"Peta rencana manajemen risiko SPBE belum ada (%d)","due_date":"2025-12-31"}`,
			conducted.Year(), num, i)
		return exactlyOne(conn.Query(ctx, `WITH f AS (
				INSERT INTO findings (id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity,
					unit_id, application_id, indicator_codes, due_date, created_by, event_count, head_hash, created_at, updated_at)
				OVERRIDING SYSTEM VALUE
				VALUES ($1, $2, $3, $4, 'Belum ada dokumen peta rencana manajemen risiko SPBE yang ditetapkan.',
					'Peraturan Menteri PANRB Nomor 5 Tahun 2020 tentang Pedoman Manajemen Risiko SPBE',
					'Belum ada tim manajemen risiko', 'Indikator 38 bernilai 1',
					'Menyusun dan menetapkan peta rencana manajemen risiko SPBE', 'high', $5, $6, $7, $8, $9, $10, $11, $12, $13)
				RETURNING `+findingCols+`),
			e AS (INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
				VALUES ($14, $15, $16, $17, $18, $19, $20, $21, $22, $23))
			SELECT * FROM f`,
			id, fmt.Sprintf("TL-%04d-%04d", conducted.Year(), num), review, fmt.Sprintf("Peta rencana manajemen risiko SPBE belum ada (%d)", i),
			unit, nil, []string{"I38", "I05"}, "2025-12-31", actor, 1, hash, now, now,
			id, 1, "created", actor, nil, "draft", data, now, nil, hash))
	}
	w.versus(b, "create", []baseline{{name: "least", run: createLeast}, {name: "own", run: createOwn}}, createService)
	// Creations must not queue behind each other for their codes: as many
	// per second from 32 clients as from 8. The 8 run before and after the
	// 32, so that a change in the machine's load during the three weighs
	// on both sides; the last reports 32-of-8, the 32 clients' rate over
	// the mean of the two 8 clients' rates.
	var rates [3]float64
	for k, clients := range []int{8, 32, 8} {
		b.Run(fmt.Sprintf("create/clients_%d", clients), func(b *testing.B) {
			w.n = clients
			defer func() { w.n = 0 }()
			rates[k] = w.clients(b, createService)
			if k == 2 && rates[0]+rates[2] > 0 {
				b.ReportMetric(rates[1]/((rates[0]+rates[2])/2), "32-of-8")
			}
		})
	}

	// --- assign and upload ----------------------------------------------------
	var unit int64
	w.db.Raw(`SELECT unit_id FROM findings WHERE state = 'in_progress' GROUP BY 1 ORDER BY count(*) DESC LIMIT 1`).Scan(&unit)
	manager := w.signIn(b, "manager", unit)
	managerHash := sha256.Sum256([]byte(manager))
	var managerID int64
	w.db.Raw(`SELECT id FROM users WHERE email = 'manager.scale@kalselprov.go.id'`).Scan(&managerID)
	var work []struct{ FindingID, ActionID int64 }
	w.db.Raw(`SELECT DISTINCT ON (f.id) f.id AS finding_id, a.id AS action_id FROM findings f JOIN actions a ON a.finding_id = f.id
		WHERE f.unit_id = ? AND f.state = 'in_progress' AND a.status = 'todo' ORDER BY f.id, a.id`, unit).Scan(&work)
	if len(work) < n {
		b.Fatalf("%d findings in progress with an action to do in unit %d; want %d", len(work), unit, n)
	}
	slot := func(c *benchClient, k *int) int { // the client's next one of work
		i := c.id + n*(*k%(len(work)/n))
		*k++
		return i
	}
	taken := make([][4]int, n) // per client: least, own, service, spare
	kinds := func(k int) func(c *benchClient) int {
		return func(c *benchClient) int { return slot(c, &taken[c.id][k]) }
	}
	const due = "2026-12-31"
	assignTitle := "Menyusun peta rencana manajemen risiko SPBE"
	w.versus(b, "assign", []baseline{{name: "least", run: func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		f := work[kinds(0)(c)].FindingID
		hash := randomHash()
		return exactlyOne(conn.Query(ctx, `WITH u AS (
				UPDATE findings SET event_count = event_count + 1, head_hash = $1, updated_at = now() WHERE id = $2
				RETURNING id, event_count, state),
			a AS (INSERT INTO actions (finding_id, title, description, assignee_id, due_date, required_artifact_kinds, created_by)
				SELECT id, $3, '', $4, $5, '{}', $6 FROM u RETURNING id),
			e AS (INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
				SELECT u.id, u.event_count, 'action_assigned', $6, u.state, 'in_progress', '{}', now(), $1, $1 FROM u RETURNING id)
			INSERT INTO notifications (dedup_key, kind, finding_id, action_id, event_id, due_at, next_attempt_at, to_user_ids)
			SELECT 'event:' || e.id, 'action_assigned', $2, a.id, e.id, now(), now(), ARRAY[$4::bigint] FROM e, a RETURNING id`,
			hash, f, assignTitle, managerID, due, actor))
	}}, {name: "own", run: func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		f := work[kinds(1)(c)].FindingID
		if err := ownAuth(ctx, conn, auditorHash); err != nil {
			return err
		}
		var head ownHead
		var actionID int64
		row, err := firstRow(conn.Query(ctx, `SELECT l.*,
				w.id IS NOT NULL AS who_found, coalesce(w.role, '') AS who_role, coalesce(w.unit_id, 0) AS who_unit_id,
				coalesce(w.active, false) AS who_active, nextval(pg_get_serial_sequence('actions', 'id')) AS action_id
			FROM (SELECT `+findingCols+`, '{}'::bigint[] AS assignees FROM findings f WHERE id = $1) l LEFT JOIN users w ON w.id = $2`, f, managerID))
		if err != nil {
			return err
		}
		head.read(row)
		actionID = row[len(row)-1].(int64)
		now := time.Now()
		q, all := ownAtHead(f, head, actor, "action_assigned", head.state, "in_progress",
			fmt.Sprintf(`{"action_id":%d,"title":%q,"assignee_id":%d,"due_date":%q}`, actionID, assignTitle, managerID, due), now,
			&ownNotice{kind: "action_assigned", actionID: &actionID, to: `ARRAY[?::bigint]`, args: []any{managerID}}, "")
		all = append(all, actionID, f, assignTitle, "", managerID, due, []string{}, actor, now, now)
		return exactlyOne(conn.Query(ctx, postgres.Numbered(q+`, a AS (
				INSERT INTO actions (id, finding_id, title, description, assignee_id, due_date, required_artifact_kinds, created_by, created_at, updated_at)
				OVERRIDING SYSTEM VALUE
				SELECT ?::bigint, ?::bigint, ?::text, ?::text, ?::bigint, ?::date, ?::text[], ?::bigint, ?::timestamptz, ?::timestamptz FROM u
				RETURNING `+actionCols+`)
			SELECT * FROM a`), all...))
	}}}, func(c *benchClient) {
		f := work[kinds(2)(c)].FindingID
		mustCode(c.do(http.MethodPost, fmt.Sprintf("/api/v1/findings/%d/actions", f), w.auditor,
			fmt.Sprintf(`{"title":%q,"assignee_id":%d,"due_date":%q}`, assignTitle, managerID, due)), http.StatusCreated, "assign")
	})

	var docs atomic.Int64
	doc := func() []byte {
		return evidencetest.PDF(fmt.Sprintf("Keputusan Gubernur nomor %d tentang Tim Manajemen Risiko SPBE", docs.Add(1)), 0)
	}
	uploadLeast := func(ctx context.Context, conn *pgx.Conn, x struct{ FindingID, ActionID int64 }, hash []byte) error {
		return exactlyOne(conn.Query(ctx, `WITH u AS (
				UPDATE findings SET event_count = event_count + 1, head_hash = $1, updated_at = now() WHERE id = $2
				RETURNING id, event_count, state),
			a AS (INSERT INTO artifacts (action_id, kind, title, file_name, media_type, size, sha256, uploaded_by)
				SELECT $3, 'sk', 'SK Tim Manajemen Risiko SPBE', 'sk.pdf', 'application/pdf', 1024, $1, $4 FROM u RETURNING id)
			INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
			SELECT u.id, u.event_count, 'artifact_added', $4, u.state, u.state, '{}', now(), $1, $1 FROM u, a RETURNING id`,
			hash, x.FindingID, x.ActionID, managerID))
	}
	stored := b.TempDir()     // beside the service's store, on the same filesystem
	sums := make([][]byte, n) // per client: its document's hash, stored before the SQL
	w.versus(b, "upload", []baseline{{name: "least", run: func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return uploadLeast(ctx, conn, work[kinds(0)(c)], randomHash())
	}}, {name: "stored", pre: func(c *benchClient) (err error) {
		sums[c.id], err = storeDurably(stored, doc())
		return err
	}, run: func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		return uploadLeast(ctx, conn, work[kinds(3)(c)], sums[c.id])
	}}, {name: "own", run: func(ctx context.Context, conn *pgx.Conn, c *benchClient) error {
		x := work[kinds(1)(c)]
		if err := ownAuth(ctx, conn, managerHash); err != nil {
			return err
		}
		if _, err := firstRow(conn.Query(ctx, ownActionQuery(""), x.ActionID)); err != nil {
			return err
		}
		hash := randomHash()
		batch := &pgx.Batch{}
		batch.Queue(`BEGIN`)
		batch.Queue(`SELECT pg_advisory_xact_lock($1, $2)`, 0x61727466, int32(binary.BigEndian.Uint32(hash)))
		batch.Queue(ownActionQuery(`, nextval(pg_get_serial_sequence('artifacts', 'id'))`), x.ActionID)
		br := conn.SendBatch(ctx, batch)
		_, err := br.Exec()
		if err == nil {
			_, err = br.Exec()
		}
		var row []any
		if err == nil {
			var rows pgx.Rows
			rows, err = br.Query()
			row, err = firstRow(rows, err)
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			conn.Exec(ctx, `ROLLBACK`)
			return err
		}
		var head ownHead
		head.read(row)
		id := row[len(row)-1].(int64)
		now := time.Now()
		q, all := ownAtHead(x.FindingID, head, managerID, "artifact_added", head.state, head.state,
			fmt.Sprintf(`{"artifact_id":%d,"action_id":%d,"kind":"sk","title":"SK Tim Manajemen Risiko SPBE","file_name":"sk.pdf","media_type":"application/pdf","size":1024,"sha256":"%x"}`,
				id, x.ActionID, hash), now, nil, "")
		all = append(all, id, x.ActionID, "sk", "SK Tim Manajemen Risiko SPBE", "", nil, "", "sk.pdf", "application/pdf", 1024, hash, managerID, now, now)
		if err := exactlyOne(conn.Query(ctx, postgres.Numbered(q+`, x AS (
				INSERT INTO artifacts AS ar (id, action_id, kind, title, doc_number, doc_date, signer, file_name, media_type, size,
					sha256, uploaded_by, created_at, updated_at)
				OVERRIDING SYSTEM VALUE
				SELECT ?::bigint, ?::bigint, ?::text, ?::text, ?::text, ?::date, ?::text, ?::text, ?::text, ?::bigint,
					?::bytea, ?::bigint, ?::timestamptz, ?::timestamptz FROM u
				RETURNING ar.id, ar.action_id, ar.kind, ar.title, ar.doc_number, ar.doc_date, ar.signer, ar.file_name, ar.media_type, ar.size, ar.sha256, ar.uploaded_by, ar.created_at, ar.updated_at)
			SELECT * FROM x`), all...)); err != nil {
			conn.Exec(ctx, `ROLLBACK`)
			return err
		}
		_, err = conn.Exec(ctx, `COMMIT`)
		return err
	}}}, func(c *benchClient) {
		x := work[kinds(2)(c)]
		var body strings.Builder
		mw := multipart.NewWriter(&body)
		mw.WriteField("kind", "sk")
		mw.WriteField("title", "SK Tim Manajemen Risiko SPBE")
		fw, _ := mw.CreateFormFile("file", "sk.pdf")
		fw.Write(doc())
		mw.Close()
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/api/v1/actions/%d/artifacts", x.ActionID), strings.NewReader(body.String()))
		req.RemoteAddr = "192.0.2.1:4321"
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+manager)
		mustCode(c.send(req), http.StatusCreated, "upload")
	})
}

// findingCols and actionCols are the columns the service reads of a
// finding and of an action.
const (
	findingCols = `id, code, review_id, title, condition, criteria, cause, effect, recommendation, severity, unit_id,
	application_id, indicator_codes, due_date, state, created_by, issued_at, submitted_by, submitted_at, closed_at,
	event_count, head_hash, version, created_at, updated_at`
	actionCols = `id, finding_id, title, description, assignee_id, due_date, required_artifact_kinds, status,
	completion_note, completed_by, completed_at, created_by, version, created_at, updated_at`
)

// ownAuth is the service's reading of a bearer token (identity.Authenticate).
func ownAuth(ctx context.Context, conn *pgx.Conn, hash [32]byte) error {
	return exactlyOne(conn.Query(ctx, `SELECT t.id, t.last_used_at,
			u.id, u.email, u.name, u.nip, u.role, u.unit_id, u.active, u.lang, u.version, u.created_at, u.updated_at
		FROM auth_tokens t JOIN users u ON u.id = t.user_id
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.active`, hash[:], time.Now()))
}

// ownHead is what the service's writes take of the finding they read.
type ownHead struct {
	state      string
	eventCount int32
	headHash   []byte
}

// read takes the head from a row that starts with findingCols.
func (h *ownHead) read(row []any) {
	h.state, _ = row[14].(string)
	h.eventCount, _ = row[20].(int32)
	h.headHash, _ = row[21].([]byte)
}

// ownDetail is the service's reading of a finding with its actions and
// their evidence (two statements, pipelined), for an auditor.
func ownDetail(ctx context.Context, conn *pgx.Conn, id int64) (ownHead, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+findingCols+`, '{}'::bigint[] AS assignees FROM findings f WHERE id = $1`, id)
	batch.Queue(`SELECT a.id, a.finding_id, a.title, a.description, a.assignee_id, a.due_date, a.required_artifact_kinds, a.status,
			a.completion_note, a.completed_by, a.completed_at, a.created_by, a.version, a.created_at, a.updated_at,
			ar.id, ar.action_id, ar.kind, ar.title, ar.doc_number, ar.doc_date, ar.signer, ar.file_name, ar.media_type, ar.size,
			ar.sha256, ar.uploaded_by, ar.created_at, ar.updated_at
		FROM actions a LEFT JOIN artifacts ar ON ar.action_id = a.id AND ar.removed_at IS NULL
		WHERE a.finding_id = $1 ORDER BY a.id, ar.id`, id)
	br := conn.SendBatch(ctx, batch)
	defer br.Close()
	var head ownHead
	row, err := firstRow(br.Query())
	if err != nil {
		return head, err
	}
	head.read(row)
	if err := drain(br.Query()); err != nil {
		return head, err
	}
	return head, br.Close()
}

// ownActionQuery is the service's reading of an action with its finding,
// for a unit's manager, with extra expressions.
func ownActionQuery(extra string) string {
	return `SELECT l.*, ac.*` + extra + ` FROM (SELECT ` + actionCols + ` FROM actions WHERE id = $1) ac,
		LATERAL (SELECT ` + findingCols + `, ARRAY(SELECT DISTINCT assignee_id FROM actions a WHERE a.finding_id = f.id) AS assignees
			FROM findings f WHERE id = ac.finding_id) l`
}

// ownNotice is the notification a replayed write queues.
type ownNotice struct {
	kind     string
	actionID *int64
	to       string
	args     []any
}

// ownAtHead is the service's write of an event on a finding, checked
// against the head it read, with the finding's columns set and the
// notification n (the service's atHead); the caller adds the rest.
func ownAtHead(id int64, head ownHead, actor int64, kind, from, to, data string, now time.Time, n *ownNotice,
	set string, args ...any) (string, []any) {
	hash := randomHash()
	seq := head.eventCount + 1
	q := `WITH u AS (
			UPDATE findings SET event_count = ?, head_hash = ?, updated_at = ?` + set + `
			WHERE id = ? AND event_count = ? RETURNING ` + findingCols + `),
		e AS (
			INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
			SELECT ?::bigint, ?::int, ?::text, ?::bigint, ?::text, ?::text, ?::jsonb, ?::timestamptz, ?::bytea, ?::bytea FROM u RETURNING id)`
	all := append([]any{seq, hash, now}, args...)
	all = append(all, id, head.eventCount, id, seq, kind, actor, from, to, data, now, head.headHash, hash)
	if n != nil {
		q += `, n AS (INSERT INTO notifications (dedup_key, kind, finding_id, action_id, event_id, due_at, next_attempt_at, to_user_ids)
			SELECT 'event:' || e.id, ?, ?, ?::bigint, e.id, ?::timestamptz, ?::timestamptz, r
			FROM e, (SELECT ` + n.to + ` AS r) AS recipients WHERE cardinality(r) > 0)`
		all = append(all, n.kind, id, n.actionID, now, now)
		all = append(all, n.args...)
	}
	return q, all
}

func randomHash() []byte {
	h := make([]byte, 32)
	rand.Read(h)
	return h
}

// firstRow reads the values of a query's first row and drains the rest.
func firstRow(rows pgx.Rows, err error) ([]any, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var first []any
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if first == nil {
		return nil, pgx.ErrNoRows
	}
	return first, nil
}

// exactlyOne drains a query that must return a row.
func exactlyOne(rows pgx.Rows, err error) error {
	_, err = firstRow(rows, err)
	return err
}

// storeDurably stores doc in dir under its SHA-256, as little as a durable
// store can do: the bytes written to a new file and flushed, the file
// named by its hash, the folder flushed so that the name survives a crash.
func storeDurably(dir string, doc []byte) ([]byte, error) {
	sum := sha256.Sum256(doc)
	f, err := os.CreateTemp(dir, "new-*")
	if err != nil {
		return nil, err
	}
	_, err = f.Write(doc)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), filepath.Join(dir, hex.EncodeToString(sum[:])))
	}
	if err != nil {
		return nil, err
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return sum[:], d.Sync()
}
