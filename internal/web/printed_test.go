package web_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

func TestMatrixPDFLink(t *testing.T) {
	s := newSite(t)
	s.issued("SK tim manajemen risiko belum ditetapkan", s.unitA, "officer")
	b := s.browser()
	b.signIn("auditor")
	_, page, _ := b.get("/temuan?state=open")
	m := regexp.MustCompile(`<a href="([^"]+format=pdf[^"]*)" download>Cetak PDF</a>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no PDF link:\n%.2000s", page)
	}
	status, pdf, h := b.get(html.UnescapeString(m[1]))
	if status != 200 || h.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") {
		t.Errorf("PDF: %d %s", status, h.Get("Content-Type"))
	}
}
