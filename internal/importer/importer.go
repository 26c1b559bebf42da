// Package importer brings the registers that units keep in spreadsheets
// into a review: it reads an XLSX workbook (streamed) or a CSV text,
// matches the columns by their headers (Indonesian or English) or by the
// caller's mapping, reads every value as PRODUCT.md says, and hands the
// rows to the finding service, which previews them or writes them all in
// one transaction. The API, the command line and the web pages all import
// through Service.
package importer

import (
	"context"
	"crypto/sha256"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/apperr"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/identity"
)

// Limits bound what an import reads.
type Limits struct {
	// MaxBytes is the largest file (413 over it).
	MaxBytes int64
	// MaxRows is the most rows of findings, the header aside (422 over it).
	MaxRows int
	// MaxUnzipped is the most an XLSX may unpack to (413 over it).
	MaxUnzipped int64
}

// DefaultLimits are the contract's: 10 MiB and 10,000 rows; a workbook
// may unpack to 128 MiB, far more than 10,000 rows of text need.
var DefaultLimits = Limits{MaxBytes: 10 << 20, MaxRows: 10_000, MaxUnzipped: 128 << 20}

// Fields are the fields a column can be read as, in the template's order.
var Fields = []string{"ref", "title", "condition", "criteria", "cause", "effect", "recommendation", "severity", "unit",
	"indicator_codes", "application", "due_date", "state"}

// aliases are the headers each field is recognised by, normalised (see
// normHeader); the field's own name is one too.
var aliases = map[string][]string{
	"ref":             {"no", "nomor", "ref", "no temuan", "nomor temuan", "nomor urut", "number", "finding number"},
	"title":           {"judul", "title", "judul temuan", "temuan", "finding"},
	"condition":       {"kondisi", "uraian temuan", "condition", "uraian"},
	"criteria":        {"kriteria", "criteria"},
	"cause":           {"sebab", "penyebab", "cause"},
	"effect":          {"akibat", "dampak", "effect"},
	"recommendation":  {"rekomendasi", "recommendation", "saran"},
	"severity":        {"tingkat", "severity", "tingkat risiko", "tingkat temuan", "risiko"},
	"unit":            {"unit", "unit kerja", "opd", "perangkat daerah", "satuan kerja", "kode unit"},
	"indicator_codes": {"indikator", "indicator", "indicators", "kode indikator", "indikator spbe"},
	"application":     {"aplikasi", "application", "sistem", "nama aplikasi"},
	"due_date":        {"tenggat", "batas waktu", "due date", "tenggat waktu", "jatuh tempo", "target waktu"},
	"state":           {"status", "state"},
}

// TemplateHeaders are the headers the template writes, one per field.
var TemplateHeaders = []string{"No", "Judul", "Kondisi", "Kriteria", "Sebab", "Akibat", "Rekomendasi", "Tingkat", "Unit",
	"Indikator", "Aplikasi", "Tenggat", "Status"}

var spaces = regexp.MustCompile(`\s+`)

// normHeader folds a header for matching: case, spacing and punctuation
// around words ignored ("No.", " NOMOR ", "Batas_Waktu").
func normHeader(h string) string {
	h = strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return r
		}
		return ' '
	}, h))
	return strings.TrimSpace(spaces.ReplaceAllString(h, " "))
}

// fieldOf returns the field a header is an alias of ("" for none).
func fieldOf(header string) string {
	h := normHeader(header)
	for _, f := range Fields {
		if h == normHeader(f) || slices.Contains(aliases[f], h) {
			return f
		}
	}
	return ""
}

// Service imports registers into reviews.
type Service struct {
	db       *gorm.DB
	findings *finding.Service
	limits   Limits
}

// NewService returns the import service; zero limits take DefaultLimits.
func NewService(db *gorm.DB, findings *finding.Service, limits Limits) *Service {
	if limits.MaxBytes <= 0 {
		limits.MaxBytes = DefaultLimits.MaxBytes
	}
	if limits.MaxRows <= 0 {
		limits.MaxRows = DefaultLimits.MaxRows
	}
	if limits.MaxUnzipped <= 0 {
		limits.MaxUnzipped = DefaultLimits.MaxUnzipped
	}
	return &Service{db: db, findings: findings, limits: limits}
}

// Limits returns the service's limits.
func (s *Service) Limits() Limits { return s.limits }

// File is an uploaded register.
type File struct {
	Name string
	Data []byte
}

