package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"strings"
	texttemplate "text/template"
)

// Kinds are every kind of notification, each with a plain-text and an HTML
// template in templates/email: <kind>.txt defines "subject" and "body",
// <kind>.html defines "body"; layout.txt and layout.html wrap the bodies.
var Kinds = []string{
	"action_assigned", "finding_submitted", "finding_rejected", "finding_closed", "finding_not_actionable",
	KindActionDue, KindActionOverdue, KindUnassigned, KindAssessment, KindVerification, KindDigest,
	KindExtensionRequested, KindExtensionDecided, KindEscalation,
}

// View is what a template sees: the parts its kind uses are filled in.
type View struct {
	Kind    string
	BaseURL string
	// Link leads to what the mail is about: the finding, or a list.
	Link    string
	Finding *FindingView
	// Action is the action the mail is about.
	Action *ActionView
	// Reason is the auditor's reason of a rejection or of not actionable.
	Reason      string
	DaysBefore  int
	DaysOverdue int
	Days        int
	// Date is the day the reminder is for, written the Indonesian way.
	Date       string
	Unit       string
	Assessment *AssessmentView
	// Groups are an assessment's findings by domain (in a model with
	// domains) or by aspect (in a model without), then by indicator.
	Groups []Group
	// Findings lists findings (awaiting verification; assessments'
	// findings that count on no indicator of the assessment's model).
	Findings []FindingView
	// Total counts the findings an assessment reminder is about; More
	// those left out of long lists.
	Total, More int
	// Overdue, DueSoon and Open are a digest's sections.
	Overdue, DueSoon, Open []FindingView
	// Extension is the extension request a mail is about.
	Extension *ExtensionView
	// Escalation is an overdue action or finding brought up the unit
	// hierarchy.
	Escalation *EscalationView
}

// EscalationView says who did not act on what, since when, and to whom
// it is brought now.
type EscalationView struct {
	// Step counts the levels up (1: the parent unit); Days the days
	// overdue of the step.
	Step, Days int
	// Since is the due date that passed; Unit the responsible unit and
	// Who who did not act (the assignee, or the unit's managers).
	Since, Unit, Who string
	// ToUnit is the unit whose managers are told; "" when the hierarchy
	// has ended and the auditors alone are.
	ToUnit string
}

// ExtensionView is an extension request, or its decision.
type ExtensionView struct {
	// OldDate and NewDate are the current and the asked-for due date.
	OldDate, NewDate string
	Reason, Note     string
	// Approved and Refused say the decision (neither: a new request).
	Approved, Refused bool
}

// FindingView is a finding as mails show it.
type FindingView struct {
	Code, Title, Recommendation, State, Unit, DueDate, Link string
	Actions                                                 []ActionView
	// Via names, under an indicator of an assessment's model, the older
	// indicators the finding counts on it through ("I29, I30"); "" when
	// the finding names the indicator itself, and in every other list.
	Via string
}

// ActionView is an action as mails show it.
type ActionView struct {
	Title, Assignee, DueDate string
	Done                     bool
}

// AssessmentView is an assessment milestone ahead.
type AssessmentView struct {
	Name, Milestone, Date string
	// Model is the short name of the assessment's model, as mails speak
	// of it: "SPBE", "Pemerintah Digital".
	Model string
	// ByAspect says the Groups are aspects (the model has no domains);
	// otherwise they are domains.
	ByAspect bool
}

// Group is the findings of one domain or aspect, by indicator.
type Group struct {
	Code, Name string
	Indicators []IndicatorGroup
}

// IndicatorGroup is the findings that count on one indicator: those
// naming it, and those naming an older indicator mapped onto it.
type IndicatorGroup struct {
	Code, Name string
	Findings   []FindingView
}

// Rendered is a mail's subject and bodies.
type Rendered struct {
	Subject, Text, HTML string
}

// Renderer renders notifications from templates parsed once.
type Renderer struct {
	text map[string]*texttemplate.Template
	html map[string]*htmltemplate.Template
}

var stateNames = map[string]string{
	"draft": "Draf", "open": "Belum ditindaklanjuti", "in_progress": "Dalam proses", "submitted": "Menunggu verifikasi",
	"closed": "Selesai", "not_actionable": "Tidak dapat ditindaklanjuti",
}

