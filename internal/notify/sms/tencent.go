package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TencentEndpoint is the SMS API 3.0 endpoint.
const TencentEndpoint = "https://sms.tencentcloudapi.com/"

// Tencent sends through 腾讯云短信 (SMS API 3.0, action SendSms, version
// 2021-01-11), signed with TC3-HMAC-SHA256. Its templates take positional
// parameters ({1}, {2}, …): ParamOrder names, per template ID, which of
// Send's named parameters goes where; a template without an order takes
// parameters named "1", "2", ….
type Tencent struct {
	SecretID   string
	SecretKey  string
	SdkAppID   string // the SMS application's SdkAppId, e.g. 1400006666
	SignName   string // the approved signature's content
	Region     string // default ap-guangzhou
	Endpoint   string // default TencentEndpoint
	ParamOrder map[string][]string
	Client     *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
}

const tencentContentType = "application/json; charset=utf-8"

// tencentRequest is SendSms's body.
type tencentRequest struct {
	PhoneNumberSet   []string `json:"PhoneNumberSet"`
	SmsSdkAppID      string   `json:"SmsSdkAppId"`
	SignName         string   `json:"SignName"`
	TemplateID       string   `json:"TemplateId"`
	TemplateParamSet []string `json:"TemplateParamSet"`
}

// Send sends the template and returns the SerialNo.
func (t *Tencent) Send(ctx context.Context, phone, templateID string, params map[string]string) (string, error) {
	p, err := Check("tencent", phone, templateID, params)
	if err != nil {
		return "", t.logged(ctx, templateID, err)
	}
	set, err := orderParams(t.ParamOrder[templateID], params)
	if err != nil {
		return "", t.logged(ctx, templateID, &Error{Provider: "tencent", Code: CodeParamOrder, Phone: MaskPhone(p), Message: err.Error()})
	}
	body, _ := json.Marshal(tencentRequest{PhoneNumberSet: []string{"+86" + p}, SmsSdkAppID: t.SdkAppID,
		SignName: t.SignName, TemplateID: templateID, TemplateParamSet: set})
	endpoint := or(t.Endpoint, TencentEndpoint)
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "", &Error{Provider: "tencent", Code: CodeRequestInvalid, Phone: MaskPhone(p), Message: "bad endpoint"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return "", &Error{Provider: "tencent", Code: CodeRequestInvalid, Phone: MaskPhone(p), Message: "bad endpoint"}
	}
	now := time.Now()
	if t.Now != nil {
		now = t.Now()
	}
	ts := now.Unix()
	req.Header.Set("Content-Type", tencentContentType)
	req.Header.Set("X-TC-Action", "SendSms")
	req.Header.Set("X-TC-Version", "2021-01-11")
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-TC-Region", or(t.Region, "ap-guangzhou"))
	req.Header.Set("Authorization", TencentAuthorization(t.SecretID, t.SecretKey, "sms", u.Host, "SendSms", ts, body))
	id, err := t.do(req, p)
	if err != nil {
		return "", t.logged(ctx, templateID, err)
	}
	logger(t.Logger).InfoContext(ctx, "sms sent", "provider", "tencent", "phone", MaskPhone(p), "template", templateID, "serial_no", id)
	return id, nil
}

// orderParams lays the named parameters out in the template's order.
func orderParams(order []string, params map[string]string) ([]string, error) {
	if order == nil {
		order = make([]string, len(params))
		for i := range order {
			order[i] = strconv.Itoa(i + 1)
		}
	}
	if len(order) != len(params) {
		return nil, fmt.Errorf("template takes %d parameters (%s), got %d", len(order), strings.Join(order, ","), len(params))
	}
	set := make([]string, len(order))
	for i, name := range order {
		v, ok := params[name]
		if !ok {
			return nil, fmt.Errorf("parameter %q missing (template order %s)", name, strings.Join(order, ","))
		}
		set[i] = v
	}
	return set, nil
}

