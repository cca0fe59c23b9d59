// Package sms sends text messages through a Provider: 阿里云短信 (Dysmsapi
// SendSms, RPC signature v1), 腾讯云短信 (SMS API 3.0 SendSms, TC3-HMAC-SHA256)
// or the dev stack's sink. Chinese SMS must use templates approved by the
// provider in advance, so a message is a template code and its parameters,
// never free text. Both adapters are written to the providers' published
// HTTP APIs with the standard library alone.
//
// Every adapter checks a message before it leaves (Check): the phone must be
// a mainland mobile number, and no parameter may carry an ID card number.
// Phones appear in logs and errors only masked (138****5678).
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"grantflow/internal/domain"
)

// Provider sends one templated text message and returns the provider's ID
// of it (Aliyun's BizId, Tencent's SerialNo, the sink's number). Its errors
// are *Error: Retryable ones (rate limits, the provider's 5xx, a network
// failure) may succeed later; the others (an invalid number, an unknown or
// unapproved template, wrong credentials) never will.
type Provider interface {
	Send(ctx context.Context, phone, templateCode string, params map[string]string) (messageID string, err error)
}

// Error is a send that failed, classified.
type Error struct {
	Provider  string // "aliyun", "tencent", "sink"
	Code      string // the provider's error code, or one of ours (CodeInvalidPhone, …)
	Message   string // the provider's message, without the phone
	Phone     string // masked
	Retryable bool
}

// Codes of the failures found before anything is sent.
const (
	CodeInvalidPhone   = "grantflow.InvalidPhone"
	CodeIDNumber       = "grantflow.IDNumberInParams"
	CodeNoTemplate     = "grantflow.NoTemplate"
	CodeParamOrder     = "grantflow.TemplateParamOrder"
	CodeNetwork        = "grantflow.Network"
	CodeBadResponse    = "grantflow.BadResponse"
	CodeHTTPStatus     = "grantflow.HTTPStatus"
	CodeRequestInvalid = "grantflow.InvalidRequest"
)

func (e *Error) Error() string {
	kind := "permanent"
	if e.Retryable {
		kind = "retryable"
	}
	s := fmt.Sprintf("sms %s to %s: %s (%s)", e.Provider, e.Phone, e.Code, kind)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes errors.Is(err, ErrRetryable) and errors.Is(err, ErrPermanent)
// answer by class.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrRetryable:
		return e.Retryable
	case ErrPermanent:
		return !e.Retryable
	}
	return false
}

// The two classes, for errors.Is.
var (
	ErrRetryable = errors.New("sms: retryable")
	ErrPermanent = errors.New("sms: permanent")
)

// Retryable reports whether sending again may succeed: a retryable *Error,
// or any other error that is not one (a cancelled context, say) — only a
// classified permanent failure stops the retries.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	return !errors.Is(err, ErrPermanent)
}

// MaskPhone keeps the first 3 and last 4 digits: 13812345678 → 138****5678.
func MaskPhone(phone string) string { return domain.MaskMiddle(phone) }

// NormalizePhone accepts a mainland mobile number with or without +86/86
// and spaces or dashes, and returns its 11 digits.
func NormalizePhone(phone string) (string, bool) {
	p := strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(phone))
	switch {
	case strings.HasPrefix(p, "+86"):
		p = p[3:]
	case strings.HasPrefix(p, "0086"):
		p = p[4:]
	case len(p) == 13 && strings.HasPrefix(p, "86"):
		p = p[2:]
	}
	return p, domain.ValidMobile(p)
}

// idLike is anything shaped like an 18-character resident ID number: 17
// digits and a digit or X, not part of a longer run of digits. It is refused
// whether or not its check character fits: a message never carries one.
var idLike = regexp.MustCompile(`(^|[^0-9])[0-9]{17}[0-9Xx]($|[^0-9])`)

// LooksLikeIDNumber reports whether s holds an 18-character ID number.
func LooksLikeIDNumber(s string) bool { return idLike.MatchString(s) }

// Check refuses a message before it is sent: an invalid phone, a missing
// template code, or a parameter that carries an ID number. It returns the
// phone's 11 digits.
func Check(provider, phone, templateCode string, params map[string]string) (string, error) {
	p, ok := NormalizePhone(phone)
	if !ok {
		return "", &Error{Provider: provider, Code: CodeInvalidPhone, Phone: MaskPhone(phone), Message: "not a mainland mobile number"}
	}
	if strings.TrimSpace(templateCode) == "" {
		return "", &Error{Provider: provider, Code: CodeNoTemplate, Phone: MaskPhone(p), Message: "no template code"}
	}
	for k, v := range params {
		if LooksLikeIDNumber(v) || LooksLikeIDNumber(k) {
			return "", &Error{Provider: provider, Code: CodeIDNumber, Phone: MaskPhone(p),
				Message: fmt.Sprintf("parameter %q carries an ID number; messages never do", k)}
		}
	}
	return p, nil
}

// transportError classifies a failure to reach the provider as retryable.
// It drops the *url.Error's URL, which may carry the phone in its query.
func transportError(ctx context.Context, provider, phone string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &Error{Provider: provider, Code: CodeNetwork, Phone: MaskPhone(phone), Message: err.Error(), Retryable: true}
}

// statusRetryable is the class of an HTTP status the provider answered
// without a body we understand: 429 and 5xx may pass later.
func statusRetryable(status int) bool { return status == 429 || status >= 500 }
