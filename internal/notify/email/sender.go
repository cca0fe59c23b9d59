package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"

	"grantflow/internal/config"
)

// Sender sends email through one SMTP relay.
type Sender struct {
	cfg  config.SMTP
	from mail.Address
	// TLSConfig, when set, is used for STARTTLS and implicit TLS (a test's
	// own CA); by default the system's CAs check the relay's certificate.
	TLSConfig *tls.Config
	// Timeout bounds one delivery when the context has no deadline.
	Timeout time.Duration
	now     func() time.Time
}

// New is a Sender for the settings (config.SMTP, GRANTFLOW_SMTP_*).
func New(c config.SMTP) (*Sender, error) {
	if !c.Enabled() {
		return nil, errors.New("email: GRANTFLOW_SMTP_HOST is not set")
	}
	switch c.TLS {
	case config.SMTPStartTLS, config.SMTPTLS:
	case config.SMTPNoTLS:
		if !c.Loopback() {
			return nil, fmt.Errorf("email: GRANTFLOW_SMTP_TLS=none is only allowed for a relay on this machine, not %s", c.Host)
		}
	default:
		return nil, fmt.Errorf("email: GRANTFLOW_SMTP_TLS %q: use starttls, tls or none", c.TLS)
	}
	from, err := mail.ParseAddress(c.From)
	if err != nil {
		return nil, fmt.Errorf("email: GRANTFLOW_SMTP_FROM %q: %w", c.From, err)
	}
	return &Sender{cfg: c, from: *from, Timeout: time.Minute, now: time.Now}, nil
}

// From is the sender's address.
func (s *Sender) From() mail.Address { return s.from }

// MessageID is the Message-ID a message with this key gets from s.
func (s *Sender) MessageID(key string) string { return MessageID(key, domainOf(s.from.Address)) }

// Error is a failed delivery: at which step, the server's reply code (0
// when there was none: the connection failed), and whether a later attempt
// can succeed.
type Error struct {
	Step string // connect, tls, auth, mail, rcpt, data
	Code int    // the SMTP reply code, 0 without one
	// Permanent: the relay refused for good (a 5xx reply, a certificate
	// it cannot prove, no STARTTLS); do not retry.
	Permanent bool
	// Refused: the relay refused the recipient (5xx at RCPT): the
	// delivery bounced.
	Refused bool
	Err     error
}

func (e *Error) Error() string {
	kind := "retryable"
	if e.Permanent {
		kind = "permanent"
	}
	return fmt.Sprintf("email: %s (%s): %v", e.Step, kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether a later attempt may deliver what failed with
// err: a connection that failed or a 4xx reply; not a 5xx reply.
func Retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return !e.Permanent
	}
	return err != nil
}

// classify wraps an error of step: SMTP replies by their code, certificate
// errors as permanent, everything else (network, timeouts) as retryable.
func classify(step string, err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Step: step, Err: err}
	var tp *textproto.Error
	var unknownCA x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &tp):
		e.Code = tp.Code
		e.Permanent = tp.Code >= 500
		e.Refused = e.Permanent && step == "rcpt"
	case errors.As(err, &unknownCA), errors.As(err, &hostname), errors.As(err, &invalid):
		e.Permanent = true
	}
	return e
}

// Send delivers m and returns its Message-ID. Sending the same key again
// gives a message with the same Message-ID.
func (s *Sender) Send(ctx context.Context, m Message) (string, error) {
	raw, err := Build(s.from, m, s.now())
	if err != nil {
		return "", &Error{Step: "build", Permanent: true, Err: err}
	}
	if _, ok := ctx.Deadline(); !ok && s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	c, stop, err := s.dial(ctx)
	if err != nil {
		return "", err
	}
	defer stop()
	defer c.Close()
	if err := s.deliver(c, m.To.Address, raw); err != nil {
		var e *Error
		if ctx.Err() != nil && errors.As(err, &e) {
			return "", &Error{Step: e.Step, Err: ctx.Err()} // cut off: retryable
		}
		return "", err
	}
	return s.MessageID(m.Key), nil
}

