package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/tindaklanjut/tindaklanjut/internal/calendar"
	"github.com/tindaklanjut/tindaklanjut/internal/date"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
	"github.com/tindaklanjut/tindaklanjut/internal/postgres"
)

// What the sender reads to render a batch: the recipients, and the
// findings, actions and events the notifications are about, a few
// queries for the whole batch; the lists of assessment reminders, notes
// of awaiting verification and digests are read one mail at a time.

// listCap bounds the findings a list mail names.
const listCap = 200

type recipient struct {
	ID     int64
	Email  string
	Name   string
	Active bool
	// EventsOff are the kinds of event mail they switched off.
	EventsOff postgres.Array[string]
}

type findingRow struct {
	ID             int64
	Code           string
	Title          string
	Recommendation string
	State          string
	UnitID         *int64
	Unit           string
	DueDate        date.Date
	IndicatorCodes postgres.Array[string]
	// Total is the length of the whole list a row was read from.
	Total int
}

type actionRow struct {
	ID        int64
	FindingID int64
	Title     string
	DueDate   date.Date
	Status    string
	Assignee  string
}

// notificationData is what the planner wrote in a notification's data.
type notificationData struct {
	DaysBefore   *int   `json:"days_before"`
	DaysOverdue  *int   `json:"days_overdue"`
	Days         int    `json:"days"`
	AssessmentID int64  `json:"assessment_id"`
	MilestoneID  int64  `json:"milestone_id"`
	UnitID       *int64 `json:"unit_id"`
	Date         string `json:"date"`
	WeekOf       string `json:"week_of"`
	Step         int    `json:"step"`
	DueDate      string `json:"due_date"`
	ToUnitID     *int64 `json:"to_unit_id"`
}

// batchData is what a batch's notifications refer to.
type batchData struct {
	users    map[int64]recipient
	findings map[int64]findingRow
	actions  map[int64][]actionRow // by finding
	reasons  map[int64]string      // by event
	events   map[int64]eventRow    // by event
}

// eventRow is what the mail of an extension request or decision shows of
// its event.
type eventRow struct {
	ID         int64
	Kind       string
	Reason     string
	Note       string
	OldDueDate string
	DueDate    string
}

// loadBatch reads the recipients, findings, actions and event reasons of
// batch.
func loadBatch(ctx context.Context, db *gorm.DB, batch []Notification) (batchData, error) {
	d := batchData{users: map[int64]recipient{}, findings: map[int64]findingRow{}, actions: map[int64][]actionRow{}, reasons: map[int64]string{},
		events: map[int64]eventRow{}}
	var userIDs, findingIDs, eventIDs []int64
	for _, n := range batch {
		userIDs = append(userIDs, n.To...)
		userIDs = append(userIDs, n.Cc...)
		if n.FindingID != nil {
			findingIDs = append(findingIDs, *n.FindingID)
		}
		if n.EventID != nil {
			eventIDs = append(eventIDs, *n.EventID)
		}
	}
	db = db.WithContext(ctx)
	var users []recipient
	if err := db.Raw(`SELECT u.id, u.email, u.name, u.active, coalesce(np.events_off, '{}') AS events_off
		FROM users u LEFT JOIN notification_preferences np ON np.user_id = u.id WHERE u.id = ANY(?)`,
		postgres.Array[int64](userIDs)).Scan(&users).Error; err != nil {
		return d, err
	}
	for _, u := range users {
		d.users[u.ID] = u
	}
	if len(findingIDs) > 0 {
		var fs []findingRow
		if err := db.Raw(`SELECT f.id, f.code, f.title, f.recommendation, f.state, f.unit_id, coalesce(u.name, '') AS unit, f.due_date, f.indicator_codes
			FROM findings f LEFT JOIN units u ON u.id = f.unit_id WHERE f.id = ANY(?)`, postgres.Array[int64](findingIDs)).Scan(&fs).Error; err != nil {
			return d, err
		}
		for _, f := range fs {
			d.findings[f.ID] = f
		}
		var as []actionRow
		if err := db.Raw(`SELECT a.id, a.finding_id, a.title, a.due_date, a.status, u.name AS assignee
			FROM actions a JOIN users u ON u.id = a.assignee_id WHERE a.finding_id = ANY(?) ORDER BY a.finding_id, a.due_date, a.id`,
			postgres.Array[int64](findingIDs)).Scan(&as).Error; err != nil {
			return d, err
		}
		for _, a := range as {
			d.actions[a.FindingID] = append(d.actions[a.FindingID], a)
		}
	}
	if len(eventIDs) > 0 {
		var rs []eventRow
		if err := db.Raw(`SELECT id, kind, coalesce(data->>'reason', '') AS reason, coalesce(data->>'note', '') AS note,
				coalesce(data->>'old_due_date', '') AS old_due_date, coalesce(data->>'due_date', '') AS due_date
			FROM finding_events WHERE id = ANY(?)`, postgres.Array[int64](eventIDs)).Scan(&rs).Error; err != nil {
			return d, err
		}
		for _, r := range rs {
			d.reasons[r.ID] = r.Reason
			d.events[r.ID] = r
		}
	}
	return d, nil
}

