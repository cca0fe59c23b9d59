package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// AliyunEndpoint is Dysmsapi's public endpoint.
const AliyunEndpoint = "https://dysmsapi.aliyuncs.com/"

// Aliyun sends through 阿里云短信 (Dysmsapi 2017-05-25, action SendSms), an
// RPC-style API signed with signature version 1.0 (HMAC-SHA1). The request
// is a POST with the parameters in a form body (so the phone stays out of
// URLs and access logs); the signature covers the method, so it is computed
// over "POST&%2F&…".
type Aliyun struct {
	AccessKeyID     string
	AccessKeySecret string
	SignName        string // the approved signature (签名), e.g. 某某区民政局
	RegionID        string // default cn-hangzhou
	Endpoint        string // default AliyunEndpoint
	Client          *http.Client
	Logger          *slog.Logger
	Now             func() time.Time // default time.Now
	Nonce           func() string    // default 16 random bytes in hex
}

// Send sends the template with its parameters (as the JSON TemplateParam)
// and returns the BizId.
func (a *Aliyun) Send(ctx context.Context, phone, templateCode string, params map[string]string) (string, error) {
	p, err := Check("aliyun", phone, templateCode, params)
	if err != nil {
		return "", a.logged(ctx, templateCode, err)
	}
	tp, err := templateParamJSON(params)
	if err != nil {
		return "", &Error{Provider: "aliyun", Code: CodeRequestInvalid, Phone: MaskPhone(p), Message: err.Error()}
	}
	q := map[string]string{
		"AccessKeyId":      a.AccessKeyID,
		"Action":           "SendSms",
		"Format":           "JSON",
		"PhoneNumbers":     p,
		"RegionId":         or(a.RegionID, "cn-hangzhou"),
		"SignName":         a.SignName,
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   a.nonce(),
		"SignatureVersion": "1.0",
		"TemplateCode":     templateCode,
		"Timestamp":        a.now().UTC().Format("2006-01-02T15:04:05Z"),
		"Version":          "2017-05-25",
	}
	if len(params) > 0 {
		q["TemplateParam"] = tp
	}
	form := url.Values{}
	for k, v := range q {
		form.Set(k, v)
	}
	form.Set("Signature", AliyunSignature(http.MethodPost, q, a.AccessKeySecret))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, or(a.Endpoint, AliyunEndpoint), strings.NewReader(form.Encode()))
	if err != nil {
		return "", &Error{Provider: "aliyun", Code: CodeRequestInvalid, Phone: MaskPhone(p), Message: "bad endpoint"}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	id, err := a.do(req, p)
	if err != nil {
		return "", a.logged(ctx, templateCode, err)
	}
	logger(a.Logger).InfoContext(ctx, "sms sent", "provider", "aliyun", "phone", MaskPhone(p), "template", templateCode, "biz_id", id)
	return id, nil
}

// aliyunAnswer is SendSms's JSON answer.
type aliyunAnswer struct {
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	BizID     string `json:"BizId"`
	RequestID string `json:"RequestId"`
}

func (a *Aliyun) do(req *http.Request, phone string) (string, error) {
	resp, err := client(a.Client).Do(req)
	if err != nil {
		return "", transportError(req.Context(), "aliyun", phone, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", transportError(req.Context(), "aliyun", phone, err)
	}
	var ans aliyunAnswer
	if json.Unmarshal(body, &ans) != nil || ans.Code == "" {
		return "", &Error{Provider: "aliyun", Code: CodeHTTPStatus, Phone: MaskPhone(phone),
			Message: resp.Status, Retryable: statusRetryable(resp.StatusCode)}
	}
	if ans.Code == "OK" && resp.StatusCode == http.StatusOK {
		if ans.BizID == "" {
			return "", &Error{Provider: "aliyun", Code: CodeBadResponse, Phone: MaskPhone(phone), Message: "OK without BizId", Retryable: true}
		}
		return ans.BizID, nil
	}
	return "", &Error{Provider: "aliyun", Code: ans.Code, Phone: MaskPhone(phone),
		Message: strings.ReplaceAll(ans.Message, phone, MaskPhone(phone)), Retryable: aliyunRetryable(ans.Code, resp.StatusCode)}
}

// aliyunRetryable classifies Dysmsapi's error codes: flow control and the
// platform's own failures pass later; a wrong number, template, signature
// name, parameter or credential never does.
func aliyunRetryable(code string, status int) bool {
	switch code {
	case "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL",
		"SignatureNonceUsed", "ServiceUnavailable", "InternalError":
		return true
	case "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.SMS_TEMPLATE_ILLEGAL",
		"isv.TEMPLATE_MISSING_PARAMETERS", "isv.TEMPLATE_PARAMS_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
		"isv.SMS_SIGN_ILLEGAL", "isv.INVALID_PARAMETERS", "isv.INVALID_JSON_PARAM", "isv.PARAM_LENGTH_LIMIT",
		"isv.PARAM_NOT_SUPPORT_URL", "isv.BLACK_KEY_CONTROL_LIMIT", "isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE",
		"isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "SignatureDoesNotMatch", "InvalidAccessKeyId.NotFound",
		"InvalidAccessKeyId.Inactive", "IncompleteSignature", "InvalidTimeStamp.Expired", "MissingParameter",
		"isp.RAM_PERMISSION_DENY", "Forbidden.RAM":
		return false
	}
	return strings.HasPrefix(code, "Throttling") || strings.HasPrefix(code, "isp.") || status == 429 || status >= 500
}

// AliyunSignature is the RPC signature (version 1.0, HMAC-SHA1) of the
// parameters other than Signature:
// Base64(HMAC-SHA1(secret+"&", method+"&"+enc("/")+"&"+enc(canonical))),
// where canonical is the parameters sorted by name, each enc(name)=enc(value),
// joined by "&", and enc is AliyunPercentEncode.
func AliyunSignature(method string, params map[string]string, secret string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = AliyunPercentEncode(k) + "=" + AliyunPercentEncode(params[k])
	}
	toSign := method + "&" + AliyunPercentEncode("/") + "&" + AliyunPercentEncode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// AliyunPercentEncode is RFC 3986 percent-encoding of UTF-8, as Aliyun
// wants it: A–Z a–z 0–9 - _ . ~ stay, a space is %20, * is %2A, and every
// other byte is %XX in upper case.
func AliyunPercentEncode(s string) string {
	// url.QueryEscape keeps exactly the unreserved set (~ included) and
	// escapes * already; only its space as "+" differs.
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// templateParamJSON renders the parameters as a JSON object, as they are
// (no HTML escaping of <, > and &, which the template would show).
func templateParamJSON(params map[string]string) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(params); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func (a *Aliyun) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Aliyun) nonce() string {
	if a.Nonce != nil {
		return a.Nonce()
	}
	return randomHex(16)
}

func (a *Aliyun) logged(ctx context.Context, template string, err error) error {
	logFailure(ctx, a.Logger, "aliyun", template, err)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func client(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{Timeout: 15 * time.Second}
}

func logger(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.Default()
}

// logFailure logs a failed send; the error carries the masked phone only.
func logFailure(ctx context.Context, l *slog.Logger, provider, template string, err error) {
	logger(l).WarnContext(ctx, "sms not sent", "provider", provider, "template", template, "retryable", Retryable(err), "err", err)
}
