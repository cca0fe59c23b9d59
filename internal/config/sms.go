package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// SMS is how GrantFlow sends text messages (internal/notify/sms): through
// 阿里云短信 (aliyun), 腾讯云短信 (tencent), the dev stack's sink (sink), or
// not at all (empty). Chinese SMS must use templates the provider approved,
// so Templates maps each kind of notice to its template code.
type SMS struct {
	Provider string `env:"GRANTFLOW_SMS_PROVIDER"` // aliyun | tencent | sink | empty: no SMS
	// AccessKeyID and AccessKeySecret are Aliyun's AccessKey pair or
	// Tencent's SecretId and SecretKey.
	AccessKeyID     string `env:"GRANTFLOW_SMS_ACCESS_KEY_ID"`
	AccessKeySecret string `env:"GRANTFLOW_SMS_ACCESS_KEY_SECRET"`
	// SignName is the approved signature (签名) shown in 【】.
	SignName string `env:"GRANTFLOW_SMS_SIGN_NAME"`
	// SdkAppID is Tencent's SMS application (SmsSdkAppId).
	SdkAppID string `env:"GRANTFLOW_SMS_SDK_APP_ID"`
	// Region is the API region (Aliyun: cn-hangzhou, Tencent: ap-guangzhou
	// by default).
	Region string `env:"GRANTFLOW_SMS_REGION"`
	// Endpoint replaces the provider's public endpoint (a private gateway).
	Endpoint string `env:"GRANTFLOW_SMS_ENDPOINT"`
	// SinkURL is the dev SMS sink's address (provider sink).
	SinkURL string `env:"GRANTFLOW_SMS_SINK_URL"`
	// Templates is kind=code[:param|param…],…, e.g.
	// "draw.confirm=SMS_123,deadline.soon=SMS_456". Tencent's templates are
	// positional ({1}, {2}): ":project|deadline" names the notice's
	// parameters in that order.
	Templates string `env:"GRANTFLOW_SMS_TEMPLATES"`
}

// SMSTemplate is one kind's template: its code and, for positional
// templates, its parameters in order.
type SMSTemplate struct {
	Code   string
	Params []string
}