var funcs = map[string]any{
	"state": func(s string) string {
		if n, ok := stateNames[s]; ok {
			return n
		}
		return s
	},
}

// NewRenderer parses the templates of every kind in fsys (a tree holding
// email/) and renders each once with sample data, so that a missing or
// broken template fails the start, not a send.
func NewRenderer(fsys fs.FS) (*Renderer, error) {
	r := &Renderer{text: map[string]*texttemplate.Template{}, html: map[string]*htmltemplate.Template{}}
	for _, kind := range Kinds {
		t, err := texttemplate.New(kind).Funcs(funcs).Option("missingkey=error").ParseFS(fsys, "email/layout.txt", "email/"+kind+".txt")
		if err != nil {
			return nil, fmt.Errorf("email template %s.txt: %w", kind, err)
		}
		h, err := htmltemplate.New(kind).Funcs(funcs).Option("missingkey=error").ParseFS(fsys, "email/layout.html", "email/"+kind+".html")
		if err != nil {
			return nil, fmt.Errorf("email template %s.html: %w", kind, err)
		}
		for _, name := range []string{"layout", "subject", "body"} {
			if t.Lookup(name) == nil {
				return nil, fmt.Errorf("email template %s.txt (with layout.txt) defines no %q", kind, name)
			}
		}
		for _, name := range []string{"layout", "body"} {
			if h.Lookup(name) == nil {
				return nil, fmt.Errorf("email template %s.html (with layout.html) defines no %q", kind, name)
			}
		}
		r.text[kind], r.html[kind] = t, h
		if _, err := r.Render(sample(kind)); err != nil {
			return nil, fmt.Errorf("email template of %s: %w", kind, err)
		}
	}
	return r, nil
}

// Render renders v. Errors: a kind without templates, or a template that
// fails on v.
func (r *Renderer) Render(v View) (Rendered, error) {
	t, h := r.text[v.Kind], r.html[v.Kind]
	if t == nil || h == nil {
		return Rendered{}, fmt.Errorf("no email template for kind %q", v.Kind)
	}
	var subj, text, html bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", v); err != nil {
		return Rendered{}, err
	}
	if err := t.ExecuteTemplate(&text, "layout", v); err != nil {
		return Rendered{}, err
	}
	if err := h.ExecuteTemplate(&html, "layout", v); err != nil {
		return Rendered{}, err
	}
	return Rendered{Subject: strings.Join(strings.Fields(subj.String()), " "), Text: text.String(), HTML: html.String()}, nil
}

// sample is a view with every part filled in, to try each template at
// start.
func sample(kind string) View {
	a := ActionView{Title: "Menyusun SK tim", Assignee: "Staf", DueDate: "Senin, 2 September 2024"}
	f := FindingView{Code: "TL-2024-0001", Title: "Judul", Recommendation: "Rekomendasi", State: "in_progress", Unit: "Unit",
		DueDate: "Senin, 30 September 2024", Link: "http://localhost/findings/1", Actions: []ActionView{a}}
	via := f
	via.Via = "I21, I24"
	return View{Kind: kind, BaseURL: "http://localhost", Link: f.Link, Finding: &f, Action: &a, Reason: "Alasan",
		DaysBefore: 7, DaysOverdue: 1, Days: 7, Date: a.DueDate, Unit: "Unit",
		Assessment: &AssessmentView{Name: "Evaluasi Pemdi 2026", Milestone: "Penilaian Dokumen", Date: a.DueDate,
			Model: "Pemerintah Digital", ByAspect: true},
		Groups: []Group{{Code: "A1", Name: "Aspek", Indicators: []IndicatorGroup{{Code: "P02", Name: "Indikator",
			Findings: []FindingView{f, via}}}}},
		Findings: []FindingView{f}, Total: 2, More: 1, Overdue: []FindingView{f}, DueSoon: []FindingView{f}, Open: []FindingView{f},
		Extension:  &ExtensionView{OldDate: a.DueDate, NewDate: f.DueDate, Reason: "Alasan", Note: "Catatan", Approved: true},
		Escalation: &EscalationView{Step: 1, Days: 14, Since: a.DueDate, Unit: "Unit", Who: "Staf", ToUnit: "Unit induk"}}
}
