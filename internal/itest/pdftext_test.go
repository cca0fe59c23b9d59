package itest

import (
	"html"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A call whose title holds characters beyond the fonts (CJK Extension B,
// as in real names and places; an emoji) used to stop for good: the notice
// rendering panicked inside fpdf on every attempt and the page said "being
// generated" forever. Now the notice renders with 〓 in their place and a
// note naming them, the call page says which characters the PDF could not
// draw, and the call goes on to submission.
func TestCallNoticeWithCharactersTheFontsLack(t *testing.T) {
	h := newHarness(t)
	title := "𠀀家村（𪚥）失能老人照护者培训😀"
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": title, "brand": "cuncaoxin", "district": "河西区", "budget_fen": 300000_00}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	var c struct{ ID string }
	r.json(t, &c)
	eventuallyWithin(t, 60*time.Second, "the notice", func() bool {
		return strings.Contains(string(h.api("hexi", "GET", "/api/v1/calls/"+c.ID, nil, nil).body), `"notice_ready":true`)
	})
	pdf := h.api("hexi", "GET", "/api/v1/calls/"+c.ID+"/notice.pdf", nil, nil)
	mustStatus(t, pdf, http.StatusOK, "the notice")
	text := strings.Join(strings.Fields(pdfText(t, pdf.body)), "")
	for _, want := range []string{"〓家村（〓）失能老人照护者培训〓", "U+20000", "U+2A6A5", "U+1F600"} {
		if !strings.Contains(text, want) {
			t.Errorf("the notice lacks %q:\n%.500s", want, text)
		}
	}
	page := html.UnescapeString(h.webPage("hexi", "/calls/"+c.ID))
	if !strings.Contains(page, "𠀀（U+20000）、𪚥（U+2A6A5）、😀（U+1F600）") {
		i := strings.Index(page, "id=\"notice\"")
		t.Errorf("the call page does not name the characters the PDF lacks: %.800s", page[max(i, 0):])
	}
	mustStatus(t, h.api("hexi", "POST", "/api/v1/calls/"+c.ID+"/submit", nil, key()), http.StatusOK, "submit")
}