// SHA256 is the file's hash, which binds a confirmation to its preview.
func (f File) SHA256() []byte {
	h := sha256.Sum256(f.Data)
	return h[:]
}

// Request is one import.
type Request struct {
	ReviewID int64
	File     File
	// Columns maps headers of the file to fields, over the aliases.
	Columns map[string]string
	// Commit writes the rows; false previews them.
	Commit bool
}

// Result is a preview or a committed import.
type Result struct {
	finding.ImportResult
	// Kind is xlsx or csv.
	Kind string
	// Headers are the file's headers, in order, with the field each is
	// read as ("" for none).
	Headers []Header
	// UnknownColumns are the headers read as no field.
	UnknownColumns []string
}

// Header is one column of the file.
type Header struct {
	Name  string
	Field string
}

// Import reads the file and previews its rows, or writes them when
// req.Commit is set and nothing is wrong. When the columns cannot be
// mapped (a bad mapping, no number or title column), the result holds the
// file's headers along with the error. Errors: Forbidden (only
// auditors and admins import), NotFound (no such review), TooLarge (over
// MaxBytes, or a workbook that unpacks to too much), Unsupported (neither
// XLSX nor CSV), Invalid (an empty file, too many rows, text not in
// UTF-8, a bad column mapping; on a commit, any problem of any row, all
// of them named by row and column).
func (s *Service) Import(ctx context.Context, p identity.Principal, req Request) (Result, error) {
	if err := identity.Authorize(p, identity.FindingCreate, nil); err != nil {
		return Result{}, err
	}
	if int64(len(req.File.Data)) > s.limits.MaxBytes {
		return Result{}, TooLarge(s.limits)
	}
	kind, err := detect(req.File.Data, s.limits)
	if err != nil {
		return Result{}, err
	}
	var t table
	if kind == KindXLSX {
		t, err = readXLSX(req.File.Data, s.limits)
	} else {
		t, err = readCSV(req.File.Data, s.limits)
	}
	if err != nil {
		return Result{}, err
	}
	if len(t.rows) == 0 {
		return Result{}, apperr.E(apperr.Invalid, "The file is empty.")
	}
	res := Result{Kind: kind}
	cols, err := mapColumns(t.rows[0], req.Columns, &res)
	if err != nil {
		// The headers are known: a caller can offer them for mapping.
		return res, err
	}
	rows, probs := readRows(t, cols)
	out, err := s.findings.Import(ctx, p, req.ReviewID, rows, probs.List(),
		finding.ImportSource{FileName: req.File.Name, SHA256: req.File.SHA256()}, req.Commit)
	if ae := (*apperr.Error)(nil); errors.As(err, &ae) && ae.Kind == apperr.Invalid {
		sortProblems(ae.Fields, res.Headers)
	}
	if err != nil {
		return Result{}, err
	}
	res.ImportResult = out
	sortProblems(res.Problems, res.Headers)
	return res, nil
}

// sortProblems orders problems by row, then as the columns stand in the
// file.
func sortProblems(ps []apperr.FieldError, headers []Header) {
	at := map[string]int{}
	for i, h := range headers {
		at[h.Name] = i
	}
	slices.SortStableFunc(ps, func(a, b apperr.FieldError) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		return at[a.Column] - at[b.Column]
	})
}

// TooLarge is the error of a file over the limit.
func TooLarge(l Limits) error {
	return apperr.E(apperr.TooLarge, "The file is larger than %d MiB; split the register into smaller files.", l.MaxBytes>>20)
}