// viewer builds the views of one batch.
type viewer struct {
	db      *gorm.DB
	baseURL string
	loc     *time.Location
	now     time.Time
	data    batchData
	// models are the assessments' models this batch has read, by code.
	models map[string]*assessmentModel
	// cal counts the working days left until due dates.
	cal *calendar.Calendar
}

// dueText writes a due date with the working days left until it, while
// follow-up is expected (open is set): "Senin, 17 Agustus 2026 (3 hari
// kerja lagi)".
func (v *viewer) dueText(due date.Date, open bool) string {
	out := due.Indonesian()
	if !open || due.IsZero() || v.cal == nil {
		return out
	}
	today := date.Of(v.now, v.loc)
	switch n := v.cal.Left(today, due); {
	case due == today:
		return out + " (hari ini)"
	case n > 0:
		return fmt.Sprintf("%s (%d hari kerja lagi)", out, n)
	case n == 0 && due.After(today):
		return out + " (tidak ada hari kerja lagi sebelumnya)"
	case n < 0:
		return fmt.Sprintf("%s (lewat %d hari kerja)", out, -n)
	}
	return out
}

// errSkip says why a notification is no longer to be sent.
type errSkip string

func (e errSkip) Error() string { return string(e) }

func (v *viewer) findingLink(id int64) string {
	return v.baseURL + "/findings/" + strconv.FormatInt(id, 10)
}

func (v *viewer) findingView(f findingRow, withActions bool) FindingView {
	active := f.State == "open" || f.State == "in_progress"
	out := FindingView{Code: f.Code, Title: f.Title, Recommendation: f.Recommendation, State: f.State, Unit: f.Unit,
		DueDate: v.dueText(f.DueDate, active), Link: v.findingLink(f.ID)}
	if withActions {
		for _, a := range v.data.actions[f.ID] {
			out.Actions = append(out.Actions, v.actionView(a, active))
		}
	}
	return out
}

func (v *viewer) actionView(a actionRow, active bool) ActionView {
	return ActionView{Title: a.Title, Assignee: a.Assignee, DueDate: v.dueText(a.DueDate, active && a.Status == "todo"), Done: a.Status == "done"}
}

