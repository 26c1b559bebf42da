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

// TestKalselStoryInBrowser walks the story through the pages, as each
// role, in headless Chromium: the auditor records a review and a finding
// and issues it, the manager assigns the officer, the officer uploads the
// SK and completes, the manager submits, the auditor rejects with a
// reason, the manager submits again and a second auditor closes.
func TestKalselStoryInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	exe := chromium(t)
	s := newSite(t)
	shots := screenshots(t)
	sk := filepath.Join(t.TempDir(), "SK Gubernur Tim Manajemen Risiko.pdf")
	if err := os.WriteFile(sk, evidencetest.PDF("Keputusan Gubernur Kalimantan Selatan", 20<<10), 0o600); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 1000))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	defer cancelTimeout()

	base := s.srv.URL
	type step = chromedp.Action[chromedp.Void]
	fail := func(what string, err error) {
		t.Helper()
		url, _ := chromedp.Run(ctx, chromedp.Location())
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		t.Fatalf("%s: %v (at %s)\n%.1500s", what, err, url, body)
	}
	// Each group of steps has 20 seconds, so that a page that is not what
	// a step waits for fails with that page shown, not at the deadline.
	run := func(what string, steps ...step) {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- chromedp.Do(ctx, steps...) }()
		select {
		case err := <-done:
			if err != nil {
				fail(what, err)
			}
		case <-time.After(20 * time.Second):
			fail(what, errors.New("not done after 20 s"))
		}
	}
	text := func(what, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			fail(what, err)
		}
		return s
	}
	// shot saves a picture of the page as a test artifact. Pictures are
	// not assertions: one that cannot be taken in 10 seconds (a headless
	// frame that never comes, under load) is logged and skipped.
	shot := func(name string) step {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			type result struct {
				png []byte
				err error
			}
			done := make(chan result, 1)
			go func() {
				png, err := chromedp.CaptureScreenshot()(ctx, tg)
				done <- result{png, err}
			}()
			select {
			case r := <-done:
				if r.err != nil {
					t.Logf("screenshot %s: %v", name, r.err)
					return nil
				}
				return os.WriteFile(filepath.Join(shots, name+".png"), r.png, 0o644)
			case <-time.After(10 * time.Second):
				t.Logf("screenshot %s: not taken in 10 s", name)
				return nil
			}
		})
	}
	signIn := func(who string) {
		t.Helper()
		run("sign in as "+who,
			chromedp.Navigate(base+"/masuk"),
			chromedp.WaitVisible(chromedp.CSS(`#email`)),
			chromedp.SendKeys(chromedp.CSS(`#email`), who+"@kalselprov.go.id"),
			chromedp.SendKeys(chromedp.CSS(`#password`), password),
			chromedp.Click(chromedp.CSS(`form[action="/masuk"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`form.filters`)),
		)
	}
	signOut := func() {
		t.Helper()
		run("sign out", chromedp.Click(chromedp.CSS(`form[action="/keluar"] button`)), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	}
	var findingURL string
	state := func(want string) {
		t.Helper()
		run("open the finding", chromedp.Navigate(findingURL))
		badge := text("read the state", `main p .badge`)
		if badge != want {
			t.Fatalf("state %q; want %q", badge, want)
		}
	}
	transition := func(verb, reason string) {
		t.Helper()
		actions := []step{chromedp.Navigate(findingURL), chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`button[value=%q]`, verb)))}
		if reason != "" {
			actions = append(actions, chromedp.SendKeys(chromedp.CSS("#reason-"+verb), reason))
		}
		actions = append(actions, chromedp.Click(chromedp.CSS(fmt.Sprintf(`button[value=%q]`, verb))),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)))
		run(verb, actions...)
	}

	// The auditor records the year's SPBE assessment, the review of it,
	// and the finding, and issues it.
	signIn("auditor")
	run("record the assessment", chromedp.Navigate(base+"/penilaian/baru"),
		chromedp.SendKeys(chromedp.CSS(`#year`), "2024"),
		chromedp.SendKeys(chromedp.CSS(`#name`), "Evaluasi SPBE 2024"),
		chromedp.SendKeys(chromedp.CSS(`#milestone_name_0`), "Penilaian eksternal"),
		chromedp.SetValue(chromedp.CSS(`#milestone_date_0`), "2024-09-16"),
		shot("assessment-form"),
		chromedp.Click(chromedp.CSS(`form[action="/penilaian/baru"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	assessmentURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	assessmentID := assessmentURL[strings.LastIndex(assessmentURL, "/")+1 : strings.Index(assessmentURL, "?")]
	run("record a review", chromedp.Navigate(base+"/reviu/baru"),
		chromedp.SetValue(chromedp.CSS(`#kind`), "spbe_evaluation"),
		chromedp.SendKeys(chromedp.CSS(`#title`), "Evaluasi SPBE Provinsi Kalimantan Selatan 2024"),
		chromedp.SetValue(chromedp.CSS(`#conducted_on`), "2024-09-16"),
		chromedp.SetValue(chromedp.CSS(`#assessment_id`), assessmentID),
		shot("review-form"),
		chromedp.Click(chromedp.CSS(`form[action="/reviu/baru"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#review_id`)))
	run("record a finding",
		chromedp.SendKeys(chromedp.CSS(`#title`), "Belum ada SK tim manajemen risiko SPBE"),
		chromedp.SendKeys(chromedp.CSS(`#condition`), "Pemerintah provinsi belum menetapkan tim manajemen risiko SPBE."),
		chromedp.SendKeys(chromedp.CSS(`#recommendation`), "Menetapkan SK Gubernur tentang tim manajemen risiko SPBE."),
		chromedp.SetValue(chromedp.CSS(`#severity`), "high"),
		chromedp.SetValue(chromedp.CSS(`#unit_id`), fmt.Sprint(s.unitA)),
		chromedp.SendKeys(chromedp.CSS(`#indicator_codes`), "I21, I38"),
		chromedp.SetValue(chromedp.CSS(`#due_date`), "2024-09-30"),
		shot("finding-form"),
		chromedp.Click(chromedp.CSS(`form[action="/temuan/baru"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value="issue"]`)))
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	findingURL = url
	transition("issue", "")
	state("Terbuka")
	signOut()

	// The manager assigns the officer, asking for an SK.
	signIn("manager")
	run("assign", chromedp.Navigate(findingURL),
		chromedp.Click(chromedp.CSS(`details summary`)),
		chromedp.SendKeys(chromedp.CSS(`#a-title`), "Menyusun dan menetapkan SK tim manajemen risiko"),
		chromedp.SetValue(chromedp.CSS(`#a-assignee`), fmt.Sprint(s.people["officer"].UserID)),
		chromedp.SetValue(chromedp.CSS(`#a-due`), "2024-09-20"),
		chromedp.Click(chromedp.CSS(`input[name=required_artifact_kinds][value=sk]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/tindak-lanjut"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	state("Dalam proses")
	signOut()

	// The officer uploads the SK and completes the action.
	signIn("officer")
	run("upload the SK", chromedp.Navigate(findingURL),
		chromedp.Click(chromedp.CSS(`section.card details summary`)),
		chromedp.SetValue(chromedp.CSS(`select[name=kind]`), "sk"),
		chromedp.SendKeys(chromedp.CSS(`section.card input[name=title]`), "SK Gubernur Kalimantan Selatan tentang Tim Manajemen Risiko SPBE"),
		chromedp.SendKeys(chromedp.CSS(`input[name=doc_number]`), "188.44/0123/KUM/2024"),
		chromedp.SetValue(chromedp.CSS(`input[name=doc_date]`), "2024-09-18"),
		chromedp.SendKeys(chromedp.CSS(`input[name=signer]`), "Gubernur Kalimantan Selatan"),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type=file]`), []string{sk}),
		chromedp.Click(chromedp.CSS(`form[enctype="multipart/form-data"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/bukti/"]`)))
	run("complete", chromedp.SendKeys(chromedp.CSS(`textarea[name=note]`), "SK telah ditetapkan dan diunggah"),
		chromedp.Click(chromedp.CSS(`form[action$="/selesai"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)), shot("finding-officer"))
	signOut()

	// The manager submits; the auditor rejects with a reason.
	signIn("manager")
	transition("submit", "")
	state("Menunggu verifikasi")
	signOut()
	signIn("auditor")
	transition("reject", "Lampirkan salinan SK yang sudah ditandatangani dan diundangkan")
	state("Dalam proses")
	run("list", chromedp.Navigate(base+"/temuan"), chromedp.WaitVisible(chromedp.CSS(`table.list`)), shot("findings-list"))
	signOut()

	// Submitted again, and closed by a second auditor (not the submitter).
	signIn("manager")
	transition("submit", "")
	signOut()
	signIn("auditor2")
	transition("close", "")
	state("Selesai")
	timeline := text("timeline", `#riwayat`)
	run("screenshot", shot("finding-closed"))
	for _, want := range []string{"Diterbitkan", "Tindak lanjut ditugaskan", "Bukti dukung diunggah", "Tindak lanjut selesai",
		"Diajukan untuk verifikasi", "Ditolak", "Ditutup (sesuai)",
		"Lampirkan salinan SK"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
	// The reviews and the assessment, where the closed finding no longer
	// counts as open.
	run("reviews", chromedp.Navigate(base+"/reviu"), chromedp.WaitVisible(chromedp.CSS(`table.list`)), shot("reviews"))
	if got := text("the review's assessment", `table.list tbody`); !strings.Contains(got, "Evaluasi SPBE 2024 (2024)") {
		t.Errorf("the review list does not name the assessment:\n%s", got)
	}
	// The auditor scores the indicators the findings named.
	levels := []step{chromedp.Navigate(base + "/penilaian/" + assessmentID), chromedp.WaitVisible(chromedp.CSS(`#I21`))}
	for code, lv := range map[string][2]string{"I21": {"3", "3"}, "I38": {"1", "3"}, "I01": {"2", "3"}, "I10": {"2", "2"}} {
		levels = append(levels, chromedp.SetValue(chromedp.CSS("#level_"+code), lv[0]), chromedp.SetValue(chromedp.CSS("#target_"+code), lv[1]))
	}
	levels = append(levels, chromedp.Click(chromedp.CSS(`form[action$="/tingkat"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)), shot("assessment"))
	run("assessment levels", levels...)
	run("dashboard", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`main`)), shot("dashboard"))
	// Every control of the main pages has a label, and the page a title
	// and a single h1 (keyboard and screen-reader users find their way).
	for _, path := range []string{"/", "/temuan", "/reviu", "/reviu/baru", "/temuan/baru", "/penilaian/baru",
		"/penilaian/" + assessmentID, findingURL[len(base):]} {
		run("open "+path, chromedp.Navigate(base+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
		problems, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](unlabeledJS))
		if err != nil {
			fail("accessibility of "+path, err)
		}
		if len(problems) > 0 {
			t.Errorf("%s: %s", path, strings.Join(problems, "; "))
		}
	}
	// The same pages at a phone's width.
	run("narrow", chromedp.EmulateViewport(360, 740), chromedp.Navigate(findingURL), shot("finding-360px"),
		chromedp.Navigate(base+"/temuan"), chromedp.WaitVisible(chromedp.CSS(`table.list`)), shot("findings-360px"))
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