// mapColumns decides the field of each column: the caller's mapping
// first, then the aliases. It fills res's Headers and UnknownColumns and
// returns, per column, the field ("" to skip).
func mapColumns(header []string, mapping map[string]string, res *Result) ([]string, error) {
	var v apperr.Validation
	byNorm := map[string]int{}
	for i, h := range header {
		byNorm[normHeader(h)] = i
	}
	cols := make([]string, len(header))
	taken := map[string]string{}
	keys := make([]string, 0, len(mapping))
	for h := range mapping {
		keys = append(keys, h)
	}
	slices.Sort(keys)
	for _, h := range keys {
		f := mapping[h]
		i, ok := byNorm[normHeader(h)]
		switch {
		case !ok:
			v.Add("columns."+h, "the file has no column headed %q", h)
		case f == "":
			cols[i] = "-"
		case !slices.Contains(Fields, f):
			v.Add("columns."+h, "must be one of %s", strings.Join(Fields, ", "))
		case taken[f] != "":
			v.Add("columns."+h, "%s is already read from column %q", f, taken[f])
		default:
			cols[i], taken[f] = f, h
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	for i, h := range header {
		if cols[i] != "" || strings.TrimSpace(h) == "" {
			continue
		}
		if f := fieldOf(h); f != "" && taken[f] == "" {
			cols[i], taken[f] = f, h
		}
	}
	for i, h := range header {
		if cols[i] == "-" {
			cols[i] = ""
		} else if cols[i] == "" && strings.TrimSpace(h) != "" {
			res.UnknownColumns = append(res.UnknownColumns, h)
		}
		res.Headers = append(res.Headers, Header{Name: h, Field: cols[i]})
	}
	if res.UnknownColumns == nil {
		res.UnknownColumns = []string{}
	}
	if taken["ref"] == "" || taken["title"] == "" {
		var v apperr.Validation
		if taken["ref"] == "" {
			v.Add("columns", "no column holds the finding's number (No, Nomor or Ref); map one with columns")
		}
		if taken["title"] == "" {
			v.Add("columns", "no column holds the title (Judul or Title); map one with columns")
		}
		return nil, v.Err()
	}
	return cols, nil
}

// severities reads Indonesian and English severity names.
var severities = map[string]finding.Severity{
	"rendah": "low", "low": "low",
	"sedang": "medium", "menengah": "medium", "medium": "medium",
	"tinggi": "high", "high": "high",
	"kritis": "critical", "sangat tinggi": "critical", "critical": "critical",
}

// states reads the status an import may set.
var states = map[string]finding.State{
	"": finding.Draft, "draft": finding.Draft, "draf": finding.Draft, "konsep": finding.Draft,
	"open": finding.Open, "terbuka": finding.Open, "terbit": finding.Open, "diterbitkan": finding.Open, "issued": finding.Open,
}

var codeSep = regexp.MustCompile(`[\s,;/]+`)

// readRows reads the data rows into findings to import, with the problems
// of their values. Cells are taken as text, whatever they start with.
func readRows(t table, cols []string) ([]finding.ImportRow, *finding.ImportProblems) {
	var probs finding.ImportProblems
	columns := map[string]string{}
	for i, f := range cols {
		if f != "" {
			columns[f] = t.rows[0][i]
		}
	}
	var out []finding.ImportRow
	for i, cells := range t.rows[1:] {
		if cells == nil {
			continue
		}
		r := finding.ImportRow{Row: i + 2, Columns: columns}
		probs.At(r.Row, columns)
		val := map[string]string{}
		for j, c := range cells {
			if j < len(cols) && cols[j] != "" {
				val[cols[j]] = strings.TrimSpace(c)
			}
		}
		r.Ref, r.Title, r.Condition, r.Criteria = val["ref"], val["title"], val["condition"], val["criteria"]
		r.Cause, r.Effect, r.Recommendation = val["cause"], val["effect"], val["recommendation"]
		r.Unit, r.Application = val["unit"], val["application"]
		if sv := strings.ToLower(spaces.ReplaceAllString(val["severity"], " ")); sv == "" {
			probs.Add("severity", "is required: rendah, sedang, tinggi or kritis")
		} else if s, ok := severities[sv]; ok {
			r.Severity = s
		} else {
			probs.Add("severity", "%s is not a severity: write rendah, sedang, tinggi or kritis", val["severity"])
		}
		if st, ok := states[strings.ToLower(val["state"])]; ok {
			r.State = st
		} else {
			probs.Add("state", "%s is not a status an import can set: write draft or open", val["state"])
		}
		for _, c := range codeSep.Split(val["indicator_codes"], -1) {
			if c != "" {
				r.IndicatorCodes = append(r.IndicatorCodes, strings.ToUpper(c))
			}
		}
		if d := val["due_date"]; d != "" {
			due, err := date.ParseRegister(d, t.kind == KindXLSX)
			switch {
			case errors.Is(err, date.ErrNoSuchDay):
				probs.Add("due_date", "%s is not a day of the calendar", d)
			case err != nil:
				probs.Add("due_date", "%s is not a date: write it as 2024-09-30, 30/09/2024, 30-09-2024 or 30 September 2024", d)
			default:
				r.DueDate = due
			}
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		probs.At(0, nil).Add("file", "holds no rows of findings under its header")
	}
	return out, &probs
}