// view builds n's view, or errSkip when what n reminds of is over (the
// action done, the finding closed, nothing left to list).
func (v *viewer) view(ctx context.Context, n Notification) (View, error) {
	out := View{Kind: n.Kind, BaseURL: v.baseURL, Link: v.baseURL + "/findings"}
	var d notificationData
	if len(n.Data) > 0 {
		if err := json.Unmarshal(n.Data, &d); err != nil {
			return out, fmt.Errorf("notification %d: data: %w", n.ID, err)
		}
	}
	if n.FindingID != nil {
		f, ok := v.data.findings[*n.FindingID]
		if !ok {
			return out, fmt.Errorf("notification %d: finding %d not found", n.ID, *n.FindingID)
		}
		fv := v.findingView(f, true)
		out.Finding, out.Link = &fv, fv.Link
		if n.ActionID != nil {
			for _, a := range v.data.actions[f.ID] {
				if a.ID == *n.ActionID {
					av := v.actionView(a, f.State == "open" || f.State == "in_progress")
					out.Action = &av
					if today := date.Of(v.now, v.loc); n.Kind == KindActionDue && !a.DueDate.Before(today) {
						// A reminder moved off a non-working day says how
						// many days are really left.
						days := today.DaysUntil(a.DueDate)
						d.DaysBefore = &days
					}
					if (n.Kind == KindActionDue || n.Kind == KindActionOverdue || n.Kind == KindEscalation) && a.Status != "todo" {
						return out, errSkip("the action is done")
					}
					if d.DueDate != "" && a.DueDate.String() != d.DueDate {
						// Planned for a date since moved (an approved
						// extension): the new date has its own.
						return out, errSkip("the action's due date was moved")
					}
				}
			}
			if out.Action == nil {
				return out, fmt.Errorf("notification %d: action %d not found", n.ID, *n.ActionID)
			}
		}
		switch n.Kind {
		case KindActionDue, KindActionOverdue, KindEscalation:
			if f.State != "open" && f.State != "in_progress" {
				return out, errSkip("the finding is " + f.State)
			}
			if n.Kind == KindEscalation && n.ActionID == nil && f.DueDate.String() != d.DueDate {
				return out, errSkip("the finding's due date was moved")
			}
		case KindUnassigned:
			if f.State != "open" || len(v.data.actions[f.ID]) > 0 {
				return out, errSkip("the finding has actions or is no longer open")
			}
		}
	}
	if n.EventID != nil {
		out.Reason = v.data.reasons[*n.EventID]
		if e, ok := v.data.events[*n.EventID]; ok && e.OldDueDate != "" {
			out.Extension = extensionView(e)
		}
	}
	if d.DaysBefore != nil {
		out.DaysBefore = *d.DaysBefore
	}
	if d.DaysOverdue != nil {
		out.DaysOverdue = *d.DaysOverdue
	}
	out.Days = d.Days
	switch n.Kind {
	case KindAssessment:
		return out, v.assessment(ctx, &out, d)
	case KindVerification:
		return out, v.verification(ctx, &out, d)
	case KindDigest:
		return out, v.digest(ctx, &out, d)
	case KindEscalation:
		return out, v.escalation(ctx, &out, d)
	}
	return out, nil
}

// extensionView is an extension request's event as mails show it.
func extensionView(e eventRow) *ExtensionView {
	out := &ExtensionView{Reason: e.Reason, Note: e.Note, Approved: e.Kind == "extension_approved",
		Refused: e.Kind == "extension_refused", OldDate: e.OldDueDate, NewDate: e.DueDate}
	if d, err := date.Parse(e.OldDueDate); err == nil {
		out.OldDate = d.Indonesian()
	}
	if d, err := date.Parse(e.DueDate); err == nil {
		out.NewDate = d.Indonesian()
	}
	return out
}

// escalation fills an escalation: who did not act (the action's assignee,
// or the unit's managers for a finding), since when, and to which unit it
// now goes.
func (v *viewer) escalation(ctx context.Context, out *View, d notificationData) error {
	if out.Finding == nil {
		return fmt.Errorf("escalation without a finding")
	}
	e := &EscalationView{Step: d.Step, Unit: out.Finding.Unit}
	if d.DaysOverdue != nil {
		e.Days = *d.DaysOverdue
	}
	if due, err := date.Parse(d.DueDate); err == nil {
		e.Since = due.Indonesian()
	}
	if out.Action != nil {
		e.Who = out.Action.Assignee
	} else if d.UnitID != nil {
		if err := v.db.WithContext(ctx).Raw(`SELECT coalesce(string_agg(name, ', ' ORDER BY name), '') FROM users
			WHERE unit_id = ? AND role = 'manager' AND active`, *d.UnitID).Scan(&e.Who).Error; err != nil {
			return err
		}
	}
	if d.ToUnitID != nil {
		if err := v.db.WithContext(ctx).Raw(`SELECT name FROM units WHERE id = ?`, *d.ToUnitID).Scan(&e.ToUnit).Error; err != nil {
			return err
		}
	}
	out.Escalation = e
	return nil
}

