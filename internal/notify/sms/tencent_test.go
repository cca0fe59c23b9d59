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
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The worked example of Tencent Cloud's "Signature v3" page: CVM
// DescribeInstances, POST, timestamp 1551113065, SecretKey
// Gu5t9xGARNpq86cd98joQYCN3EXAMPLE.
const (
	docTC3Payload     = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
	docTC3PayloadHash = "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
	docTC3Signature   = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
)

func TestTC3SignatureKnownAnswer(t *testing.T) {
	if got := sha256Hex([]byte(docTC3Payload)); got != docTC3PayloadHash {
		t.Fatalf("payload hash %s", got)
	}
	got := TC3Signature("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", 1551113065, "POST", "/", "",
		"content-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n", "content-type;host", []byte(docTC3Payload))
	if got != docTC3Signature {
		t.Fatalf("TC3Signature = %s, want the documented %s", got, docTC3Signature)
	}
	ref := refTC3("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "2019-02-25", "cvm", "1551113065",
		"POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\ncontent-type;host\n"+docTC3PayloadHash)
	if ref != docTC3Signature {
		t.Fatalf("the reference signer gives %s", ref)
	}
	// The date of the credential scope is UTC: 1551113065 is 2019-02-26
	// 00:44 in Beijing but 2019-02-25 in UTC.
	auth := TencentAuthorization("AKIDEXAMPLE", "k", "sms", "sms.tencentcloudapi.com", "SendSms", 1551113065, nil)
	if !strings.HasPrefix(auth, "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2019-02-25/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature=") {
		t.Fatalf("Authorization = %s", auth)
	}
}

// refTC3 is the documented key chain, written apart from the adapter's.
func refTC3(secretKey, date, service, timestamp, canonicalRequest string) string {
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	h := sha256.Sum256([]byte(canonicalRequest))
	toSign := "TC3-HMAC-SHA256\n" + timestamp + "\n" + date + "/" + service + "/tc3_request\n" + hex.EncodeToString(h[:])
	secretDate := mac([]byte("TC3"+secretKey), date)
	secretService := mac(secretDate, service)
	secretSigning := mac(secretService, "tc3_request")
	return hex.EncodeToString(mac(secretSigning, toSign))
}

var tc3Auth = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/([a-z]+)/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// fakeTencentSMS is SMS API 3.0 as documented: it rebuilds the canonical
// request from what arrived (the signed headers' values, the body's hash),
// refuses a signature it cannot reproduce, an unknown SecretId, a stale
// timestamp or a credential date that is not the timestamp's UTC date, and
// answers SendSms with what the test asks for.
type fakeTencentSMS struct {
	keys    map[string]string
	mu      sync.Mutex
	got     []tencentRequest
	answer  func(req tencentRequest) string // "" : Ok
	refused int
	srv     *httptest.Server
}