// tencentAnswer is SendSms's JSON answer: a whole-request Error or one
// SendStatus per number.
type tencentAnswer struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		SendStatusSet []struct {
			SerialNo string `json:"SerialNo"`
			Code     string `json:"Code"`
			Message  string `json:"Message"`
		} `json:"SendStatusSet"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

func (t *Tencent) do(req *http.Request, phone string) (string, error) {
	resp, err := client(t.Client).Do(req)
	if err != nil {
		return "", transportError(req.Context(), "tencent", phone, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", transportError(req.Context(), "tencent", phone, err)
	}
	fail := func(code, msg string) error {
		msg = strings.ReplaceAll(strings.ReplaceAll(msg, "+86"+phone, MaskPhone(phone)), phone, MaskPhone(phone))
		return &Error{Provider: "tencent", Code: code, Phone: MaskPhone(phone), Message: msg, Retryable: tencentRetryable(code, resp.StatusCode)}
	}
	var ans tencentAnswer
	if json.Unmarshal(body, &ans) != nil || (ans.Response.Error == nil && ans.Response.SendStatusSet == nil) {
		return "", &Error{Provider: "tencent", Code: CodeHTTPStatus, Phone: MaskPhone(phone), Message: resp.Status, Retryable: statusRetryable(resp.StatusCode)}
	}
	if e := ans.Response.Error; e != nil {
		return "", fail(e.Code, e.Message)
	}
	if len(ans.Response.SendStatusSet) != 1 {
		return "", &Error{Provider: "tencent", Code: CodeBadResponse, Phone: MaskPhone(phone),
			Message: fmt.Sprintf("%d send statuses for one number", len(ans.Response.SendStatusSet)), Retryable: true}
	}
	st := ans.Response.SendStatusSet[0]
	if st.Code != "Ok" {
		return "", fail(st.Code, st.Message)
	}
	if st.SerialNo == "" {
		return "", &Error{Provider: "tencent", Code: CodeBadResponse, Phone: MaskPhone(phone), Message: "Ok without SerialNo", Retryable: true}
	}
	return st.SerialNo, nil
}

// tencentRetryable classifies SMS API 3.0 error codes: frequency limits,
// request limits and internal errors pass later; a wrong number, template,
// signature, application or credential never does.
func tencentRetryable(code string, status int) bool {
	switch code {
	case "LimitExceeded.PhoneNumberThirtySecondLimit", "LimitExceeded.PhoneNumberOneHourLimit",
		"LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.DeliveryFrequencyLimit",
		"LimitExceeded.AppDailyLimit", "LimitExceeded.AppGlobalDailyLimit", "LimitExceeded.AppMainlandChinaDailyLimit",
		"FailedOperation.FailResolvePacket", "InternalError.Timeout", "InternalError.RequestTimeException",
		"InternalError.SendAndRecvFail", "InternalError.RestApiInterfaceNotExist", "ResourceUnavailable":
		return true
	}
	if strings.HasPrefix(code, "RequestLimitExceeded") || strings.HasPrefix(code, "InternalError") {
		return true
	}
	if strings.Contains(code, ".") || strings.HasPrefix(code, "AuthFailure") {
		return false // InvalidParameterValue.IncorrectPhoneNumber, FailedOperation.TemplateIncorrectOrUnapproved, …
	}
	return statusRetryable(status)
}

// TencentAuthorization is the Authorization header of a POST of body with
// Content-Type "application/json; charset=utf-8", signed with
// TC3-HMAC-SHA256 over the headers content-type, host and x-tc-action.
func TencentAuthorization(secretID, secretKey, service, host, action string, timestamp int64, body []byte) string {
	date := time.Unix(timestamp, 0).UTC().Format("2006-01-02")
	signed := "content-type;host;x-tc-action"
	headers := "content-type:" + tencentContentType + "\nhost:" + strings.ToLower(host) + "\nx-tc-action:" + strings.ToLower(action) + "\n"
	sig := TC3Signature(secretKey, service, timestamp, "POST", "/", "", headers, signed, body)
	return "TC3-HMAC-SHA256 Credential=" + secretID + "/" + date + "/" + service + "/tc3_request, SignedHeaders=" + signed + ", Signature=" + sig
}

// TC3Signature computes a TC3-HMAC-SHA256 signature: the canonical request
// (method, URI, query, canonical headers, signed headers, SHA-256 of the
// payload, joined by newlines), the string to sign ("TC3-HMAC-SHA256",
// timestamp, credential scope date/service/tc3_request, SHA-256 of the
// canonical request), and the key derived as
// SecretDate=HMAC("TC3"+key, date) → SecretService=HMAC(SecretDate, service)
// → SecretSigning=HMAC(SecretService, "tc3_request").
func TC3Signature(secretKey, service string, timestamp int64, method, uri, query, canonicalHeaders, signedHeaders string, payload []byte) string {
	date := time.Unix(timestamp, 0).UTC().Format("2006-01-02")
	canonical := strings.Join([]string{method, uri, query, canonicalHeaders, signedHeaders, sha256Hex(payload)}, "\n")
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(timestamp, 10) + "\n" + date + "/" + service + "/tc3_request\n" + sha256Hex([]byte(canonical))
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, toSign))
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func (t *Tencent) logged(ctx context.Context, template string, err error) error {
	logFailure(ctx, t.Logger, "tencent", template, err)
	return err
}
