package itest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/config"
	"grantflow/internal/devstack"
	"grantflow/internal/i18n"
	"grantflow/internal/notify/email"
)

// mailpitMessage is a message as Mailpit's API gives it.
type mailpitMessage struct {
	ID, MessageID, Subject string
	From                   struct{ Name, Address string }
	To                     []struct{ Name, Address string }
	Text, HTML             string
}

// mailpitTo lists, newest first, the messages to addr in the Mailpit whose
// API is at ui (GET /api/v1/messages), each read whole (GET
// /api/v1/message/{ID}).
func mailpitTo(t *testing.T, ui, addr string) []mailpitMessage {
	t.Helper()
	get := func(path string, v any) {
		t.Helper()
		resp, err := http.Get(ui + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", path, resp.Status)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}
	var list struct{ Messages []mailpitMessage }
	get("/api/v1/messages?limit=500", &list)
	var out []mailpitMessage
	for _, m := range list.Messages {
		for _, to := range m.To {
			if strings.EqualFold(to.Address, addr) {
				var full mailpitMessage
				get("/api/v1/message/"+url.PathEscape(m.ID), &full)
				out = append(out, full)
			}
		}
	}
	return out
}

// TestEmailThroughMailpit sends a Chinese notice through the dev stack's
// real SMTP server (the Mailpit stack.Start runs, with the settings it puts
// into the configuration) and reads it back through Mailpit's API: subject,
// sender and recipient, both bodies, the Message-ID; a resend of the same
// delivery has the same Message-ID.
func TestEmailThroughMailpit(t *testing.T) {
	cfg := shared.Config.SMTP
	if !cfg.Enabled() || cfg.InboxURL != shared.Mailpit.UIURL() || cfg.Port != shared.Mailpit.SMTPPort {
		t.Fatalf("the stack's SMTP settings do not point at its Mailpit: %+v", cfg)
	}
	s, err := email.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	to := mail.Address{Name: "张评审", Address: "expert-" + uuid.NewString()[:8] + "@example.org"}
	link := shared.Config.WebURL + "/calls/c-42/bids/b-7/score"
	c, err := email.Notice{Lang: i18n.Chinese, Name: to.Name, Title: "评分提醒：河西区“银龄互助”居家养老服务项目",
		Text: "您被抽取参与评审的投标尚未评分，请在两个工作日内完成。", Link: link, Action: "打开评分表",
		Deadline: time.Now().Add(48 * time.Hour)}.Render(cat)
	if err != nil {
		t.Fatal(err)
	}
	key := email.Key(9001, to.Address)
	ctx := context.Background()
	id, err := s.Send(ctx, email.Message{Key: key, To: to, Content: c})
	if err != nil {
		t.Fatal(err)
	}
	var got []mailpitMessage
	eventuallyWithin(t, 10*time.Second, "the email in Mailpit", func() bool {
		got = mailpitTo(t, cfg.InboxURL, to.Address)
		return len(got) == 1
	})
	m := got[0]
	from, _ := mail.ParseAddress(cfg.From)
	if m.Subject != c.Subject || m.Subject != "【GrantFlow】评分提醒：河西区“银龄互助”居家养老服务项目" {
		t.Errorf("subject %q, want %q", m.Subject, c.Subject)
	}
	if m.From.Address != from.Address || m.From.Name != from.Name {
		t.Errorf("from %+v, want %v", m.From, from)
	}
	if len(m.To) != 1 || m.To[0].Address != to.Address || m.To[0].Name != to.Name {
		t.Errorf("to %+v, want %v", m.To, to)
	}
	for _, want := range []string{"张评审，您好：", "两个工作日内完成", "打开评分表：", link} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("plain text lacks %q:\n%s", want, m.Text)
		}
	}
	for _, want := range []string{`href="` + link + `"`, ">打开评分表</a>", "张评审，您好："} {
		if !strings.Contains(m.HTML, want) {
			t.Errorf("HTML lacks %q:\n%s", want, m.HTML)
		}
	}
	if "<"+m.MessageID+">" != id || id != s.MessageID(key) {
		t.Errorf("Message-ID %q in Mailpit, %q sent", m.MessageID, id)
	}

	// The same delivery again (a retried activity): the same Message-ID.
	again, err := s.Send(ctx, email.Message{Key: key, To: to, Content: c})
	if err != nil || again != id {
		t.Fatalf("resend: %q %v, first %q", again, err, id)
	}
	eventuallyWithin(t, 10*time.Second, "the resend in Mailpit", func() bool {
		got = mailpitTo(t, cfg.InboxURL, to.Address)
		return len(got) == 2
	})
	if got[0].MessageID != got[1].MessageID {
		t.Fatalf("a resend of one delivery has Message-IDs %q and %q", got[0].MessageID, got[1].MessageID)
	}
	other, err := s.Send(ctx, email.Message{Key: email.Key(9002, to.Address), To: to, Content: c})
	if err != nil || other == id {
		t.Fatalf("another notice: %q %v (first %q)", other, err, id)
	}
}