func newFakeTencentSMS(t *testing.T) *fakeTencentSMS {
	f := &fakeTencentSMS{keys: map[string]string{"AKIDtestSecretId": "tc-secret-key"}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func tcError(code, msg string) string {
	return fmt.Sprintf(`{"Response":{"Error":{"Code":%q,"Message":%q},"RequestId":"b5b41468-520d-4192-b42f-595cc34b6c1c"}}`, code, msg)
}

func tcStatus(code, msg string) string {
	return fmt.Sprintf(`{"Response":{"SendStatusSet":[{"SerialNo":"","PhoneNumber":"+8613812345678","Fee":0,"SessionContext":"","Code":%q,"Message":%q,"IsoCode":"CN"}],"RequestId":"c3f5e1c2-9f1e-4c55-8b2d-3b0f7e1f2a10"}}`, code, msg)
}

func (f *fakeTencentSMS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	refuse := func(code, msg string) {
		f.refused++
		fmt.Fprint(w, tcError(code, msg))
	}
	m := tc3Auth.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		refuse("AuthFailure.InvalidAuthorization", "Authorization header format is invalid")
		return
	}
	id, date, service, signedHeaders, sig := m[1], m[2], m[3], m[4], m[5]
	secret, ok := f.keys[id]
	if !ok {
		refuse("AuthFailure.SecretIdNotFound", "The SecretId is not found")
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || time.Since(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		refuse("AuthFailure.SignatureExpire", "Signature expired. Timestamp and server time cannot differ by more than five minutes.")
		return
	}
	if date != time.Unix(ts, 0).UTC().Format("2006-01-02") || service != "sms" ||
		!strings.Contains(";"+signedHeaders+";", ";content-type;") || !strings.Contains(";"+signedHeaders+";", ";host;") {
		refuse("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
		return
	}
	var canonHeaders strings.Builder
	for _, h := range strings.Split(signedHeaders, ";") {
		v := r.Header.Get(h)
		if h == "host" {
			v = r.Host
		}
		canonHeaders.WriteString(h + ":" + strings.ToLower(strings.TrimSpace(v)) + "\n")
	}
	bh := sha256.Sum256(body)
	canonical := r.Method + "\n/\n" + r.URL.RawQuery + "\n" + canonHeaders.String() + "\n" + signedHeaders + "\n" + hex.EncodeToString(bh[:])
	if want := refTC3(secret, date, service, strconv.FormatInt(ts, 10), canonical); !hmac.Equal([]byte(want), []byte(sig)) {
		refuse("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
		return
	}
	if r.Header.Get("X-TC-Action") != "SendSms" || r.Header.Get("X-TC-Version") != "2021-01-11" || r.Header.Get("X-TC-Region") == "" {
		fmt.Fprint(w, tcError("InvalidAction", "action, version or region wrong"))
		return
	}
	var req tencentRequest
	if err := json.Unmarshal(body, &req); err != nil || len(req.PhoneNumberSet) != 1 {
		fmt.Fprint(w, tcError("InvalidParameter", "body"))
		return
	}
	f.got = append(f.got, req)
	if f.answer != nil {
		if a := f.answer(req); a != "" {
			fmt.Fprint(w, a)
			return
		}
	}
	fmt.Fprintf(w, `{"Response":{"SendStatusSet":[{"SerialNo":"5000:1045710669157053657849499619","PhoneNumber":%q,"Fee":1,"SessionContext":"","Code":"Ok","Message":"send success","IsoCode":"CN"}],"RequestId":"a0aabda6-cf91-4f3e-a81f-9198114a2279"}}`, req.PhoneNumberSet[0])
}

func (f *fakeTencentSMS) tencent() *Tencent {
	return &Tencent{SecretID: "AKIDtestSecretId", SecretKey: "tc-secret-key", SdkAppID: "1400006666", SignName: "某区民政局",
		Endpoint: f.srv.URL + "/", ParamOrder: map[string][]string{"1001": {"project", "deadline", "link"}}}
}

func TestTencentSendsASignedRequest(t *testing.T) {
	f := newFakeTencentSMS(t)
	tc := f.tencent()
	log, buf := logBuffer()
	tc.Logger = log
	id, err := tc.Send(context.Background(), testPhone, "1001", map[string]string{"link": "https://g.example/d/1", "project": "助餐", "deadline": "12月3日"})
	if err != nil {
		t.Fatal(err)
	}
	if id != "5000:1045710669157053657849499619" || len(f.got) != 1 {
		t.Fatalf("SerialNo %q, %d requests", id, len(f.got))
	}
	got := f.got[0]
	if got.PhoneNumberSet[0] != "+86"+testPhone || got.SmsSdkAppID != "1400006666" || got.SignName != "某区民政局" || got.TemplateID != "1001" ||
		strings.Join(got.TemplateParamSet, "|") != "助餐|12月3日|https://g.example/d/1" {
		t.Fatalf("request %+v", got)
	}
	// Positional parameters without an order are "1", "2", ….
	if _, err := tc.Send(context.Background(), testPhone, "1002", map[string]string{"2": "b", "1": "a"}); err != nil {
		t.Fatal(err)
	}
	if p := f.got[1].TemplateParamSet; strings.Join(p, ",") != "a,b" {
		t.Fatalf("TemplateParamSet %v", p)
	}
	// A missing or a stray parameter is refused before sending.
	_, err = tc.Send(context.Background(), testPhone, "1001", map[string]string{"project": "助餐", "link": "x"})
	wantErr(t, err, CodeParamOrder, false)
	_, err = tc.Send(context.Background(), testPhone, "1002", map[string]string{"name": "a"})
	wantErr(t, err, CodeParamOrder, false)
	if len(f.got) != 2 {
		t.Fatal("a refused message reached the provider")
	}
	noFullPhone(t, buf, err)
}

func TestTencentRefusesWrongSignatures(t *testing.T) {
	f := newFakeTencentSMS(t)
	params := map[string]string{"1": "a"}
	tc := f.tencent()
	tc.SecretKey = "wrong"
	_, err := tc.Send(context.Background(), testPhone, "1002", params)
	wantErr(t, err, "AuthFailure.SignatureFailure", false)

	tc = f.tencent()
	tc.Client = &http.Client{Transport: tamper{from: `"TemplateId":"1002"`, to: `"TemplateId":"1003"`}}
	_, err = tc.Send(context.Background(), testPhone, "1002", params)
	wantErr(t, err, "AuthFailure.SignatureFailure", false)

	tc = f.tencent()
	tc.SecretID = "AKIDother"
	_, err = tc.Send(context.Background(), testPhone, "1002", params)
	wantErr(t, err, "AuthFailure.SecretIdNotFound", false)

	tc = f.tencent()
	tc.Now = func() time.Time { return time.Now().Add(-10 * time.Minute) }
	_, err = tc.Send(context.Background(), testPhone, "1002", params)
	wantErr(t, err, "AuthFailure.SignatureExpire", false)

	// A signed header changed on the way (the action) is refused too.
	tc = f.tencent()
	tc.Client = &http.Client{Transport: headerTamper{"X-Tc-Action", "SendStatusStatistics"}}
	_, err = tc.Send(context.Background(), testPhone, "1002", params)
	wantErr(t, err, "AuthFailure.SignatureFailure", false)
	if f.refused != 5 || len(f.got) != 0 {
		t.Fatalf("%d refused, %d accepted", f.refused, len(f.got))
	}
}

type headerTamper struct{ name, value string }

func (h headerTamper) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set(h.name, h.value)
	body, _ := io.ReadAll(r.Body)
	r2.Body = io.NopCloser(bytes.NewReader(body))
	return http.DefaultTransport.RoundTrip(r2)
}

func TestTencentClassifiesErrors(t *testing.T) {
	f := newFakeTencentSMS(t)
	answers := map[string]string{
		"2001": tcStatus("InvalidParameterValue.IncorrectPhoneNumber", "incorrect number format"),
		"2002": tcStatus("FailedOperation.TemplateIncorrectOrUnapproved", "template is not approved or not exist"),
		"2003": tcStatus("LimitExceeded.PhoneNumberThirtySecondLimit", "the number of sms messages sent from a single mobile number within 30 seconds exceeds the upper limit"),
		"2004": tcError("InternalError.Timeout", "request timeout"),
		"2005": tcError("RequestLimitExceeded", "request frequency exceeds the limit"),
		"2006": tcError("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verify fail"),
		"2007": tcStatus("LimitExceeded.PhoneNumberDailyLimit", "+8613812345678 daily limit"),
		"2008": tcError("FailedOperation.SignatureIncorrectOrUnapproved", "signature is not approved or not exist"),
	}
	f.answer = func(req tencentRequest) string { return answers[req.TemplateID] }
	tc := f.tencent()
	log, buf := logBuffer()
	tc.Logger = log
	for id, want := range map[string]struct {
		code      string
		retryable bool
	}{
		"2001": {"InvalidParameterValue.IncorrectPhoneNumber", false}, "2002": {"FailedOperation.TemplateIncorrectOrUnapproved", false},
		"2003": {"LimitExceeded.PhoneNumberThirtySecondLimit", true}, "2004": {"InternalError.Timeout", true},
		"2005": {"RequestLimitExceeded", true}, "2006": {"UnauthorizedOperation.SmsSdkAppIdVerifyFail", false},
		"2007": {"LimitExceeded.PhoneNumberDailyLimit", true}, "2008": {"FailedOperation.SignatureIncorrectOrUnapproved", false},
	} {
		_, err := tc.Send(context.Background(), testPhone, id, nil)
		wantErr(t, err, want.code, want.retryable)
		noFullPhone(t, buf, err)
	}
	// A gateway error page: classified by its status.
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad gateway", http.StatusBadGateway) }))
	defer gw.Close()
	tc.Endpoint = gw.URL
	_, err := tc.Send(context.Background(), testPhone, "1002", nil)
	wantErr(t, err, CodeHTTPStatus, true)
	// An ID number never leaves.
	tc = f.tencent()
	_, err = tc.Send(context.Background(), testPhone, "1002", map[string]string{"1": testIDNumber})
	wantErr(t, err, CodeIDNumber, false)
}
