// Package email sends GrantFlow's notices as email over SMTP: a
// multipart/alternative message with a plain-text and an HTML body in
// UTF-8, its subject encoded for any mail reader (RFC 2047), and a
// Message-ID derived from the delivery's idempotency key, so that a resend
// of the same notice to the same person over email carries the same
// Message-ID and mail systems see one message. Sender speaks SMTP with
// STARTTLS or implicit TLS and PLAIN or LOGIN authentication; its errors
// say whether a retry can help (Retryable).
package email

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Content is what a message says: its subject and both bodies. The plain
// text reads on its own (the deep link written out in full).
type Content struct {
	Subject string
	Text    string
	HTML    string
}

// Message is one email to one person.
type Message struct {
	// Key identifies the delivery — one notice, over email, to one
	// recipient (Key builds it) — and makes the Message-ID.
	Key string
	To  mail.Address
	Content
}

// Key is the idempotency key of a notice's email to a recipient: the same
// (notice, channel, recipient) always gives the same key.
func Key(noticeID int64, recipient string) string {
	return fmt.Sprintf("notice/%d/email/%s", noticeID, strings.ToLower(strings.TrimSpace(recipient)))
}

// MessageID is the Message-ID (with its angle brackets) of the delivery
// key, in the sender's domain.
func MessageID(key, domain string) string {
	sum := sha256.Sum256([]byte("grantflow-email\x00" + key))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// domainOf is the domain of an address (what follows its last @).
func domainOf(addr string) string {
	return addr[strings.LastIndex(addr, "@")+1:]
}

// Build renders m from the sender as an RFC 5322 message with CRLF line
// ends, dated now.
func Build(from mail.Address, m Message, now time.Time) ([]byte, error) {
	if m.Key == "" {
		return nil, errors.New("email: a message needs its delivery key (its Message-ID is made from it)")
	}
	if !strings.Contains(from.Address, "@") || !strings.Contains(m.To.Address, "@") {
		return nil, fmt.Errorf("email: sender %q and recipient %q must be addresses", from.Address, m.To.Address)
	}
	if strings.TrimSpace(m.Subject) == "" || strings.TrimSpace(m.Text) == "" || strings.TrimSpace(m.HTML) == "" {
		return nil, errors.New("email: a message needs a subject, a plain-text and an HTML body")
	}
	for _, s := range []string{m.Subject, m.To.Name, from.Name, m.To.Address, from.Address} {
		if strings.ContainsAny(s, "\r\n") {
			return nil, errors.New("email: a header value must not contain a line break")
		}
	}
	var buf bytes.Buffer
	body := multipart.NewWriter(&buf)
	h := []string{
		"From:" + fold(from.String()),
		"To:" + fold(m.To.String()),
		"Subject:" + fold(encodeHeader(m.Subject)),
		"Date: " + now.Format(time.RFC1123Z),
		"Message-ID: " + MessageID(m.Key, domainOf(from.Address)),
		"MIME-Version: 1.0",
		// RFC 3834: no auto-replies (out-of-office) to a notice
		"Auto-Submitted: auto-generated",
		fmt.Sprintf("Content-Type: multipart/alternative; boundary=%q", body.Boundary()),
	}
	var out bytes.Buffer
	out.WriteString(strings.Join(h, "\r\n") + "\r\n\r\n")
	for _, part := range []struct{ typ, text string }{{"text/plain", m.Text}, {"text/html", m.HTML}} {
		w, err := body.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.typ + "; charset=UTF-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(crlf(part.text))); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
	}
	if err := body.Close(); err != nil {
		return nil, err
	}
	out.Write(buf.Bytes())
	return out.Bytes(), nil
}

// encodeHeader encodes a header value that is not plain ASCII as RFC 2047
// encoded words (base64, UTF-8).
func encodeHeader(s string) string {
	ascii := true
	for _, r := range s {
		if r >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	// mime splits a long text into encoded words of at most 75
	// characters, separated by spaces
	return mime.BEncoding.Encode("UTF-8", s)
}

// fold puts each encoded word (and the address after one) on a line of its
// own, so that no header line grows past 78 characters; a value without
// encoded words stays on the header's line.
func fold(v string) string {
	if !strings.Contains(v, "=?") {
		return " " + v
	}
	v = strings.ReplaceAll(v, "?= =?", "?=\r\n =?")
	v = strings.ReplaceAll(v, "?= <", "?=\r\n <")
	return "\r\n " + v
}

// crlf gives text CRLF line ends.
func crlf(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
}