// unresolved lists findings in open, in_progress or submitted, by due
// date: of one unit, or all (unit nil).
func (v *viewer) unresolved(ctx context.Context, unit *int64, states string, limit int) ([]findingRow, int, error) {
	var rows []findingRow
	q := `SELECT f.id, f.code, f.title, f.recommendation, f.state, f.unit_id, coalesce(u.name, '') AS unit, f.due_date, f.indicator_codes,
			count(*) OVER () AS total
		FROM findings f LEFT JOIN units u ON u.id = f.unit_id
		WHERE f.state IN ` + states + ` AND (?::bigint IS NULL OR f.unit_id = ?::bigint)
		ORDER BY f.due_sort, f.id LIMIT ?`
	if err := v.db.WithContext(ctx).Raw(q, unit, unit, limit).Scan(&rows).Error; err != nil {
		return nil, 0, err
	}
	if len(rows) == 0 {
		return nil, 0, nil
	}
	return rows, rows[0].Total, nil
}

// assessment fills an assessment reminder: the milestone, and the
// unresolved findings of the unit (or of all units, for the auditors)
// grouped as the assessment's model groups its indicators (by domain, or
// by aspect in a model without domains), then by indicator. A finding is
// listed under each indicator of the model it counts on: those it names,
// and those an older indicator it names is mapped onto (carry-over),
// marked with the older codes it came through.
func (v *viewer) assessment(ctx context.Context, out *View, d notificationData) error {
	var head struct {
		Name      string
		Model     string
		Milestone string
		OnDate    date.Date
	}
	err := v.db.WithContext(ctx).Raw(`SELECT a.name, fw.code AS model, m.name AS milestone, m.on_date
		FROM assessment_milestones m JOIN assessments a ON a.id = m.assessment_id JOIN frameworks fw ON fw.id = a.framework_id
		WHERE m.id = ?`, d.MilestoneID).Scan(&head).Error
	if err != nil {
		return err
	}
	if head.Name == "" {
		return errSkip("the milestone was removed")
	}
	model, err := v.model(ctx, head.Model)
	if err != nil {
		return err
	}
	out.Assessment = &AssessmentView{Name: head.Name, Milestone: head.Milestone, Date: head.OnDate.Indonesian(),
		Model: model.name, ByAspect: !model.fw.HasDomains()}
	out.Date = out.Assessment.Date
	if d.UnitID != nil {
		if err := v.db.WithContext(ctx).Raw(`SELECT name FROM units WHERE id = ?`, *d.UnitID).Scan(&out.Unit).Error; err != nil {
			return err
		}
	}
	found, total, err := v.unresolved(ctx, d.UnitID, unresolvedStatesSQL, listCap)
	if err != nil {
		return err
	}
	if total == 0 && d.UnitID != nil {
		return errSkip("the unit has no unresolved findings")
	}
	out.Total, out.More = total, total-len(found)
	byIndicator := map[string][]FindingView{}
	for _, f := range found {
		targets := model.fw.Targets(model.onto, f.IndicatorCodes)
		if len(targets) == 0 {
			out.Findings = append(out.Findings, v.findingView(f, false))
			continue
		}
		for _, t := range targets {
			fv := v.findingView(f, false)
			fv.Via = strings.Join(t.Via, ", ")
			byIndicator[t.Code] = append(byIndicator[t.Code], fv)
		}
	}
	domains := make(map[string]string, len(model.fw.Domains))
	for _, dm := range model.fw.Domains {
		domains[dm.Code] = dm.Name
	}
	for _, a := range model.fw.Aspects {
		code, name := a.Code, a.Name
		if model.fw.HasDomains() {
			code, name = a.DomainCode, domains[a.DomainCode]
		}
		for _, i := range a.Indicators {
			fs := byIndicator[i.Code]
			if len(fs) == 0 {
				continue
			}
			if len(out.Groups) == 0 || out.Groups[len(out.Groups)-1].Code != code {
				out.Groups = append(out.Groups, Group{Code: code, Name: name})
			}
			g := &out.Groups[len(out.Groups)-1]
			g.Indicators = append(g.Indicators, IndicatorGroup{Code: i.Code, Name: i.Name, Findings: fs})
		}
	}
	if d.UnitID != nil {
		out.Link = v.baseURL + "/findings?unit_id=" + strconv.FormatInt(*d.UnitID, 10)
	}
	return nil
}

