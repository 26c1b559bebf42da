package web_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tindaklanjut/tindaklanjut/internal/evidence/evidencetest"
	"github.com/tindaklanjut/tindaklanjut/internal/finding"
	"github.com/tindaklanjut/tindaklanjut/internal/framework"
)

// chromium finds Debian's headless browser. CI installs it (.ci/run);
// elsewhere the browser tests are skipped when it is missing.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium on PATH; .ci/run installs Debian's chromium package")
	}
	t.Skip("no chromium on PATH (apt-get install chromium)")
	return ""
}

// screenshots is where the browser tests leave pictures of the pages
// (git-ignored).
func screenshots(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "test-artifacts", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// story drives one headless Chromium through a site's pages, as its
// people, and leaves pictures of the pages in screenshots.
type story struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
}

// newStory starts a site of the Kalsel story and Chromium on it; the
// whole story has timeout. Without Chromium the test is skipped (fails on
// CI), and in -short mode too.
func newStory(t *testing.T, timeout time.Duration) (*site, *story) {
	t.Helper()
	if testing.Short() {
		t.Skip("drives a browser")
	}
	exe := chromium(t)
	site := newSite(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return site, &story{t: t, ctx: ctx, base: site.srv.URL, shots: screenshots(t)}
}

// step is one thing the browser does.
type step = chromedp.Action[chromedp.Void]

// fail stops the story with the page it is on.
func (s *story) fail(what string, err error) {
	s.t.Helper()
	url, _ := chromedp.Run(s.ctx, chromedp.Location())
	body, _ := chromedp.Run(s.ctx, chromedp.Text(chromedp.CSS("main")))
	s.t.Fatalf("%s: %v (at %s)\n%.1500s", what, err, url, body)
}

// run does a group of steps. Each group has 20 seconds, so that a page
// that is not what a step waits for fails with that page shown, not at
// the deadline.
func (s *story) run(what string, steps ...step) {
	s.t.Helper()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(s.ctx, steps...) }()
	select {
	case err := <-done:
		if err != nil {
			s.fail(what, err)
		}
	case <-time.After(20 * time.Second):
		s.fail(what, errors.New("not done after 20 s"))
	}
}

// get runs an action that reads something from the page.
func get[T any](s *story, what string, a chromedp.Action[T]) T {
	s.t.Helper()
	v, err := chromedp.Run(s.ctx, a)
	if err != nil {
		s.fail(what, err)
	}
	return v
}

// text is the text of the element sel, its white space folded.
func (s *story) text(what, sel string) string {
	s.t.Helper()
	return strings.Join(strings.Fields(get(s, what, chromedp.Text(chromedp.CSS(sel)))), " ")
}

// location is the page's address.
func (s *story) location() string {
	s.t.Helper()
	return get(s, "location", chromedp.Location())
}

// shot saves a picture of what the window shows as a test artifact, and
// fullShot one of the whole page. Pictures are not assertions: one that
// cannot be taken in 10 seconds (a headless frame that never comes, under
// load) is logged and skipped.
func (s *story) shot(name string) step     { return s.capture(name, chromedp.CaptureScreenshot()) }
func (s *story) fullShot(name string) step { return s.capture(name, chromedp.FullScreenshot(100)) }

func (s *story) capture(name string, take chromedp.Action[[]byte]) step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		type result struct {
			png []byte
			err error
		}
		done := make(chan result, 1)
		go func() {
			png, err := take(ctx, tg)
			done <- result{png, err}
		}()
		select {
		case r := <-done:
			if r.err != nil {
				s.t.Logf("screenshot %s: %v", name, r.err)
				return nil
			}
			return os.WriteFile(filepath.Join(s.shots, name+".png"), r.png, 0o644)
		case <-time.After(10 * time.Second):
			s.t.Logf("screenshot %s: not taken in 10 s", name)
			return nil
		}
	})
}

func (s *story) signIn(who string) {
	s.t.Helper()
	s.run("sign in as "+who,
		chromedp.Navigate(s.base+"/masuk"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), who+"@kalselprov.go.id"),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Click(chromedp.CSS(`form[action="/masuk"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form.filters`)),
	)
}

