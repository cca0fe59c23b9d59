package email

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"grantflow/internal/config"
	"grantflow/internal/i18n"
)

var testFrom = mail.Address{Name: "GrantFlow 公益创投", Address: "noreply@grants.example.gov.cn"}

// parsed is a built message read back the way a mail reader reads it.
type parsed struct {
	header     mail.Header
	subject    string
	text, html string
	raw        string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Fatalf("line %d is %d characters long", i, len(line))
		}
		if strings.ContainsRune(line, '\n') {
			t.Fatalf("a bare LF in line %d", i)
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	p := parsed{header: m.Header, raw: string(raw)}
	dec := new(mime.WordDecoder)
	if p.subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	r := multipart.NewReader(m.Body, params["boundary"])
	var types []string
	for {
		part, err := r.NextPart() // decodes quoted-printable
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(part)
		ct := part.Header.Get("Content-Type")
		types = append(types, ct)
		switch ct {
		case "text/plain; charset=UTF-8":
			p.text = string(b)
		case "text/html; charset=UTF-8":
			p.html = string(b)
		}
	}
	if strings.Join(types, ",") != "text/plain; charset=UTF-8,text/html; charset=UTF-8" {
		t.Fatalf("parts %v: want plain text, then HTML (the last is preferred)", types)
	}
	return p
}

func TestBuildChineseMessage(t *testing.T) {
	subject := "【GrantFlow】评分提醒：河西区“银龄互助”居家养老服务项目的评分将于两个工作日内截止，请尽快完成"
	m := Message{Key: Key(42, "Zhang.San@Example.org"), To: mail.Address{Name: "张三", Address: "zhang.san@example.org"},
		Content: Content{Subject: subject, Text: "您好：\n请为投标打分。\nhttps://grants.example.gov.cn/calls/c1/panel/score", HTML: "<p>请为投标<b>打分</b>。</p>"}}
	now := time.Date(2026, 3, 2, 9, 30, 0, 0, time.FixedZone("CST", 8*3600))
	raw, err := Build(testFrom, m, now)
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	if p.subject != subject {
		t.Fatalf("subject %q, want %q", p.subject, subject)
	}
	// the raw header is ASCII: encoded words, each line short
	for _, h := range []string{"Subject", "From", "To"} {
		for _, r := range p.header.Get(h) {
			if r > 127 {
				t.Fatalf("%s header not encoded: %q", h, p.header.Get(h))
			}
		}
	}
	head, _, _ := strings.Cut(p.raw, "\r\n\r\n")
	for _, line := range strings.Split(head, "\r\n") {
		if len(line) > 78 && !strings.HasPrefix(line, "Content-Type:") {
			t.Errorf("header line of %d characters: %q", len(line), line)
		}
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != testFrom.Name || from[0].Address != testFrom.Address {
		t.Fatalf("From %v %v", from, err)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "张三" || to[0].Address != "zhang.san@example.org" {
		t.Fatalf("To %v %v", to, err)
	}
	if p.text != strings.ReplaceAll(m.Text, "\n", "\r\n") || p.html != m.HTML {
		t.Fatalf("bodies:\n%q\n%q", p.text, p.html)
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(now) {
		t.Fatalf("Date %v %v", d, err)
	}
	if got := p.header.Get("MIME-Version"); got != "1.0" {
		t.Fatalf("MIME-Version %q", got)
	}
	if got := p.header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Fatalf("Auto-Submitted %q", got)
	}
	id := p.header.Get("Message-ID")
	if id != MessageID(m.Key, "grants.example.gov.cn") || !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@grants.example.gov.cn>") {
		t.Fatalf("Message-ID %q", id)
	}

	// The same delivery built again later: the same Message-ID. Another
	// notice, or another recipient: another.
	again, _ := Build(testFrom, m, now.Add(time.Hour))
	if got := parse(t, again).header.Get("Message-ID"); got != id {
		t.Fatalf("resend has Message-ID %s, first %s", got, id)
	}
	if Key(42, " zhang.san@example.org") != m.Key {
		t.Fatal("the key depends on the address's case or spaces")
	}
	for _, k := range []string{Key(43, "zhang.san@example.org"), Key(42, "li.si@example.org")} {
		if MessageID(k, "grants.example.gov.cn") == id {
			t.Fatalf("%s has the Message-ID of %s", k, m.Key)
		}
	}
}

func TestBuildRefusesIncompleteMessages(t *testing.T) {
	good := Message{Key: "k", To: mail.Address{Address: "a@example.org"}, Content: Content{Subject: "s", Text: "t", HTML: "<p>h</p>"}}
	for name, change := range map[string]func(*Message){
		"no key":            func(m *Message) { m.Key = "" },
		"no recipient":      func(m *Message) { m.To.Address = "" },
		"no subject":        func(m *Message) { m.Subject = " " },
		"no text":           func(m *Message) { m.Text = "" },
		"no HTML":           func(m *Message) { m.HTML = "" },
		"header injection":  func(m *Message) { m.Subject = "通知\r\nBcc: x@example.org" },
		"name with newline": func(m *Message) { m.To.Name = "张三\nBcc: x@example.org" },
	} {
		m := good
		change(&m)
		if _, err := Build(testFrom, m, time.Now()); err == nil {
			t.Errorf("%s: built", name)
		}
	}
	if _, err := Build(testFrom, good, time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestNoticeBodies(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	link := "https://grants.example.gov.cn/calls/c1/bids/b2/score?round=1&x=<y>"
	n := Notice{Lang: i18n.Chinese, Name: "李<四>", Title: "评分提醒", Text: "请在两个工作日内为投标打分。", Link: link, Action: "打开评分表",
		Deadline: time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)}
	c, err := n.Render(cat)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "【GrantFlow】评分提醒" {
		t.Fatalf("subject %q", c.Subject)
	}
	// plain text: readable alone, the link in full, the deadline in Beijing time
	for _, want := range []string{"李<四>，您好：", "请在两个工作日内为投标打分。", "打开评分表：\n" + link, "办理期限：2026年3月4日 17:00"} {
		if !strings.Contains(c.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, c.Text)
		}
	}
	if strings.Contains(c.Text, "&lt;") || strings.Contains(c.Text, "<p>") {
		t.Errorf("the plain text carries HTML:\n%s", c.Text)
	}
	// HTML: values escaped, the link a link
	for _, want := range []string{`lang="zh-CN"`, "李&lt;四&gt;，您好：", `href="https://grants.example.gov.cn/calls/c1/bids/b2/score?round=1&amp;x=%3cy%3e"`, ">打开评分表</a>"} {
		if !strings.Contains(c.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, c.HTML)
		}
	}
	if strings.Contains(c.HTML, "李<四>") {
		t.Errorf("HTML does not escape the name:\n%s", c.HTML)
	}

	// English, for a person who chose it: the Chinese text translated
	n.Lang, n.Text, n.Action, n.Title = i18n.English, "专家抽取", "", "专家抽取"
	c, err = n.Render(cat)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Dear 李<四>,", "Expert draw", "View details:\n" + link, "Due by: 4 Mar 2026 17:00"} {
		if !strings.Contains(c.Text, want) {
			t.Errorf("English text lacks %q:\n%s", want, c.Text)
		}
	}
	if c.Subject != "[GrantFlow] Expert draw" || !strings.Contains(c.HTML, `lang="en"`) || !strings.Contains(c.HTML, ">View details</a>") {
		t.Errorf("English: %q\n%s", c.Subject, c.HTML)
	}
	if _, err := (Notice{Text: "x", Link: "/calls/c1"}).Render(cat); err == nil {
		t.Error("a relative link rendered")
	}
}

