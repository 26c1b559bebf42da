package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"time"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// The web's import happens in two requests: the upload, which is
// previewed, and the confirmation. Between them the file is kept in
// import_uploads, and the confirmation names it by id and by its SHA-256:
// what is written is exactly the file that was previewed.

// stagedFor is how long a previewed file is kept for its confirmation.
const stagedFor = 24 * time.Hour

// Staged is a previewed file kept for its confirmation.
type Staged struct {
	ID       int64
	ReviewID int64
	File     File
	SHA256   []byte
}

// Stage keeps a file for a preview and its confirmation by p, after
// checking that p may import and that it is a register that can be read
// (the errors of Import, except that columns still to be mapped do not
// stop it). Files staged more than a day ago are dropped.
func (s *Service) Stage(ctx context.Context, p identity.Principal, reviewID int64, f File, columns map[string]string) (Staged, Result, error) {
	res, err := s.Import(ctx, p, Request{ReviewID: reviewID, File: f, Columns: columns})
	if err != nil && !mappingError(err) {
		return Staged{}, Result{}, err
	}
	db := s.db.WithContext(ctx)
	if err := db.Exec(`DELETE FROM import_uploads WHERE created_at < now() - make_interval(secs => ?)`, stagedFor.Seconds()).Error; err != nil {
		return Staged{}, Result{}, err
	}
	st := Staged{ReviewID: reviewID, File: f, SHA256: f.SHA256()}
	err = db.Raw(`INSERT INTO import_uploads (review_id, created_by, file_name, sha256, content) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		reviewID, p.UserID, f.Name, st.SHA256, f.Data).Scan(&st.ID).Error
	return st, res, err
}

// LoadStaged returns the file p staged for review; NotFound for another's,
// another review's, or one no longer kept.
func (s *Service) LoadStaged(ctx context.Context, p identity.Principal, reviewID, id int64) (Staged, error) {
	var row struct {
		FileName string
		SHA256   []byte `gorm:"column:sha256"`
		Content  []byte
	}
	res := s.db.WithContext(ctx).Raw(`SELECT file_name, sha256, content FROM import_uploads
		WHERE id = ? AND review_id = ? AND created_by = ? AND created_at >= now() - make_interval(secs => ?)`,
		id, reviewID, p.UserID, stagedFor.Seconds()).Scan(&row)
	if res.Error != nil {
		return Staged{}, res.Error
	}
	if res.RowsAffected == 0 {
		return Staged{}, apperr.E(apperr.NotFound, "The previewed file is no longer kept; upload it again.")
	}
	return Staged{ID: id, ReviewID: reviewID, File: File{Name: row.FileName, Data: row.Content}, SHA256: row.SHA256}, nil
}

// CommitStaged writes the staged file id — only if sum is its SHA-256, the
// hash of the file the caller previewed, and the content still hashes to
// it — and then drops it. Errors: those of Import; NotFound as LoadStaged;
// Conflict when sum names another file.
func (s *Service) CommitStaged(ctx context.Context, p identity.Principal, reviewID, id int64, sum []byte, columns map[string]string) (Result, error) {
	st, err := s.LoadStaged(ctx, p, reviewID, id)
	if err != nil {
		return Result{}, err
	}
	actual := sha256.Sum256(st.File.Data)
	if !bytes.Equal(sum, st.SHA256) || !bytes.Equal(actual[:], st.SHA256) {
		return Result{}, apperr.E(apperr.Conflict, "The file to write is not the file that was previewed; preview it again.")
	}
	res, err := s.Import(ctx, p, Request{ReviewID: reviewID, File: st.File, Columns: columns, Commit: true})
	if err != nil {
		return Result{}, err
	}
	return res, s.db.WithContext(ctx).Exec(`DELETE FROM import_uploads WHERE id = ?`, id).Error
}

// mappingError reports whether err is only about the column mapping.
func mappingError(err error) bool {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Kind != apperr.Invalid || len(ae.Fields) == 0 {
		return false
	}
	for _, f := range ae.Fields {
		if f.Field != "columns" && !strings.HasPrefix(f.Field, "columns.") {
			return false
		}
	}
	return true
}
