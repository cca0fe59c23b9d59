package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"

	"grantflow/internal/i18n"
)

// Each kind of email has a pair of templates per language in templates/:
// <kind>.<lang>.txt (text/template, the plain-text body, readable on its
// own) and <kind>.<lang>.html (html/template, which escapes every value).

//go:embed templates
var files embed.FS

var (
	textTemplates = texttemplate.Must(texttemplate.ParseFS(files, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(files, "templates/*.html"))
)

// Beijing is the time zone every date in an email is written in.
var beijing = time.FixedZone("CST", 8*3600)

// Notice is an in-app notice as an email: who it is for, what it says and
// the deep link to the exact object and action (the score sheet, the
// tranche), never a parent page.
type Notice struct {
	Lang  i18n.Lang // the person's language: Chinese unless they chose English
	Name  string    // how the person is addressed
	Title string    // the subject line, short
	Text  string    // the notice's text
	// Link is the absolute deep link; Action its label ("打开评分表").
	Link   string
	Action string
	// Deadline, when set, is written out in the person's language.
	Deadline time.Time
}

// Render writes the notice in n.Lang. With a catalogue, English is
// translated from the Chinese title, text and action (as the web pages
// are); a text without an English entry stays as written.
func (n Notice) Render(cat *i18n.Catalogue) (Content, error) {
	if err := checkLink(n.Link); err != nil {
		return Content{}, err
	}
	tr := translator(cat, n.Lang)
	action := n.Action
	if action == "" {
		action = "查看详情"
	}
	view := map[string]string{
		"Name": n.Name, "Text": tr(n.Text), "Link": n.Link, "Action": tr(action),
		"Subject": subject(n.Lang, tr(n.Title)),
	}
	if !n.Deadline.IsZero() {
		view["Deadline"] = n.Lang.DateTime(n.Deadline.In(beijing))
	}
	return render("notice", n.Lang, view)
}

// DrawInvite asks a drawn expert to confirm or decline. It names the call
// and the panel, never the other experts.
type DrawInvite struct {
	Lang  i18n.Lang
	Name  string
	Call  string // the call's title
	Panel string // "评审专家组" (the bid panel), "评估专家组" (an evaluation round)
	// Confirm and Decline are the one-time links; Expires when they stop
	// working (the draw moves on).
	Confirm, Decline string
	Expires          time.Time
	// ReplyCode, when the SMS provider takes replies.
	ReplyCode string
}

// Render writes the invitation in d.Lang.
func (d DrawInvite) Render(cat *i18n.Catalogue) (Content, error) {
	for _, l := range []string{d.Confirm, d.Decline} {
		if err := checkLink(l); err != nil {
			return Content{}, err
		}
	}
	if d.Expires.IsZero() {
		return Content{}, fmt.Errorf("email: a draw invitation needs the time its links expire")
	}
	tr := translator(cat, d.Lang)
	title := "专家抽取通知：请确认是否参加"
	return render("draw", d.Lang, map[string]string{
		"Name": d.Name, "Call": d.Call, "Panel": tr(d.Panel), "Confirm": d.Confirm, "Decline": d.Decline,
		"Expires": d.Lang.DateTime(d.Expires.In(beijing)), "ReplyCode": d.ReplyCode,
		"Subject": subject(d.Lang, tr(title)),
	})
}

func translator(cat *i18n.Catalogue, l i18n.Lang) func(string) string {
	return func(s string) string {
		if cat == nil || l != i18n.English || s == "" {
			return s
		}
		return cat.T(l, s)
	}
}

func subject(l i18n.Lang, title string) string {
	if l == i18n.English {
		return "[GrantFlow] " + title
	}
	return "【GrantFlow】" + title
}

// checkLink refuses a link a mail reader could not open: it must be an
// absolute http(s) URL.
func checkLink(link string) error {
	u, err := url.Parse(link)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("email: the link %q must be an absolute http(s) URL (GRANTFLOW_WEB_URL and the object's path)", link)
	}
	return nil
}

func render(kind string, l i18n.Lang, view map[string]string) (Content, error) {
	lang := "zh"
	if l == i18n.English {
		lang = "en"
	}
	name := kind + "." + lang
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt", view); err != nil {
		return Content{}, err
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html", view); err != nil {
		return Content{}, err
	}
	return Content{Subject: view["Subject"], Text: strings.TrimSpace(text.String()) + "\n", HTML: html.String()}, nil
}