func TestDrawInviteBodies(t *testing.T) {
	d := DrawInvite{Lang: i18n.Chinese, Name: "王五", Call: "河西区助老服务项目", Panel: "评审专家组",
		Confirm: "https://grants.example.gov.cn/draw/t0k3n/confirm", Decline: "https://grants.example.gov.cn/draw/t0k3n/decline",
		Expires: time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC), ReplyCode: "7341"}
	c, err := d.Render(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"王五，您好：", "“河西区助老服务项目”的评审专家组", "2026年3月2日 11:00", "确认参加：\n" + d.Confirm, d.Decline, "答复码 7341"} {
		if !strings.Contains(c.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, c.Text)
		}
	}
	if !strings.Contains(c.HTML, `href="`+d.Confirm+`"`) || c.Subject != "【GrantFlow】专家抽取通知：请确认是否参加" {
		t.Errorf("%q\n%s", c.Subject, c.HTML)
	}
	if _, err := (DrawInvite{Confirm: d.Confirm, Decline: d.Decline}).Render(nil); err == nil {
		t.Error("an invitation without its expiry rendered")
	}
}

func TestErrorsClassified(t *testing.T) {
	for _, tc := range []struct {
		step      string
		err       error
		retryable bool
		refused   bool
	}{
		{"rcpt", &textproto.Error{Code: 550, Msg: "5.1.1 mailbox unavailable"}, false, true},
		{"rcpt", &textproto.Error{Code: 452, Msg: "4.2.2 mailbox full"}, true, false},
		{"mail", &textproto.Error{Code: 421, Msg: "service not available"}, true, false},
		{"auth", &textproto.Error{Code: 535, Msg: "authentication failed"}, false, false},
		{"connect", errors.New("dial tcp 127.0.0.1:1: connection refused"), true, false},
	} {
		err := classify(tc.step, tc.err)
		var e *Error
		if !errors.As(err, &e) || Retryable(err) != tc.retryable || e.Refused != tc.refused {
			t.Errorf("%s %v: retryable %v refused %v, want %v %v", tc.step, tc.err, Retryable(err), e != nil && e.Refused, tc.retryable, tc.refused)
		}
	}
}

func TestNewRefusesPlainTextToARemoteRelay(t *testing.T) {
	base := config.SMTP{Host: "smtp.example.org", Port: 587, From: "GrantFlow <noreply@example.org>", TLS: config.SMTPNoTLS}
	if _, err := New(base); err == nil {
		t.Fatal("TLS none to a remote relay accepted")
	}
	base.Host = "127.0.0.1"
	if _, err := New(base); err != nil {
		t.Fatal(err)
	}
	base.TLS = "ssl"
	if _, err := New(base); err == nil {
		t.Fatal("an unknown TLS mode accepted")
	}
}
