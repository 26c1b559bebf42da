package finding

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// The events of evidence.
const (
	EventArtifactAdded   = "artifact_added"
	EventArtifactRemoved = "artifact_removed"
)

// ArtifactInput is an uploaded document's metadata, as the uploader gave
// it, and what the service learnt from its bytes.
type ArtifactInput struct {
	Kind      string
	Title     string
	DocNumber string
	DocDate   *string // YYYY-MM-DD, optional
	Signer    string
	// FileName is the client's file name, already cleaned
	// (evidence.CleanFileName); empty when nothing was left of it.
	FileName  string
	MediaType string
	Size      int64
	SHA256    []byte
}

// ValidateArtifact checks an upload's metadata, naming each bad field.
func ValidateArtifact(in ArtifactInput) error {
	var v apperr.Validation
	if in.Kind == "" {
		v.Add("kind", "is required: one of %s", strings.Join(ArtifactKinds, ", "))
	} else {
		oneOf(&v, "kind", in.Kind, ArtifactKinds)
	}
	checkLine(&v, "title", in.Title, true, 300)
	checkLine(&v, "doc_number", in.DocNumber, false, 200)
	parseDate(&v, "doc_date", in.DocDate, false)
	checkLine(&v, "signer", in.Signer, false, 200)
	if in.FileName == "" {
		v.Add("file", "needs a file name (nothing was left of it without path and control characters)")
	}
	return v.Err()
}

// CheckUpload says whether p may add evidence to action id now, so that
// a refused upload is refused before its document is received. Errors:
// NotFound, Forbidden, Conflict.
func (s *Service) CheckUpload(ctx context.Context, p identity.Principal, actionID int64) error {
	var f Finding
	var a Action
	err := postgres.ReadConn(ctx, s.db, func(conn *pgx.Conn) error {
		var err error
		f, a, _, err = scanAction(conn.QueryRow(ctx, actionQuery(p, ""), actionID), p, actionID)
		return err
	})
	if err != nil {
		return err
	}
	return mayChangeEvidence(p, f, a, identity.ArtifactCreate)
}

// actionQuery reads action $1 with its finding, and the expressions extra
// (", x, y" or "").
func actionQuery(p identity.Principal, extra string) string {
	return `SELECT l.*, ac.*` + extra + ` FROM (SELECT ` + actionColumns + ` FROM actions WHERE id = $1) ac,
		LATERAL (` + loadQuery(p, "ac.finding_id") + `) l`
}

// scanAction reads the row of actionQuery(p, extra) on action id, and
// the values of extra into more. NotFound when there is none or p may not
// see its finding.
func scanAction(row pgx.Row, p identity.Principal, id int64, more ...any) (Finding, Action, []int64, error) {
	var f Finding
	var a Action
	var assignees []int64
	dest := append(append(append(findingDest(&f), &assignees), actionDest(&a)...), more...)
	err := row.Scan(dest...)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !visible(p, f, assignees) {
		return Finding{}, Action{}, nil, apperr.E(apperr.NotFound, "There is no action %d.", id)
	}
	if err != nil {
		return Finding{}, Action{}, nil, err
	}
	if f.IndicatorCodes == nil {
		f.IndicatorCodes = []string{}
	}
	scannedAction(&a)
	return f, a, assignees, nil
}

// FindingOfAction returns the id of the finding action id belongs to, if
// p may see it. Errors: NotFound.
func (s *Service) FindingOfAction(ctx context.Context, p identity.Principal, actionID int64) (int64, error) {
	var id int64
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		f, _, err := s.action(tx, p, actionID)
		id = f.ID
		return err
	})
	return id, err
}

// evidenceTarget loads and locks the finding of action id and checks that
// p may change its evidence (act) in the finding's state. With a Conflict
// (the state does not allow it) it still returns what it loaded.
func (s *Service) evidenceTarget(tx *gorm.DB, p identity.Principal, actionID int64, act identity.Action) (Finding, Action, error) {
	f, a, err := s.action(tx, p, actionID)
	if err != nil {
		return Finding{}, Action{}, err
	}
	err = mayChangeEvidence(p, f, a, act)
	if err != nil && apperr.KindOf(err) != apperr.Conflict {
		return Finding{}, Action{}, err
	}
	return f, a, err
}

// mayChangeEvidence checks that p may change the evidence of action a of
// finding f (act) in the finding's state.
func mayChangeEvidence(p identity.Principal, f Finding, a Action, act identity.Action) error {
	if err := identity.Authorize(p, act, nil); err != nil {
		return err
	}
	if p.Role == identity.RoleOfficer && a.AssigneeID != p.UserID {
		return apperr.E(apperr.Forbidden, "Only the action's assignee or the unit's manager may change its evidence.")
	}
	switch f.State {
	case Open, InProgress:
		return nil
	case Closed:
		return apperr.E(apperr.Conflict, "The finding is closed: its evidence can no longer change.")
	}
	return apperr.E(apperr.Conflict, "Evidence changes while the finding is open or in progress; it is %s.", f.State)
}

