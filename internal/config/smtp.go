package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"strings"
)

// SMTP is the relay GrantFlow sends email through (internal/notify/email).
// No host: email is off. Production points it at any SMTP relay; the dev
// stack at its Mailpit.
type SMTP struct {
	Host string `env:"GRANTFLOW_SMTP_HOST"`
	// Port is 587 for STARTTLS (submission), 465 for implicit TLS.
	Port     int    `env:"GRANTFLOW_SMTP_PORT" envDefault:"587"`
	Username string `env:"GRANTFLOW_SMTP_USERNAME"`
	Password string `env:"GRANTFLOW_SMTP_PASSWORD"`
	// From is the sender, an address with an optional name:
	// "GrantFlow 公益创投 <noreply@example.org>".
	From string `env:"GRANTFLOW_SMTP_FROM"`
	// TLS is starttls (the server must offer it), tls (implicit TLS, port
	// 465) or none (loopback hosts only: a local relay or the dev stack).
	TLS string `env:"GRANTFLOW_SMTP_TLS" envDefault:"starttls"`
	// InboxURL is a web inbox where sent mail can be read (the dev stack's
	// Mailpit); shown to developers, never needed in production.
	InboxURL string `env:"GRANTFLOW_SMTP_INBOX_URL"`
}

// The GRANTFLOW_SMTP_TLS modes.
const (
	SMTPStartTLS = "starttls"
	SMTPTLS      = "tls"
	SMTPNoTLS    = "none"
)

// Enabled reports whether email is configured.
func (s SMTP) Enabled() bool { return s.Host != "" }

// Loopback reports whether the host is this machine (localhost or a
// loopback address): the only hosts mail may reach without TLS.
func (s SMTP) Loopback() bool {
	if strings.EqualFold(s.Host, "localhost") {
		return true
	}
	ip := net.ParseIP(s.Host)
	return ip != nil && ip.IsLoopback()
}

func (s SMTP) validate() []error {
	if !s.Enabled() {
		return nil
	}
	var errs []error
	if strings.ContainsAny(s.Host, ":/ ") && net.ParseIP(s.Host) == nil {
		errs = append(errs, errors.New("GRANTFLOW_SMTP_HOST must be a host name or address, without port or scheme (the port is GRANTFLOW_SMTP_PORT)"))
	}
	if s.Port < 1 || s.Port > 65535 {
		errs = append(errs, errors.New("GRANTFLOW_SMTP_PORT must be a port from 1 to 65535 (587 for STARTTLS, 465 for TLS)"))
	}
	switch s.TLS {
	case SMTPStartTLS, SMTPTLS:
	case SMTPNoTLS:
		if !s.Loopback() {
			errs = append(errs, fmt.Errorf("GRANTFLOW_SMTP_TLS=none is only allowed for a relay on this machine (127.0.0.1, ::1, localhost), not %s: use starttls or tls", s.Host))
		}
	default:
		errs = append(errs, errors.New("GRANTFLOW_SMTP_TLS must be starttls, tls or none"))
	}
	if (s.Username == "") != (s.Password == "") {
		errs = append(errs, errors.New("GRANTFLOW_SMTP_USERNAME and GRANTFLOW_SMTP_PASSWORD go together (both or neither)"))
	}
	if a, err := mail.ParseAddress(s.From); err != nil || !strings.Contains(a.Address, "@") {
		errs = append(errs, errors.New("GRANTFLOW_SMTP_FROM must be the sender's address, e.g. \"GrantFlow <noreply@example.org>\""))
	}
	if s.InboxURL != "" {
		if u, err := url.Parse(s.InboxURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("GRANTFLOW_SMTP_INBOX_URL must be an http:// or https:// URL"))
		}
	}
	return errs
}

func (s SMTP) env() []string {
	return []string{
		"GRANTFLOW_SMTP_HOST=" + s.Host,
		fmt.Sprintf("GRANTFLOW_SMTP_PORT=%d", s.Port),
		"GRANTFLOW_SMTP_USERNAME=" + s.Username,
		"GRANTFLOW_SMTP_PASSWORD=" + s.Password,
		"GRANTFLOW_SMTP_FROM=" + s.From,
		"GRANTFLOW_SMTP_TLS=" + s.TLS,
		"GRANTFLOW_SMTP_INBOX_URL=" + s.InboxURL,
	}
}

// LogValue masks the password.
func (s SMTP) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", s.Host), slog.Int("port", s.Port), slog.String("tls", s.TLS),
		slog.String("username", s.Username), slog.String("password", mask(s.Password)),
		slog.String("from", s.From), slog.String("inbox_url", s.InboxURL),
	)
}