// dial connects (TLS from the first byte for implicit TLS), greets, starts
// TLS when asked and authenticates. The connection closes when ctx ends,
// until stop is called.
func (s *Sender) dial(ctx context.Context) (c *smtp.Client, stop func() bool, err error) {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port))
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, classify("connect", err)
	}
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	unwatch := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer func() {
		if err != nil {
			unwatch()
		}
	}()
	if s.cfg.TLS == config.SMTPTLS {
		tc := tls.Client(conn, s.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, nil, classify("tls", err)
		}
		conn = tc
	}
	c, err = smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		conn.Close()
		return nil, nil, classify("connect", err)
	}
	if err := c.Hello(helloName()); err != nil {
		c.Close()
		return nil, nil, classify("connect", err)
	}
	if s.cfg.TLS == config.SMTPStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			c.Close()
			return nil, nil, &Error{Step: "tls", Permanent: true, Err: fmt.Errorf("%s does not offer STARTTLS (GRANTFLOW_SMTP_TLS=starttls)", addr)}
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			c.Close()
			return nil, nil, classify("tls", err)
		}
	}
	if s.cfg.Username != "" {
		if err := s.auth(c); err != nil {
			c.Close()
			return nil, nil, err
		}
	}
	return c, unwatch, nil
}

func (s *Sender) tlsConfig() *tls.Config {
	if s.TLSConfig != nil {
		c := s.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = s.cfg.Host
		}
		return c
	}
	return &tls.Config{ServerName: s.cfg.Host, MinVersion: tls.VersionTLS12}
}

// auth authenticates with PLAIN, or LOGIN when the relay offers only that.
func (s *Sender) auth(c *smtp.Client) error {
	ok, mechs := c.Extension("AUTH")
	if !ok {
		return &Error{Step: "auth", Permanent: true, Err: errors.New("the relay offers no authentication (GRANTFLOW_SMTP_USERNAME is set)")}
	}
	offered := strings.Fields(strings.ToUpper(mechs))
	var a smtp.Auth
	switch {
	case contains(offered, "PLAIN"):
		a = &plainAuth{username: s.cfg.Username, password: s.cfg.Password, loopback: s.cfg.Loopback()}
	case contains(offered, "LOGIN"):
		a = &loginAuth{username: s.cfg.Username, password: s.cfg.Password, loopback: s.cfg.Loopback()}
	default:
		return &Error{Step: "auth", Permanent: true, Err: fmt.Errorf("the relay offers %s; GrantFlow speaks PLAIN and LOGIN", mechs)}
	}
	return classify("auth", c.Auth(a))
}

func (s *Sender) deliver(c *smtp.Client, to string, raw []byte) error {
	if err := c.Mail(s.from.Address); err != nil {
		return classify("mail", err)
	}
	if err := c.Rcpt(to); err != nil {
		return classify("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return classify("data", err)
	}
	if _, err := w.Write(raw); err != nil {
		return classify("data", err)
	}
	if err := w.Close(); err != nil {
		return classify("data", err)
	}
	_ = c.Quit() // delivered: a failed QUIT changes nothing
	return nil
}

func helloName() string {
	if h, err := os.Hostname(); err == nil && h != "" && !strings.ContainsAny(h, " \t") {
		return h
	}
	return "localhost"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// plainAuth is SASL PLAIN (RFC 4616); like LOGIN it sends the password
// only over TLS, or to a relay on this machine.
type plainAuth struct {
	username, password string
	loopback           bool
}

func (a *plainAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.loopback {
		return "", nil, errors.New("the password would travel unencrypted")
	}
	return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password), nil
}

func (a *plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected challenge after PLAIN")
	}
	return nil, nil
}

// loginAuth is the LOGIN mechanism many relays still offer alone.
type loginAuth struct {
	username, password string
	loopback           bool
}

func (a *loginAuth) Start(server *smtp.ServerInfo) (string, []byte, error) {
	if !server.TLS && !a.loopback {
		return "", nil, errors.New("the password would travel unencrypted")
	}
	return "LOGIN", nil, nil
}

func (a *loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch strings.ToLower(strings.TrimSpace(string(challenge))) {
	case "username:":
		return []byte(a.username), nil
	case "password:":
		return []byte(a.password), nil
	}
	return nil, fmt.Errorf("unexpected LOGIN challenge %q", challenge)
}