// AddArtifact records an uploaded document as evidence of action id.
// persist must make the document's bytes durable: it is called in the
// transaction, under the lock on the document's hash that CollectBlob
// takes, before the row is written, so that no row ever names bytes that
// are not stored and a blob being collected is never referred to. Errors:
// NotFound, Forbidden, Conflict, Invalid, and persist's.
//
// The transaction is three round trips: its start, the lock and the read
// of the action and its finding (with the new row's id) pipelined; the
// write of the row, the event and the finding in one statement, checked
// against the head of the finding's history (see Transition); the commit.
func (s *Service) AddArtifact(ctx context.Context, p identity.Principal, actionID int64, in ArtifactInput,
	persist func(context.Context) error) (Artifact, error) {
	if err := ValidateArtifact(in); err != nil {
		return Artifact{}, err
	}
	if len(in.SHA256) != 32 {
		return Artifact{}, errBlobHash
	}
	var v apperr.Validation
	docDate := parseDate(&v, "doc_date", in.DocDate, false)
	var out Artifact
	err := postgres.WithConn(ctx, s.db, func(conn *pgx.Conn) (err error) {
		b := &pgx.Batch{}
		b.Queue(`BEGIN`)
		b.Queue(`SELECT pg_advisory_xact_lock($1, $2)`, blobLockSpace, blobLockKey(in.SHA256))
		read := actionQuery(p, `, nextval(pg_get_serial_sequence('artifacts', 'id'))`)
		b.Queue(read, actionID)
		var id int64
		readAt := func(row pgx.Row) (Finding, error) {
			f, a, _, err := scanAction(row, p, actionID, &id)
			if err != nil {
				return Finding{}, err
			}
			return f, mayChangeEvidence(p, f, a, identity.ArtifactCreate)
		}
		br := conn.SendBatch(ctx, b)
		_, err = br.Exec()
		if err == nil {
			defer func() {
				if err != nil {
					// Not the request's context: the transaction must end
					// before the connection goes back to the pool.
					conn.Exec(context.WithoutCancel(ctx), `ROLLBACK`)
				}
			}()
			_, err = br.Exec()
		}
		var f Finding
		if err == nil {
			f, err = readAt(br.QueryRow())
		}
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if err := persist(ctx); err != nil {
			return err
		}
		for locked := false; ; locked = true {
			out = Artifact{ID: id, ActionID: actionID, Kind: in.Kind, Title: in.Title, DocNumber: in.DocNumber, DocDate: docDate,
				Signer: in.Signer, FileName: in.FileName, MediaType: in.MediaType, Size: in.Size, SHA256: in.SHA256, UploadedBy: p.UserID,
				CreatedAt: s.instant()}
			out.UpdatedAt = out.CreatedAt
			ev := Event{Kind: EventArtifactAdded, ActorID: &p.UserID, FromState: &f.State, ToState: &f.State,
				CreatedAt: out.CreatedAt, Data: eventData(artifactEventData(out))}
			q, all, err := atHead(f, &ev, nil, "")
			if err != nil {
				return err
			}
			all = append(all, out.ID, out.ActionID, out.Kind, out.Title, out.DocNumber, out.DocDate, out.Signer, out.FileName,
				out.MediaType, out.Size, out.SHA256, out.UploadedBy, out.CreatedAt, out.UpdatedAt)
			err = conn.QueryRow(ctx, postgres.Numbered(q+`, x AS (
					INSERT INTO artifacts AS ar (id, action_id, kind, title, doc_number, doc_date, signer, file_name, media_type, size,
						sha256, uploaded_by, created_at, updated_at)
					OVERRIDING SYSTEM VALUE
					SELECT ?::bigint, ?::bigint, ?::text, ?::text, ?::text, ?::date, ?::text, ?::text, ?::text, ?::bigint,
						?::bytea, ?::bigint, ?::timestamptz, ?::timestamptz FROM u
					RETURNING `+artifactColumns+`)
				SELECT * FROM x`), all...).Scan(artifactDest(&out)...)
			if err == nil {
				break
			}
			if !errors.Is(err, pgx.ErrNoRows) || locked {
				return err
			}
			// Another change came first: decide again under the lock.
			if _, err := conn.Exec(ctx, `SELECT 1 FROM findings WHERE id = $1 FOR UPDATE`, f.ID); err != nil {
				return err
			}
			if f, err = readAt(conn.QueryRow(ctx, read, actionID)); err != nil {
				return err
			}
		}
		_, err = conn.Exec(ctx, `COMMIT`)
		return err
	})
	if err != nil {
		return Artifact{}, err
	}
	return out, nil
}

// artifactDest are the scan destinations of artifactColumns for pgx.
func artifactDest(a *Artifact) []any {
	return []any{&a.ID, &a.ActionID, &a.Kind, &a.Title, &a.DocNumber, &a.DocDate, &a.Signer, &a.FileName, &a.MediaType,
		&a.Size, &a.SHA256, &a.UploadedBy, &a.CreatedAt, &a.UpdatedAt}
}