// assessmentModel is an assessment's model as its reminders group
// findings by it.
type assessmentModel struct {
	fw framework.Framework
	// name is what mails call the model ("SPBE", "Pemerintah Digital").
	name string
	// onto maps an indicator of another model onto the indicators of this
	// one it counts on.
	onto map[string][]string
}

// model returns the model with code, read once per batch: a batch holds
// the reminders of every unit for the same milestone.
func (v *viewer) model(ctx context.Context, code string) (*assessmentModel, error) {
	if m, ok := v.models[code]; ok {
		return m, nil
	}
	store := framework.NewStore(v.db)
	fw, err := store.Get(ctx, code)
	if err != nil {
		return nil, err
	}
	onto, err := store.Onto(ctx, code)
	if err != nil {
		return nil, err
	}
	m := &assessmentModel{fw: fw, name: modelName(fw), onto: onto}
	if v.models == nil {
		v.models = map[string]*assessmentModel{}
	}
	v.models[code] = m
	return m, nil
}

// modelName is the short name of a model in its title, the part before
// the regulation without "Indeks": "Indeks Pemerintah Digital — PermenPANRB
// No. 8 Tahun 2026 …" is "Pemerintah Digital". A title of another shape is
// taken whole; an empty one gives the code.
func modelName(fw framework.Framework) string {
	name := strings.TrimSpace(strings.TrimPrefix(fw.IndexName(), "Indeks "))
	if name == "" {
		return fw.Code
	}
	return name
}

// verification fills the daily note of findings awaiting verification.
func (v *viewer) verification(ctx context.Context, out *View, d notificationData) error {
	found, total, err := v.unresolved(ctx, nil, `('submitted')`, listCap)
	if err != nil {
		return err
	}
	if total == 0 {
		return errSkip("no finding awaits verification")
	}
	for _, f := range found {
		out.Findings = append(out.Findings, v.findingView(f, false))
	}
	out.More = total - len(found)
	if day, err := date.Parse(d.Date); err == nil {
		out.Date = day.Indonesian()
	}
	out.Link = v.baseURL + "/findings?state=submitted"
	return nil
}

// digest fills a manager's weekly digest: their unit's overdue findings,
// those due in the next 14 days, and the other unresolved ones.
func (v *viewer) digest(ctx context.Context, out *View, d notificationData) error {
	if d.UnitID == nil {
		return fmt.Errorf("digest without a unit")
	}
	if err := v.db.WithContext(ctx).Raw(`SELECT name FROM units WHERE id = ?`, *d.UnitID).Scan(&out.Unit).Error; err != nil {
		return err
	}
	found, total, err := v.unresolved(ctx, d.UnitID, unresolvedStatesSQL, listCap)
	if err != nil {
		return err
	}
	if total == 0 {
		return errSkip("the unit has no unresolved findings")
	}
	today := date.Of(v.now, v.loc)
	soon := today.AddDays(14)
	for _, f := range found {
		fv := v.findingView(f, false)
		working := f.State == "open" || f.State == "in_progress"
		switch {
		case working && f.DueDate.Before(today):
			out.Overdue = append(out.Overdue, fv)
		case working && !f.DueDate.After(soon):
			out.DueSoon = append(out.DueSoon, fv)
		default:
			out.Open = append(out.Open, fv)
		}
	}
	out.More = total - len(found)
	out.Date = today.Indonesian()
	if day, err := date.Parse(d.WeekOf); err == nil {
		out.Date = day.Indonesian()
	}
	out.Link = v.baseURL + "/findings?unit_id=" + strconv.FormatInt(*d.UnitID, 10)
	return nil
}
