package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// MatrixTitle heads the follow-up matrix.
const MatrixTitle = "Matriks Tindak Lanjut Hasil Reviu/Evaluasi"

// Columns are the follow-up matrix's columns, in order. Indikator, then
// Sisa Hari Kerja (working days left), came last, so that the columns
// before them kept their places.
var Columns = []string{"No", "Temuan", "Rekomendasi", "Tindak Lanjut", "Bukti Dukung", "Status", "Keterangan", "Indikator", "Sisa Hari Kerja"}

// Matrix is the follow-up matrix: one row per finding, in list order.
type Matrix struct {
	Today date.Date
	Rows  []Row
}

// Row is one finding of the matrix with what its columns show.
type Row struct {
	No             int
	FindingID      int64
	Code           string
	Title          string
	Condition      string
	Recommendation string
	State          finding.State
	DueDate        date.Date
	Overdue        bool
	UnitName       string
	Actions        []MatrixAction
	// LastRejection is the reason of the finding's last rejection, shown
	// while the follow-up it rejected is being redone (in progress or
	// submitted again); "" otherwise.
	LastRejection string
	// NotActionable is the justification of a not-actionable finding.
	NotActionable string
	// Indicators are the indicators the finding names, in its order.
	Indicators []MatrixIndicator
	// WorkingDaysLeft counts the working days until the due date
	// (negative once overdue) while follow-up is expected; nil otherwise.
	WorkingDaysLeft *int
}

// CountWorkingDays fills in each row's working days left by cal.
func (m *Matrix) CountWorkingDays(cal *calendar.Calendar) {
	for i := range m.Rows {
		if r := &m.Rows[i]; r.State.Active() {
			r.WorkingDaysLeft = cal.LeftOf(m.Today, r.DueDate)
		}
	}
}

// MatrixIndicator is an indicator a finding names, with the indicators of
// the current model it is mapped onto when it is another model's (the
// carry-over: an open finding on I21 weighs on P02); none for an indicator
// of the current model.
type MatrixIndicator struct {
	Code string
	Onto []string
}

// MatrixAction is a follow-up action with its evidence.
type MatrixAction struct {
	Title        string
	AssigneeName string
	Status       finding.ActionStatus
	DueDate      date.Date
	Artifacts    []MatrixArtifact
}

// MatrixArtifact is an evidence document as the matrix names it.
type MatrixArtifact struct {
	Kind      string
	DocNumber string
	DocDate   date.Date
	FileName  string
}