func (s *story) signOut() {
	s.t.Helper()
	s.run("sign out", chromedp.Click(chromedp.CSS(`form[action="/keluar"] button`)), chromedp.WaitVisible(chromedp.CSS(`#email`)))
}

// state checks the state the finding's page shows.
func (s *story) state(findingURL, want string) {
	s.t.Helper()
	s.run("open the finding", chromedp.Navigate(findingURL))
	if badge := s.text("read the state", `main p .badge`); badge != want {
		s.t.Fatalf("%s: state %q; want %q", findingURL, badge, want)
	}
}

// transition presses the verb's button on the finding's page, with a
// reason if one is given.
func (s *story) transition(findingURL, verb, reason string) {
	s.t.Helper()
	actions := []step{chromedp.Navigate(findingURL), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`button[value=%q]`, verb)))}
	if reason != "" {
		actions = append(actions, chromedp.SendKeys(chromedp.CSS("#reason-"+verb), reason))
	}
	actions = append(actions, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[value=%q]`, verb))),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	s.run(verb, actions...)
}

// uploadAndComplete uploads doc as the officer's evidence of the
// finding's (one) action, of kind, and marks the action done.
func (s *story) uploadAndComplete(findingURL, kind, title, doc string) {
	s.t.Helper()
	s.run("upload "+title, chromedp.Navigate(findingURL),
		chromedp.Click(chromedp.CSS(`section.card details summary`)),
		chromedp.SetValue(chromedp.CSS(`select[name=kind]`), kind),
		chromedp.SendKeys(chromedp.CSS(`section.card input[name=title]`), title),
		chromedp.SendKeys(chromedp.CSS(`input[name=doc_number]`), "188.44/0123/KUM/2024"),
		chromedp.SetValue(chromedp.CSS(`input[name=doc_date]`), "2024-09-18"),
		chromedp.SendKeys(chromedp.CSS(`input[name=signer]`), "Gubernur Kalimantan Selatan"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{doc}),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/bukti/"]`)))
	// The upload's page has a flash too: the completion is done when its
	// form is gone.
	s.run("complete", chromedp.SendKeys(chromedp.CSS(`textarea[name=note]`), "Telah ditetapkan dan diunggah"),
		chromedp.Click(chromedp.CSS(`form[action$="/selesai"] button`)),
		chromedp.WaitNotPresent(chromedp.CSS(`form[action$="/selesai"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
}

// accessible checks that the pages at paths give keyboard and
// screen-reader users what they need (see unlabeledJS).
func (s *story) accessible(paths ...string) {
	s.t.Helper()
	for _, path := range paths {
		s.run("open "+path, chromedp.Navigate(s.base+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if problems := get(s, "accessibility of "+path, chromedp.Evaluate[[]string](unlabeledJS)); len(problems) > 0 {
			s.t.Errorf("%s: %s", path, strings.Join(problems, "; "))
		}
	}
}

// evidenceFile writes an SK as a PDF for the officer to upload.
func evidenceFile(t *testing.T) string {
	t.Helper()
	sk := filepath.Join(t.TempDir(), "SK Gubernur Tim Manajemen Risiko.pdf")
	if err := os.WriteFile(sk, evidencetest.PDF("Keputusan Gubernur Kalimantan Selatan", 20<<10), 0o600); err != nil {
		t.Fatal(err)
	}
	return sk
}

// TestKalselStoryInBrowser walks the story through the pages, as each
// role, in headless Chromium: the auditor records a review and a finding
// and issues it, the manager assigns the officer, the officer uploads the
// SK and completes, the manager submits, the auditor rejects with a
// reason, the manager submits again and a second auditor closes.
func TestKalselStoryInBrowser(t *testing.T) {
	s, b := newStory(t, 3*time.Minute)
	base := s.srv.URL
	sk := evidenceFile(t)

	// The auditor records the year's SPBE assessment (on the revoked
	// model, whose form the new form links: it proposes the current one),
	// the review of it, and the finding, and issues it.
	b.signIn("auditor")
	b.run("record the assessment", chromedp.Navigate(base+"/penilaian/baru?model=spbe-2020"),
		chromedp.WaitVisible(chromedp.CSS(`#milestone_name_3`)),
		chromedp.SendKeys(chromedp.CSS(`#year`), "2024"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Evaluasi SPBE 2024"),
		// One milestone of its own; the stages proposed are cleared.
		chromedp.Clear(chromedp.CSS(`#milestone_name_0`)),
		chromedp.SendKeys(chromedp.CSS(`#milestone_name_0`), "Penilaian eksternal"),
		chromedp.SetValue(chromedp.CSS(`#milestone_date_0`), "2024-09-16"),
		chromedp.Clear(chromedp.CSS(`#milestone_name_1`)),
		chromedp.Clear(chromedp.CSS(`#milestone_name_2`)),
		chromedp.Clear(chromedp.CSS(`#milestone_name_3`)),
		b.shot("assessment-form"),
		chromedp.Click(chromedp.CSS(`form[action="/penilaian/baru"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	assessmentURL := b.location()
	assessmentID := assessmentURL[strings.LastIndex(assessmentURL, "/")+1 : strings.Index(assessmentURL, "?")]
	b.run("record a review", chromedp.Navigate(base+"/reviu/baru"),
		chromedp.SetValue(chromedp.CSS(`#kind`), "spbe_evaluation"),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Evaluasi SPBE Provinsi Kalimantan Selatan 2024"),
		chromedp.SetValue(chromedp.CSS(`#conducted_on`), "2024-09-16"),
		chromedp.SetValue(chromedp.CSS(`#assessment_id`), assessmentID),
		b.shot("review-form"),
		chromedp.Click(chromedp.CSS(`form[action="/reviu/baru"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#review_id`)))
	b.run("record a finding",
		chromedp.SendKeys(chromedp.CSS(`#title`), "Belum ada SK tim manajemen risiko SPBE"),
		chromedp.SendKeys(chromedp.CSS(`#condition`), "Pemerintah provinsi belum menetapkan tim manajemen risiko SPBE."),
		chromedp.SendKeys(chromedp.CSS(`#recommendation`), "Menetapkan SK Gubernur tentang tim manajemen risiko SPBE."),
		chromedp.SetValue(chromedp.CSS(`#severity`), "high"),
		chromedp.SetValue(chromedp.CSS(`#unit_id`), fmt.Sprint(s.unitA)),
		chromedp.SendKeys(chromedp.CSS(`#indicator_codes`), "I21, I38"),
		chromedp.SetValue(chromedp.CSS(`#due_date`), "2024-09-30"),
		b.shot("finding-form"),
		chromedp.Click(chromedp.CSS(`form[action="/temuan/baru"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="issue"]`)))
	findingURL := b.location()
	b.transition(findingURL, "issue", "")
	b.state(findingURL, "Terbuka")
	b.signOut()

	// The manager assigns the officer, asking for an SK.
	b.signIn("manager")
	b.run("assign", chromedp.Navigate(findingURL),
		chromedp.Click(chromedp.CSS(`details summary`)),
		chromedp.SendKeys(chromedp.CSS(`#a-title`), "Menyusun dan menetapkan SK tim manajemen risiko"),
		chromedp.SetValue(chromedp.CSS(`#a-assignee`), fmt.Sprint(s.people["officer"].UserID)),
		chromedp.SetValue(chromedp.CSS(`#a-due`), "2024-09-20"),
		chromedp.Click(chromedp.CSS(`input[name=required_artifact_kinds][value=sk]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/tindak-lanjut"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	b.state(findingURL, "Dalam proses")
	b.signOut()

	// The officer uploads the SK and completes the action.
	b.signIn("officer")
	b.uploadAndComplete(findingURL, "sk", "SK Gubernur Kalimantan Selatan tentang Tim Manajemen Risiko SPBE", sk)
	b.run("screenshot", b.shot("finding-officer"))
	b.signOut()

	// The manager submits; the auditor rejects with a reason.
	b.signIn("manager")
	b.transition(findingURL, "submit", "")
	b.state(findingURL, "Menunggu verifikasi")
	b.signOut()
	b.signIn("auditor")
	b.transition(findingURL, "reject", "Lampirkan salinan SK yang sudah ditandatangani dan diundangkan")
	b.state(findingURL, "Dalam proses")
	b.run("list", chromedp.Navigate(base+"/temuan"), chromedp.WaitVisible(chromedp.CSS(`table.list`)), b.shot("findings-list"))
	b.signOut()

	// Submitted again, and closed by a second auditor (not the submitter).
	b.signIn("manager")
	b.transition(findingURL, "submit", "")
	b.signOut()
	b.signIn("auditor2")
	b.transition(findingURL, "close", "")
	b.state(findingURL, "Selesai")
	timeline := b.text("timeline", `#riwayat`)
	b.run("screenshot", b.shot("finding-closed"))
	for _, want := range []string{"Diterbitkan", "Tindak lanjut ditugaskan", "Bukti dukung diunggah", "Tindak lanjut selesai",
		"Diajukan untuk verifikasi", "Ditolak", "Ditutup (sesuai)",
		"Lampirkan salinan SK"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
	// The reviews and the assessment, where the closed finding no longer
	// counts as open.
	b.run("reviews", chromedp.Navigate(base+"/reviu"), chromedp.WaitVisible(chromedp.CSS(`table.list`)), b.shot("reviews"))
	if got := b.text("the review's assessment", `table.list tbody`); !strings.Contains(got, "Evaluasi SPBE 2024 (2024)") {
		t.Errorf("the review list does not name the assessment:\n%s", got)
	}
	// The auditor scores the indicators the findings named.
	levels := []step{chromedp.Navigate(base + "/penilaian/" + assessmentID), chromedp.WaitVisible(chromedp.CSS(`#I21`))}
	for code, lv := range map[string][2]string{"I21": {"3", "3"}, "I38": {"1", "3"}, "I01": {"2", "3"}, "I10": {"2", "2"}} {
		levels = append(levels, chromedp.SetValue(chromedp.CSS("#level_"+code), lv[0]), chromedp.SetValue(chromedp.CSS("#target_"+code), lv[1]))
	}
	levels = append(levels, chromedp.Click(chromedp.CSS(`form[action$="/tingkat"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)), b.shot("assessment"))
	b.run("assessment levels", levels...)
	b.run("dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`main`)), b.shot("dashboard"))
	// Every control of the main pages has a label, and the page a title
	// and a single h1 (keyboard and screen-reader users find their way).
	b.accessible("/", "/laporan/unit", "/temuan", "/reviu", "/reviu/baru", "/temuan/baru", "/penilaian/baru", "/penilaian/"+assessmentID, findingURL[len(base):])
	// The same pages at a phone's width.
	b.run("narrow", chromedp.EmulateViewport(360, 740), chromedp.Navigate(findingURL), b.shot("finding-360px"),
		chromedp.Navigate(base+"/temuan"), chromedp.WaitVisible(chromedp.CSS(`table.list`)), b.shot("findings-360px"))
}

// TestKalselStoryAcrossTheRegulationChange: the gaps of the 2024 SPBE
// evaluation are still gaps under PermenPANRB 8/2026. Findings of the
// 2024 SPBE assessment on I21 (risk management) and I29–I31 (the three
// audits) are left open or in progress; in 2026 the auditor records the
// Pemdi evaluation in the browser, on the model the form proposes, with
// its four stages as milestones, and scores its 20 indicators as
// decimals with the comma in one form. The assessment page counts the old
// findings on P02 and P09 through the shipped mapping ("melalui I21"), so
// the projected Pemdi index stands above the current one; closing the
// findings through their normal life cycle (assign, upload, complete,
// submit, a second auditor closes) brings the two together.
func TestKalselStoryAcrossTheRegulationChange(t *testing.T) {
	s, b := newStory(t, 4*time.Minute)
	base := s.srv.URL
	doc := evidenceFile(t)
	ctx := context.Background()

	// 2024, through the services: the SPBE evaluation, its review, and
	// four findings left active, two of them in progress.
	spbe, err := framework.NewAssessments(s.db, time.Now).Create(ctx, s.people["auditor"], framework.AssessmentInput{Year: 2024,
		Name: "Evaluasi SPBE 2024", FrameworkCode: "spbe-2020",
		Milestones: []framework.MilestoneInput{{Name: "Penilaian eksternal", Date: "2024-09-16"}}})
	if err != nil {
		t.Fatal(err)
	}
	on := "2024-09-16"
	review, err := s.findings.CreateReview(ctx, s.people["auditor"], finding.ReviewInput{Kind: "spbe_evaluation",
		Title: "Evaluasi SPBE Provinsi Kalimantan Selatan 2024", ConductedOn: &on, AssessmentID: &spbe.ID})
	if err != nil {
		t.Fatal(err)
	}
	type old struct {
		title, indicator, kind string
		inProgress             bool
		url, code              string
	}
	olds := []*old{
		{title: "Belum ada SK tim manajemen risiko SPBE", indicator: "I21", kind: "sk", inProgress: true},
		{title: "Audit infrastruktur SPBE belum dilaksanakan", indicator: "I29", kind: "laporan"},
		{title: "Audit aplikasi SPBE belum dilaksanakan", indicator: "I30", kind: "laporan", inProgress: true},
		{title: "Audit keamanan SPBE belum dilaksanakan", indicator: "I31", kind: "laporan"},
	}
	for _, o := range olds {
		due := "2024-12-31"
		d, err := s.findings.CreateFinding(ctx, s.people["auditor"], finding.FindingInput{ReviewID: review.ID, Title: o.title,
			Condition: "Belum dilaksanakan pada 2024", Recommendation: "Menindaklanjuti sebelum evaluasi berikutnya",
			Severity: finding.Severity("high"), UnitID: &s.unitA, IndicatorCodes: []string{o.indicator}, DueDate: &due})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.findings.Transition(ctx, s.people["auditor"], d.ID, finding.TransitionInput{Verb: finding.Issue, Version: d.Version}); err != nil {
			t.Fatal(err)
		}
		if o.inProgress {
			actionDue := "2025-03-31"
			if _, err := s.findings.CreateAction(ctx, s.people["auditor"], d.ID, finding.ActionInput{Title: "Menindaklanjuti " + o.indicator,
				AssigneeID: s.people["officer"].UserID, DueDate: &actionDue}); err != nil {
				t.Fatal(err)
			}
		}
		o.url, o.code = fmt.Sprintf("%s/temuan/%d", base, d.ID), d.Code
	}

	// 2026, in the browser: the form proposes the current model with its
	// four stages; the auditor dates them.
	b.signIn("auditor")
	stages := []string{"Penilaian Mandiri", "Penilaian Dokumen", "Penilaian Interviu", "Penilaian Visitasi"}
	b.run("open the new form", chromedp.Navigate(base+"/penilaian/baru"), chromedp.WaitVisible(chromedp.CSS(`#milestone_name_3`)))
	if got := get(b, "the model proposed", chromedp.Value(chromedp.CSS(`#framework_code`))); got != "pemdi-2026" {
		t.Errorf("the form proposes %q", got)
	}
	for i, stage := range stages {
		if got := get(b, "a stage", chromedp.Value(chromedp.CSS(fmt.Sprintf(`#milestone_name_%d`, i)))); got != stage {
			t.Errorf("row %d proposes %q, want %q", i+1, got, stage)
		}
	}
	dates := []string{"2026-07-31", "2026-08-28", "2026-09-25", "2026-10-23"}
	create := []step{chromedp.SendKeys(chromedp.CSS(`#year`), "2026"), chromedp.SendKeys(chromedp.CSS(`#name`), "Evaluasi Pemdi 2026")}
	for i, d := range dates {
		create = append(create, chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`#milestone_date_%d`, i)), d))
	}
	create = append(create, b.fullShot("pemdi-assessment-form"), chromedp.Click(chromedp.CSS(`form[action="/penilaian/baru"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	b.run("record the Pemdi assessment", create...)
	assessmentURL := b.location()
	assessmentURL = assessmentURL[:strings.Index(assessmentURL, "?")]
	if got := b.text("milestones", `main ul`); got != "Penilaian Mandiri — Jumat, 31 Juli 2026 Penilaian Dokumen — Jumat, 28 Agustus 2026 "+
		"Penilaian Interviu — Jumat, 25 September 2026 Penilaian Visitasi — Jumat, 23 Oktober 2026" {
		t.Errorf("the milestones: %q", got)
	}

	// One form, decimals with the comma: every indicator at 3,45 (target
	// 3,75), except P02 at 2,10 and P09 at 1,80, both with target 4,00.
	// (From the page without the creation's flash, so that the flash
	// waited for is the save's.)
	scores := []step{chromedp.Navigate(assessmentURL), chromedp.WaitVisible(chromedp.CSS(`#level_P01`))}
	for i := 1; i <= 20; i++ {
		code := fmt.Sprintf("P%02d", i)
		level, target := "3,45", "3,75"
		switch code {
		case "P02":
			level, target = "2,10", "4,00"
		case "P09":
			level, target = "1,80", "4,00"
		}
		scores = append(scores, chromedp.SendKeys(chromedp.CSS("#level_"+code), level), chromedp.SendKeys(chromedp.CSS("#target_"+code), target))
	}
	scores = append(scores, chromedp.Click(chromedp.CSS(`form[action$="/tingkat"] button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	b.run("score the indicators", scores...)
	if got := b.text("flash", `.flash`); got != "Nilai indikator disimpan." {
		t.Errorf("after scoring: %q", got)
	}
	// Weights: P02 5, P09 4, the other 18 indicators 91 together.
	// Now: (3.45·91 + 2.10·5 + 1.80·4) / 100 = 3.3165, published 3.32,
	// Baik (Berkembang). Projected, P02 and P09 at their targets for the
	// findings carried over: (3.45·91 + 4.00·5 + 4.00·4) / 100 = 3.4995,
	// published 3.50: Sangat Baik (Melembaga), read from the rounded value.
	// A1 (P01, P02 of 5 each): 2.775 → 2.78 now, 3.725 → 3.73 projected.
	// A4 (P09 4, P10 4, P11 3, P12 4): (1.80·4 + 3.45·11) / 15 = 3.01
	// now, (4.00·4 + 3.45·11) / 15 = 3.5967 → 3.60 projected.
	index := func(want map[string]string) {
		t.Helper()
		for id, w := range want {
			if got := b.text("index "+id, "#"+id); got != w {
				t.Errorf("%s: %q, want %q", id, got, w)
			}
		}
	}
	index(map[string]string{
		"indeks":    "Indeks keseluruhan 3,32 Baik (Berkembang) 3,50 Sangat Baik (Melembaga)",
		"indeks-A1": "Tata Kelola dan Manajemen 2,78 3,73",
		"indeks-A4": "Keamanan Pemdi 3,01 3,60",
		"indeks-A2": "Penyelenggara 3,45 3,45",
	})
	// The old findings, each at the indicator it counts on, with the code
	// it came through.
	p02, p09 := b.text("P02", "#P02"), b.text("P09", "#P09")
	if want := olds[0].code + " " + olds[0].title + " melalui I21"; !strings.Contains(p02, want) {
		t.Errorf("P02 lacks %q: %q", want, p02)
	}
	for _, o := range olds[1:] {
		if want := o.code + " " + o.title + " melalui " + o.indicator; !strings.Contains(p09, want) {
			t.Errorf("P09 lacks %q: %q", want, p09)
		}
	}
	if got := b.text("P01", "#P01"); strings.Contains(got, "TL-") {
		t.Errorf("P01 lists a finding: %q", got)
	}
	b.run("the assessment before", chromedp.Navigate(assessmentURL), chromedp.WaitVisible(chromedp.CSS(`#P09`)),
		b.fullShot("pemdi-assessment-before"))
	b.signOut()

	// The follow-up, as every finding goes: the manager assigns the open
	// ones, the officer uploads the evidence and completes, the manager
	// submits, and a second auditor closes.
	b.signIn("manager")
	for _, o := range olds {
		if o.inProgress {
			continue
		}
		b.run("assign "+o.indicator, chromedp.Navigate(o.url),
			chromedp.Click(chromedp.CSS(`details summary`)),
			chromedp.SendKeys(chromedp.CSS(`#a-title`), "Melaksanakan "+strings.ToLower(o.title[:strings.Index(o.title, " belum")])),
			chromedp.SetValue(chromedp.CSS(`#a-assignee`), fmt.Sprint(s.people["officer"].UserID)),
			chromedp.SetValue(chromedp.CSS(`#a-due`), "2026-08-31"),
			chromedp.Click(chromedp.CSS(`form[action$="/tindak-lanjut"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		b.state(o.url, "Dalam proses")
	}
	b.signOut()
	b.signIn("officer")
	for _, o := range olds {
		b.uploadAndComplete(o.url, o.kind, "Bukti tindak lanjut "+o.indicator, doc)
	}
	b.signOut()
	b.signIn("manager")
	for _, o := range olds {
		b.transition(o.url, "submit", "")
	}
	b.signOut()
	b.signIn("auditor2")
	for _, o := range olds {
		b.transition(o.url, "close", "")
		b.state(o.url, "Selesai")
	}
	b.signOut()

	// Nothing is left to follow up: projected and current are one.
	b.signIn("auditor")
	b.run("the assessment after", chromedp.Navigate(assessmentURL), chromedp.WaitVisible(chromedp.CSS(`#P09`)),
		b.fullShot("pemdi-assessment-after"))
	index(map[string]string{
		"indeks":    "Indeks keseluruhan 3,32 Baik (Berkembang) 3,32 Baik (Berkembang)",
		"indeks-A1": "Tata Kelola dan Manajemen 2,78 2,78",
		"indeks-A4": "Keamanan Pemdi 3,01 3,01",
	})
	if p02, p09 := b.text("P02", "#P02"), b.text("P09", "#P09"); strings.Contains(p02, "TL-") || strings.Contains(p09, "TL-") {
		t.Errorf("closed findings still listed: %q, %q", p02, p09)
	}
	b.run("dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#indeks-saat-ini`)), b.shot("pemdi-dashboard"))
	if got := b.text("the dashboard's index", `#h-indeks + p`); got != "Evaluasi Pemdi 2026: saat ini 3,32 Baik (Berkembang) · proyeksi 3,32 Baik (Berkembang)" {
		t.Errorf("the dashboard's index: %q", got)
	}
	b.signOut()

	// The admin reads the models and the mapping that carried the
	// findings over.
	b.signIn("admin")
	b.run("models", chromedp.Navigate(base+"/admin/model"), chromedp.WaitVisible(chromedp.CSS(`#model-pemdi-2026 .note`)),
		b.fullShot("models-admin"))
	if got := b.text("the source note", `#model-pemdi-2026 .note`); !strings.Contains(got, "Compiled from secondary summaries") {
		t.Errorf("the source note of pemdi-2026: %q", got)
	}
	b.run("mapping", chromedp.Click(chromedp.CSS(`a[href="/admin/pemetaan/spbe-2020/pemdi-2026"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#pasangan-I21`)), b.fullShot("mapping-admin"))
	if got := b.text("I21's pair", `#pasangan-I21`); !strings.HasPrefix(got, "I21 Tingkat Kematangan Penerapan Manajemen Risiko SPBE P02 ") {
		t.Errorf("I21's pair: %q", got)
	}
	b.accessible("/penilaian/baru", assessmentURL[len(base):], "/penilaian", "/admin/model", "/admin/pemetaan/spbe-2020/pemdi-2026")
}

// unlabeledJS lists what a page lacks for keyboard and screen-reader
// users: form controls without a label, images and charts without a text,
// and a page without exactly one h1 or a title.
const unlabeledJS = `(() => {
	const out = [];
	for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
		if (el.labels.length === 0 && !el.getAttribute("aria-label") && !el.closest("label")) {
			out.push("unlabelled " + el.tagName.toLowerCase() + " " + (el.name || el.id));
		}
	}
	for (const el of document.querySelectorAll("img:not([alt]), svg:not([aria-hidden=true])")) {
		if (!el.getAttribute("aria-label") && !el.querySelector("title")) {
			out.push("a picture without a text");
		}
	}
	for (const el of document.querySelectorAll("button")) {
		if (!el.textContent.trim() && !el.getAttribute("aria-label")) {
			out.push("a button without a text");
		}
	}
	const h1 = document.querySelectorAll("h1").length;
	if (h1 !== 1) out.push(h1 + " h1 headings");
	if (!document.title.trim()) out.push("no title");
	return out;
})()`
