package sms

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"grantflow/internal/config"
)

const (
	testPhone  = "13812345678"
	maskedTest = "138****5678"
	// A valid ID card number (GB 11643 check character X).
	testIDNumber = "11010519491231002X"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{"13812345678": "13812345678", "+86 138-1234-5678": "13812345678",
		"8613812345678": "13812345678", "0086 13812345678": "13812345678"} {
		if got, ok := NormalizePhone(in); !ok || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "12812345678", "1381234567", "138123456789", "+1 4155550100", "010-12345678"} {
		if _, ok := NormalizePhone(in); ok {
			t.Errorf("NormalizePhone(%q) accepted", in)
		}
	}
	if MaskPhone(testPhone) != maskedTest {
		t.Errorf("MaskPhone = %q", MaskPhone(testPhone))
	}
}

func TestCheckRefusesIDNumbers(t *testing.T) {
	for _, v := range []string{testIDNumber, "11010519491231002x", "身份证" + testIDNumber + "已登记", "110105194912310021"} {
		_, err := Check("aliyun", testPhone, "SMS_1", map[string]string{"name": v})
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeIDNumber || Retryable(err) {
			t.Errorf("param %q: err %v, want a permanent %s", v, err, CodeIDNumber)
		}
		if err != nil && strings.Contains(err.Error(), v) {
			t.Errorf("the error repeats the ID number: %v", err)
		}
	}
	for _, v := range []string{"2026-12-01", "4000", "1234567890123456789", "ZX2026-0012", "12345678901234567"} {
		if _, err := Check("aliyun", testPhone, "SMS_1", map[string]string{"p": v}); err != nil {
			t.Errorf("param %q refused: %v", v, err)
		}
	}
	if _, err := Check("aliyun", "12345", "SMS_1", nil); err == nil || Retryable(err) || strings.Contains(err.Error(), "12345") {
		t.Errorf("an invalid phone: %v", err)
	}
	if _, err := Check("aliyun", testPhone, " ", nil); err == nil || Retryable(err) {
		t.Errorf("no template: %v", err)
	}
}

func TestErrorClasses(t *testing.T) {
	r := &Error{Provider: "aliyun", Code: "isv.BUSINESS_LIMIT_CONTROL", Phone: maskedTest, Retryable: true}
	p := &Error{Provider: "aliyun", Code: "isv.MOBILE_NUMBER_ILLEGAL", Phone: maskedTest}
	if !errors.Is(r, ErrRetryable) || errors.Is(r, ErrPermanent) || !Retryable(r) {
		t.Error("a retryable error is not retryable")
	}
	if errors.Is(p, ErrRetryable) || !errors.Is(p, ErrPermanent) || Retryable(p) {
		t.Error("a permanent error is retryable")
	}
	if !Retryable(context.DeadlineExceeded) || Retryable(nil) {
		t.Error("an unclassified error must be retried, nil not")
	}
	if !strings.Contains(p.Error(), maskedTest) || !strings.Contains(p.Error(), "permanent") {
		t.Errorf("Error() = %q", p.Error())
	}
}

func TestNewBuildsTheConfiguredProvider(t *testing.T) {
	for provider, want := range map[string]string{"aliyun": "*sms.Aliyun", "tencent": "*sms.Tencent", "sink": "*sms.Sink", "": "<nil>"} {
		templates := "draw.confirm=SMS_1"
		if provider == "tencent" {
			templates = "draw.confirm=1001:project|link"
		}
		p, err := New(config.SMS{Provider: provider, Templates: templates, SinkURL: "http://127.0.0.1:1"}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := typeName(p); got != want {
			t.Errorf("%q: %s, want %s", provider, got, want)
		}
		if tc, ok := p.(*Tencent); ok && strings.Join(tc.ParamOrder["1001"], ",") != "project,link" {
			t.Errorf("tencent's param order: %v", tc.ParamOrder)
		}
	}
}

func typeName(p Provider) string {
	switch p.(type) {
	case *Aliyun:
		return "*sms.Aliyun"
	case *Tencent:
		return "*sms.Tencent"
	case *Sink:
		return "*sms.Sink"
	case nil:
		return "<nil>"
	}
	return "?"
}

// logBuffer is a logger writing text into a buffer, to check what a send
// logs.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})), &buf
}

// noFullPhone fails when the full phone is in the log or the error.
func noFullPhone(t *testing.T, log *bytes.Buffer, err error) {
	t.Helper()
	if strings.Contains(log.String(), testPhone) || strings.Contains(log.String(), testPhone[3:]) {
		t.Errorf("the log carries the full phone:\n%s", log)
	}
	if err != nil && strings.Contains(err.Error(), testPhone) {
		t.Errorf("the error carries the full phone: %v", err)
	}
	if !strings.Contains(log.String(), maskedTest) {
		t.Errorf("the log does not name the masked phone:\n%s", log)
	}
}

// tamper is a transport that changes the request body after it was
// signed, as a man in the middle would.
type tamper struct{ from, to string }

func (tp tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	body = bytes.Replace(body, []byte(tp.from), []byte(tp.to), 1)
	r2 := r.Clone(r.Context())
	r2.Body = io.NopCloser(bytes.NewReader(body))
	r2.ContentLength = int64(len(body))
	return http.DefaultTransport.RoundTrip(r2)
}

func wantErr(t *testing.T, err error, code string, retryable bool) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want an *sms.Error %s", err, code)
	}
	if e.Code != code || e.Retryable != retryable || Retryable(err) != retryable {
		t.Fatalf("err = %v, want %s retryable=%v", err, code, retryable)
	}
}