// Matrix returns the follow-up matrix of the findings p may see that match
// f: exactly those the finding list selects (every page of it), in its
// order, as of today. Errors: Invalid for a bad filter, or when the
// filter selects more than MaxRows findings (the message says how to
// narrow it); Forbidden for an unknown role.
func (s *Service) Matrix(ctx context.Context, p identity.Principal, f finding.Filter, today date.Date) (Matrix, error) {
	if err := identity.Authorize(p, identity.ReportRead, nil); err != nil {
		return Matrix{}, err
	}
	if err := finding.ValidateFilter(f); err != nil {
		return Matrix{}, err
	}
	cond, condArgs := finding.ListCondition(p, f, today)
	out := Matrix{Today: today}
	// The reasons are those of the last rejection and of the last setting
	// aside; finding_events is keyed by (finding_id, seq).
	findings := `WITH sel AS (SELECT id FROM findings WHERE ` + cond + `
			ORDER BY due_sort, id LIMIT ` + strconv.Itoa(s.maxRows+1) + `)
		SELECT f.id, f.code, f.title, f.condition, f.recommendation, f.state, f.due_date, coalesce(u.name, ''), f.indicator_codes,
			coalesce((SELECT e.data->>'reason' FROM finding_events e WHERE e.finding_id = f.id AND e.kind = 'reject'
				ORDER BY e.seq DESC LIMIT 1), ''),
			coalesce((SELECT e.data->>'reason' FROM finding_events e WHERE e.finding_id = f.id AND e.kind = 'mark_not_actionable'
				ORDER BY e.seq DESC LIMIT 1), '')
		FROM sel JOIN findings f ON f.id = sel.id LEFT JOIN units u ON u.id = f.unit_id
		ORDER BY f.due_sort, f.id`
	// One snapshot: the actions and evidence are those of the findings as
	// selected. A matrix is read and printed, not acted on at once: it may
	// come from a read replica a moment behind the primary (and again from
	// the start when the first connection failed).
	err := postgres.ReadLagging(ctx, s.db, s.replica, func(tx pgx.Tx) error {
		out.Rows = out.Rows[:0]
		rows, err := tx.Query(ctx, postgres.Numbered(findings), condArgs...)
		if err != nil {
			return err
		}
		index := map[int64]int{}
		var ids []int64
		var named [][]string // each row's indicator codes
		for rows.Next() {
			var r Row
			var due pgtype.Date
			var codes []string
			if err := rows.Scan(&r.FindingID, &r.Code, &r.Title, &r.Condition, &r.Recommendation, &r.State, &due,
				&r.UnitName, &codes, &r.LastRejection, &r.NotActionable); err != nil {
				rows.Close()
				return err
			}
			named = append(named, codes)
			if due.Valid {
				r.DueDate = date.New(due.Time.Date())
			}
			r.No = len(out.Rows) + 1
			r.Overdue = r.State.Active() && !r.DueDate.IsZero() && r.DueDate.Before(today)
			if r.State != finding.InProgress && r.State != finding.Submitted {
				r.LastRejection = ""
			}
			if r.State != finding.NotActionable {
				r.NotActionable = ""
			}
			index[r.FindingID] = len(out.Rows)
			ids = append(ids, r.FindingID)
			out.Rows = append(out.Rows, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out.Rows) > s.maxRows {
			return apperr.E(apperr.Invalid, "The filters select more than %d findings, more than one follow-up matrix holds; "+
				"narrow them (unit_id, state, review_id, assessment_id, due_before, due_after …) and download it in parts.", s.maxRows)
		}
		if len(ids) == 0 {
			return nil
		}

		// What the older models' indicators map onto in the current model.
		rows, err = tx.Query(ctx, `SELECT p.from_code, p.to_code FROM framework_mapping_pairs p
			JOIN framework_indicators i ON i.code = p.to_code
			JOIN frameworks fw ON fw.id = i.framework_id
			WHERE fw.code = coalesce((SELECT code FROM frameworks WHERE is_current), $1)
			ORDER BY p.mapping_id, p.position`, framework.DefaultCode)
		if err != nil {
			return err
		}
		onto := map[string][]string{}
		for rows.Next() {
			var from, to string
			if err := rows.Scan(&from, &to); err != nil {
				rows.Close()
				return err
			}
			onto[from] = append(onto[from], to)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i, codes := range named {
			for _, c := range codes {
				out.Rows[i].Indicators = append(out.Rows[i].Indicators, MatrixIndicator{Code: c, Onto: onto[c]})
			}
		}

		rows, err = tx.Query(ctx, `SELECT a.finding_id, a.id, a.title, a.status, a.due_date, us.name
			FROM actions a JOIN users us ON us.id = a.assignee_id
			WHERE a.finding_id = ANY($1) ORDER BY a.finding_id, a.id`, ids)
		if err != nil {
			return err
		}
		actionAt := map[int64][2]int{} // action id → row, action index
		for rows.Next() {
			var fid, aid int64
			var a MatrixAction
			var due pgtype.Date
			if err := rows.Scan(&fid, &aid, &a.Title, &a.Status, &due, &a.AssigneeName); err != nil {
				rows.Close()
				return err
			}
			if due.Valid {
				a.DueDate = date.New(due.Time.Date())
			}
			i := index[fid]
			actionAt[aid] = [2]int{i, len(out.Rows[i].Actions)}
			out.Rows[i].Actions = append(out.Rows[i].Actions, a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		// Evidence withdrawn from its action is history, not evidence.
		rows, err = tx.Query(ctx, `SELECT ar.action_id, ar.kind, ar.doc_number, ar.doc_date, ar.file_name
			FROM artifacts ar JOIN actions a ON a.id = ar.action_id
			WHERE a.finding_id = ANY($1) AND ar.removed_at IS NULL ORDER BY ar.action_id, ar.id`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var aid int64
			var ar MatrixArtifact
			var docDate pgtype.Date
			if err := rows.Scan(&aid, &ar.Kind, &ar.DocNumber, &docDate, &ar.FileName); err != nil {
				return err
			}
			if docDate.Valid {
				ar.DocDate = date.New(docDate.Time.Date())
			}
			at, ok := actionAt[aid]
			if !ok {
				continue
			}
			x := &out.Rows[at[0]].Actions[at[1]]
			x.Artifacts = append(x.Artifacts, ar)
		}
		return rows.Err()
	})
	if err != nil {
		return Matrix{}, err
	}
	return out, nil
}

// --- the text of the cells ----------------------------------------------------

// StatusLabels are the matrix's Status column: the audit categories of
// Indonesian follow-up monitoring.
var StatusLabels = map[finding.State]string{
	finding.Draft:         "Draf (belum diterbitkan)",
	finding.Open:          "Belum ditindaklanjuti",
	finding.InProgress:    "Belum sesuai",
	finding.Submitted:     "Belum sesuai",
	finding.Closed:        "Sesuai",
	finding.NotActionable: "Tidak dapat ditindaklanjuti",
}

// stateNotes say, in Keterangan, more than the category where it helps the
// reader.
var stateNotes = map[finding.State]string{
	finding.InProgress: "dalam proses tindak lanjut",
	finding.Submitted:  "menunggu verifikasi",
}

// ArtifactKindLabels name the kinds of evidence document.
var ArtifactKindLabels = map[string]string{
	"sk":           "Surat Keputusan (SK)",
	"surat_edaran": "Surat Edaran",
	"peraturan":    "Peraturan",
	"tata_kelola":  "Dokumen Tata Kelola",
	"pedoman":      "Pedoman",
	"peta_rencana": "Peta Rencana",
	"sop":          "SOP",
	"laporan":      "Laporan",
	"lainnya":      "Lainnya",
}

var months = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
	"September", "Oktober", "November", "Desember"}

// Tanggal writes d the Indonesian way: 30 September 2024 ("-" for no date).
func Tanggal(d date.Date) string {
	if d.IsZero() {
		return "-"
	}
	t := d.Time(time.UTC)
	return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
}

// noIndicator fills the Indikator column of a finding that names none:
// a cell left empty would be dropped from the end of the row by the
// programs that read the sheet.
const noIndicator = "Tanpa indikator"

// Cells returns the text of the row's columns (see Columns).
func (r Row) Cells() []string {
	temuan := r.Code + "\n" + r.Title
	if c := strings.TrimSpace(r.Condition); c != "" {
		temuan += "\n\nKondisi: " + c
	}

	var tl, bukti []string
	n := 0
	for i, a := range r.Actions {
		status := "belum selesai"
		if a.Status == finding.Done {
			status = "selesai"
		}
		tl = append(tl, fmt.Sprintf("%d. %s\n(PJ: %s; %s; batas %s)", i+1, a.Title, a.AssigneeName, status, Tanggal(a.DueDate)))
		for _, ar := range a.Artifacts {
			n++
			kind := ArtifactKindLabels[ar.Kind]
			if kind == "" {
				kind = ar.Kind
			}
			parts := []string{kind}
			if ar.DocNumber != "" {
				parts = append(parts, "Nomor "+ar.DocNumber)
			}
			if !ar.DocDate.IsZero() {
				parts = append(parts, "tanggal "+Tanggal(ar.DocDate))
			}
			parts = append(parts, "berkas "+ar.FileName)
			bukti = append(bukti, fmt.Sprintf("%d. %s", n, strings.Join(parts, ", ")))
		}
	}
	if len(tl) == 0 {
		tl = []string{"Belum ada tindak lanjut"}
	}
	if len(bukti) == 0 {
		bukti = []string{"Belum ada bukti dukung"}
	}

	ket := []string{"Batas waktu: " + Tanggal(r.DueDate)}
	if note := stateNotes[r.State]; note != "" {
		ket = append(ket, "Keadaan: "+note)
	}
	if r.Overdue {
		ket = append(ket, "Terlambat: batas waktu telah lewat")
	}
	if r.UnitName != "" {
		ket = append(ket, "Unit: "+r.UnitName)
	}
	if r.LastRejection != "" {
		ket = append(ket, "Alasan penolakan terakhir: "+r.LastRejection)
	}
	if r.NotActionable != "" {
		ket = append(ket, "Alasan tidak dapat ditindaklanjuti: "+r.NotActionable)
	}
	indikator := make([]string, len(r.Indicators))
	for i, ind := range r.Indicators {
		indikator[i] = ind.Code
		if len(ind.Onto) > 0 {
			indikator[i] += " (" + strings.Join(ind.Onto, ", ") + ")"
		}
	}
	if len(indikator) == 0 {
		indikator = []string{noIndicator}
	}
	left := "—"
	if r.WorkingDaysLeft != nil {
		left = strconv.Itoa(*r.WorkingDaysLeft)
	}
	return []string{strconv.Itoa(r.No), temuan, r.Recommendation, strings.Join(tl, "\n"), strings.Join(bukti, "\n"),
		StatusLabels[r.State], strings.Join(ket, "\n"), strings.Join(indikator, ", "), left}
}