// TestEmailSTARTTLSAndAuth sends through a Mailpit that requires STARTTLS
// and a password (and one that speaks TLS from the first byte), as a
// production relay does: the certificate is checked, PLAIN authenticates,
// a wrong password and a refused recipient are permanent errors, a closed
// port a retryable one.
func TestEmailSTARTTLSAndAuth(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	auth := filepath.Join(dir, "smtp-auth")
	if err := os.WriteFile(auth, []byte("grantflow:s3cret-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bin, err := devstack.MailpitBinary(repoRoot())
	if err != nil {
		t.Fatal(err)
	}
	start := func(name string, extra ...string) *devstack.Mailpit {
		t.Helper()
		smtpPort, _ := devstack.FreePort()
		uiPort, _ := devstack.FreePort()
		m, err := devstack.StartMailpit(context.Background(), devstack.MailpitOptions{Binary: bin, Dir: filepath.Join(dir, name),
			SMTPPort: smtpPort, UIPort: uiPort, LogPath: filepath.Join(dir, name+".log"),
			Args: append([]string{"--smtp-tls-cert", certFile, "--smtp-tls-key", keyFile, "--smtp-auth-file", auth,
				"--smtp-allowed-recipients", `@example\.org$`}, extra...)})
		if err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, name+".log"))
			t.Fatalf("%v\n%s", err, log)
		}
		t.Cleanup(func() { _ = m.Stop() })
		return m
	}
	starttls := start("starttls", "--smtp-require-starttls")
	implicit := start("tls", "--smtp-require-tls")

	content := email.Content{Subject: "【GrantFlow】账户提醒", Text: "您的密码已修改。", HTML: "<p>您的密码已修改。</p>"}
	send := func(m *devstack.Mailpit, mode, password, to string, pool *x509.CertPool) (string, error) {
		s, err := email.New(config.SMTP{Host: "127.0.0.1", Port: m.SMTPPort, TLS: mode, Username: "grantflow", Password: password,
			From: "GrantFlow <noreply@grants.example.org>"})
		if err != nil {
			t.Fatal(err)
		}
		s.TLSConfig = &tls.Config{RootCAs: pool}
		return s.Send(context.Background(), email.Message{Key: "k/" + uuid.NewString(), To: mail.Address{Address: to}, Content: content})
	}
	for _, tc := range []struct {
		name string
		m    *devstack.Mailpit
		mode string
	}{{"STARTTLS", starttls, config.SMTPStartTLS}, {"implicit TLS", implicit, config.SMTPTLS}} {
		to := "user-" + uuid.NewString()[:8] + "@example.org"
		id, err := send(tc.m, tc.mode, "s3cret-pass", to, pool)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []mailpitMessage
		eventuallyWithin(t, 10*time.Second, tc.name+": the email in Mailpit", func() bool {
			got = mailpitTo(t, tc.m.UIURL(), to)
			return len(got) == 1
		})
		if "<"+got[0].MessageID+">" != id || got[0].Subject != content.Subject || !strings.Contains(got[0].Text, "您的密码已修改。") {
			t.Fatalf("%s: %+v (sent %s)", tc.name, got[0], id)
		}
	}
	permanent := func(what string, err error, refused bool) {
		t.Helper()
		var e *email.Error
		if err == nil || email.Retryable(err) || !errors.As(err, &e) || e.Refused != refused {
			t.Errorf("%s: %v (want a permanent error, refused recipient %v)", what, err, refused)
		}
	}
	_, err = send(starttls, config.SMTPStartTLS, "wrong", "a@example.org", pool)
	permanent("a wrong password", err, false)
	_, err = send(starttls, config.SMTPStartTLS, "s3cret-pass", "someone@elsewhere.net", pool)
	permanent("a recipient the relay refuses", err, true)
	_, err = send(starttls, config.SMTPStartTLS, "s3cret-pass", "a@example.org", x509.NewCertPool())
	permanent("a certificate nobody vouches for", err, false)
	closed, _ := devstack.FreePort()
	_, err = send(&devstack.Mailpit{SMTPPort: closed}, config.SMTPStartTLS, "s3cret-pass", "a@example.org", pool)
	if err == nil || !email.Retryable(err) {
		t.Errorf("a relay that is down: %v (want a retryable error)", err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and
// returns their files and a pool that trusts it.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
