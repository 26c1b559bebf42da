package finding

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
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
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		_, _, err := s.evidenceTarget(tx, p, actionID, identity.ArtifactCreate)
		return err
	})
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
	if err := identity.Authorize(p, act, nil); err != nil {
		return Finding{}, Action{}, err
	}
	if p.Role == identity.RoleOfficer && a.AssigneeID != p.UserID {
		return Finding{}, Action{}, apperr.E(apperr.Forbidden, "Only the action's assignee or the unit's manager may change its evidence.")
	}
	switch f.State {
	case Open, InProgress:
		return f, a, nil
	case Closed:
		return f, a, apperr.E(apperr.Conflict, "The finding is closed: its evidence can no longer change.")
	}
	return f, a, apperr.E(apperr.Conflict,
		"Evidence changes while the finding is open or in progress; it is %s.", f.State)
}

// AddArtifact records an uploaded document as evidence of action id.
// persist must make the document's bytes durable: it is called in the
// transaction, under the lock on the document's hash that CollectBlob
// takes, before the row is written, so that no row ever names bytes that
// are not stored and a blob being collected is never referred to. Errors:
// NotFound, Forbidden, Conflict, Invalid, and persist's.
func (s *Service) AddArtifact(ctx context.Context, p identity.Principal, actionID int64, in ArtifactInput,
	persist func(context.Context) error) (Artifact, error) {
	if err := ValidateArtifact(in); err != nil {
		return Artifact{}, err
	}
	var out Artifact
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockBlob(tx, in.SHA256); err != nil {
			return err
		}
		if err := persist(ctx); err != nil {
			return err
		}
		f, _, err := s.evidenceTarget(tx, p, actionID, identity.ArtifactCreate)
		if err != nil {
			return err
		}
		var v apperr.Validation
		docDate := parseDate(&v, "doc_date", in.DocDate, false)
		now := s.instant()
		err = tx.Raw(`INSERT INTO artifacts AS ar (action_id, kind, title, doc_number, doc_date, signer, file_name, media_type, size,
				sha256, uploaded_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+artifactColumns,
			actionID, in.Kind, in.Title, in.DocNumber, docDate, in.Signer, in.FileName, in.MediaType, in.Size, in.SHA256,
			p.UserID, now, now).Scan(&out).Error
		if err != nil {
			return err
		}
		_, _, err = record(tx, f, Event{Kind: EventArtifactAdded, ActorID: &p.UserID, FromState: &f.State, ToState: &f.State,
			CreatedAt: now, Data: eventData(artifactEventData(out))}, "")
		return err
	})
	return out, err
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
		return apperr.E(apperr.Invalid, "A document's hash is 32 bytes.")
	}
	return tx.Exec(`SELECT pg_advisory_xact_lock(?, ?)`, blobLockSpace, int32(binary.BigEndian.Uint32(sum))).Error
}

// BlobGracePeriod is how old an unreferenced document must be before it is
// collected: older than any upload still on its way to referring to it.
const BlobGracePeriod = 24 * time.Hour