// artifactEventData is what the history keeps of a document: enough to
// tell which bytes were shown, by their hash.
func artifactEventData(a Artifact) map[string]any {
	return map[string]any{"artifact_id": a.ID, "action_id": a.ActionID, "kind": a.Kind, "title": a.Title,
		"file_name": a.FileName, "media_type": a.MediaType, "size": a.Size, "sha256": hex.EncodeToString(a.SHA256)}
}

// RemoveArtifact withdraws a document from an action that is still to do
// on an open or in-progress finding. The row and the bytes stay, for the
// history that names them. It returns the document's action, also with a
// Conflict (so that a page can show the refusal on that action's card).
// Errors: NotFound, Forbidden, Conflict.
func (s *Service) RemoveArtifact(ctx context.Context, p identity.Principal, id int64) (Action, error) {
	var out Action
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.artifact(tx, p, id)
		if err != nil {
			return err
		}
		if cur.RemovedAt != nil {
			return apperr.E(apperr.NotFound, "There is no artifact %d.", id)
		}
		f, a, err := s.evidenceTarget(tx, p, cur.ActionID, identity.ArtifactRemove)
		out = a
		if err != nil {
			return err
		}
		if a.Status == Done {
			return apperr.E(apperr.Conflict, "The action is done: the evidence it was completed with stays.")
		}
		now := s.instant()
		if err := tx.Exec(`UPDATE artifacts SET removed_at = ?, updated_at = ? WHERE id = ?`, now, now, id).Error; err != nil {
			return err
		}
		_, _, err = record(tx, f, Event{Kind: EventArtifactRemoved, ActorID: &p.UserID, FromState: &f.State, ToState: &f.State,
			CreatedAt: now, Data: eventData(artifactEventData(cur))}, "")
		return err
	})
	return out, err
}

// GetArtifact returns a document's metadata, removed ones included (the
// history names them), to those who may see its finding. Errors: NotFound.
func (s *Service) GetArtifact(ctx context.Context, p identity.Principal, id int64) (Artifact, error) {
	var out Artifact
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = s.artifact(tx, p, id)
		return err
	})
	return out, err
}

// artifact reads artifact id if p may see its finding (locking the
// finding, as every change to its evidence does).
func (s *Service) artifact(tx *gorm.DB, p identity.Principal, id int64) (Artifact, error) {
	missing := apperr.E(apperr.NotFound, "There is no artifact %d.", id)
	var out Artifact
	res := tx.Raw(`SELECT `+artifactColumns+`, ar.removed_at FROM artifacts ar WHERE ar.id = ?`, id).Scan(&out)
	if res.Error != nil {
		return Artifact{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Artifact{}, missing
	}
	if _, _, err := s.action(tx, p, out.ActionID); apperr.KindOf(err) == apperr.NotFound {
		return Artifact{}, missing
	} else if err != nil {
		return Artifact{}, err
	}
	return out, nil
}

// ReferencedBlobs returns the hash of every document an artifact row
// names, removed ones included, with the number of rows naming it.
func (s *Service) ReferencedBlobs(ctx context.Context) (map[[32]byte]int, error) {
	rows, err := s.db.WithContext(ctx).Raw(`SELECT sha256, count(*) FROM artifacts GROUP BY sha256`).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[32]byte]int{}
	for rows.Next() {
		var sum []byte
		var n int
		if err := rows.Scan(&sum, &n); err != nil {
			return nil, err
		}
		out[[32]byte(sum)] = n
	}
	return out, rows.Err()
}

// CollectBlob calls remove for the document with hash sum if no artifact
// names it, under the lock AddArtifact takes, and says whether it did.
func (s *Service) CollectBlob(ctx context.Context, sum []byte, remove func(context.Context) error) (bool, error) {
	removed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockBlob(tx, sum); err != nil {
			return err
		}
		var named bool
		if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM artifacts WHERE sha256 = ?)`, sum).Scan(&named).Error; err != nil {
			return err
		}
		if named {
			return nil
		}
		if err := remove(ctx); err != nil {
			return err
		}
		removed = true
		return nil
	})
	return removed, err
}

// blobLockSpace is the first key of the transaction-level advisory locks
// on documents' hashes (the second is taken from the hash).
const blobLockSpace = 0x61727466 // "artf"

func lockBlob(tx *gorm.DB, sum []byte) error {
	if len(sum) != 32 {
		return errBlobHash
	}
	return tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, blobLockSpace, blobLockKey(sum)).Error
}

var errBlobHash = apperr.E(apperr.Invalid, "A document's hash is 32 bytes.")

// blobLockKey is the second key of the lock on the document with hash sum.
func blobLockKey(sum []byte) int32 { return int32(binary.BigEndian.Uint32(sum)) }

// BlobGracePeriod is how old an unreferenced document must be before it is
// collected: older than any upload still on its way to referring to it.
const BlobGracePeriod = 24 * time.Hour