var (
	smsKind       = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$`)
	smsParam      = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	aliyunCode    = regexp.MustCompile(`^SMS_[0-9]+$`)
	tencentCode   = regexp.MustCompile(`^[0-9]+$`)
	sinkCode      = regexp.MustCompile(`^[A-Za-z0-9_.\-]+$`)
	smsProviders  = []string{"aliyun", "tencent", "sink"}
	smsCodeFormat = map[string]struct {
		re   *regexp.Regexp
		hint string
	}{
		"aliyun":  {aliyunCode, "SMS_ and digits, e.g. SMS_123456789"},
		"tencent": {tencentCode, "the template ID's digits, e.g. 1234567"},
		"sink":    {sinkCode, "letters, digits, _ . -"},
	}
)

// TemplateMap parses Templates: kind → template.
func (s SMS) TemplateMap() (map[string]SMSTemplate, error) {
	out := map[string]SMSTemplate{}
	orders := map[string]string{} // code → its parameters, as first given
	format, known := smsCodeFormat[s.Provider]
	for _, item := range strings.Split(s.Templates, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kind, rest, ok := strings.Cut(item, "=")
		kind, rest = strings.TrimSpace(kind), strings.TrimSpace(rest)
		if !ok || !smsKind.MatchString(kind) {
			return nil, fmt.Errorf("GRANTFLOW_SMS_TEMPLATES: %q is not kind=code (a kind is lower-case words joined by dots, e.g. draw.confirm=SMS_123)", item)
		}
		if _, dup := out[kind]; dup {
			return nil, fmt.Errorf("GRANTFLOW_SMS_TEMPLATES: kind %s is given twice", kind)
		}
		code, plist, hasParams := strings.Cut(rest, ":")
		t := SMSTemplate{Code: strings.TrimSpace(code)}
		if known && !format.re.MatchString(t.Code) {
			return nil, fmt.Errorf("GRANTFLOW_SMS_TEMPLATES: %s's code %q is not a template code of %s (%s)", kind, t.Code, s.Provider, format.hint)
		}
		if hasParams {
			seen := map[string]bool{}
			for _, p := range strings.Split(plist, "|") {
				p = strings.TrimSpace(p)
				if !smsParam.MatchString(p) || seen[p] {
					return nil, fmt.Errorf("GRANTFLOW_SMS_TEMPLATES: %s's parameters %q must be distinct names of letters, digits and _ joined by | (e.g. %s=%s:project|deadline)", kind, plist, kind, t.Code)
				}
				seen[p] = true
				t.Params = append(t.Params, p)
			}
		}
		order := strings.Join(t.Params, "|")
		if prev, seen := orders[t.Code]; seen && prev != order {
			return nil, fmt.Errorf("GRANTFLOW_SMS_TEMPLATES: template %s is given with parameters %q and %q; one template has one list", t.Code, prev, order)
		}
		orders[t.Code] = order
		out[kind] = t
	}
	return out, nil
}

func (s SMS) validate() []error {
	var errs []error
	if s.Provider == "" {
		return nil
	}
	ok := false
	for _, p := range smsProviders {
		ok = ok || p == s.Provider
	}
	if !ok {
		return []error{fmt.Errorf("GRANTFLOW_SMS_PROVIDER must be aliyun, tencent or sink (or empty: no SMS), not %q", s.Provider)}
	}
	templates, err := s.TemplateMap()
	if err != nil {
		errs = append(errs, err)
	}
	switch s.Provider {
	case "aliyun", "tencent":
		if s.AccessKeyID == "" || s.AccessKeySecret == "" {
			errs = append(errs, fmt.Errorf("GRANTFLOW_SMS_ACCESS_KEY_ID and GRANTFLOW_SMS_ACCESS_KEY_SECRET are required for %s (the AccessKey pair or SecretId/SecretKey)", s.Provider))
		}
		if strings.TrimSpace(s.SignName) == "" {
			errs = append(errs, errors.New("GRANTFLOW_SMS_SIGN_NAME is required: the provider's approved signature (签名)"))
		}
		if err == nil && len(templates) == 0 {
			errs = append(errs, errors.New("GRANTFLOW_SMS_TEMPLATES is required: kind=code,… for every kind of notice sent by SMS (e.g. draw.confirm=SMS_123)"))
		}
		if s.Provider == "tencent" && !tencentCode.MatchString(s.SdkAppID) {
			errs = append(errs, errors.New("GRANTFLOW_SMS_SDK_APP_ID is required for tencent: the SMS application's SdkAppId (digits, e.g. 1400006666)"))
		}
		if s.Endpoint != "" {
			if u, err := url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, errors.New("GRANTFLOW_SMS_ENDPOINT must be an http:// or https:// URL (or empty: the provider's public endpoint)"))
			}
		}
	case "sink":
		if u, err := url.Parse(s.SinkURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("GRANTFLOW_SMS_SINK_URL must be the dev SMS sink's http:// URL when GRANTFLOW_SMS_PROVIDER is sink"))
		}
	}
	return errs
}

func (s SMS) env() []string {
	return []string{
		"GRANTFLOW_SMS_PROVIDER=" + s.Provider,
		"GRANTFLOW_SMS_ACCESS_KEY_ID=" + s.AccessKeyID,
		"GRANTFLOW_SMS_ACCESS_KEY_SECRET=" + s.AccessKeySecret,
		"GRANTFLOW_SMS_SIGN_NAME=" + s.SignName,
		"GRANTFLOW_SMS_SDK_APP_ID=" + s.SdkAppID,
		"GRANTFLOW_SMS_REGION=" + s.Region,
		"GRANTFLOW_SMS_ENDPOINT=" + s.Endpoint,
		"GRANTFLOW_SMS_SINK_URL=" + s.SinkURL,
		"GRANTFLOW_SMS_TEMPLATES=" + s.Templates,
	}
}

// LogValue masks the secret and shows the kinds and codes.
func (s SMS) LogValue() slog.Value {
	t, _ := s.TemplateMap()
	kinds := make([]string, 0, len(t))
	for k, v := range t {
		kinds = append(kinds, k+"="+v.Code)
	}
	sort.Strings(kinds)
	return slog.GroupValue(
		slog.String("provider", s.Provider),
		slog.String("access_key_id", s.AccessKeyID),
		slog.String("access_key_secret", mask(s.AccessKeySecret)),
		slog.String("sign_name", s.SignName),
		slog.String("sdk_app_id", s.SdkAppID),
		slog.String("endpoint", s.Endpoint),
		slog.String("sink_url", s.SinkURL),
		slog.String("templates", strings.Join(kinds, ",")),
	)
}
