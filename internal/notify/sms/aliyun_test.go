package sms

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The signature examples of Aliyun's documentation: the RPC signature
// page's DescribeRegions (AccessKeySecret testsecret) and the SMS HTTP
// protocol page's SendSms (testSecret), both signed with GET.
var (
	docDescribeRegions = map[string]string{
		"AccessKeyId": "testid", "Action": "DescribeRegions", "Format": "XML", "SignatureMethod": "HMAC-SHA1",
		"SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", "SignatureVersion": "1.0",
		"Timestamp": "2016-02-23T12:46:24Z", "Version": "2014-05-26",
	}
	docSendSms = map[string]string{
		"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
		"RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
		"SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
		"TemplateCode": "SMS_71390007", "TemplateParam": `{"customer":"test"}`,
		"Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
	}
)

func TestAliyunSignatureKnownAnswers(t *testing.T) {
	for _, tc := range []struct {
		params         map[string]string
		secret, want   string
		stringToSignIn string
	}{
		{docDescribeRegions, "testsecret", "OLeaidS1JvxuMvnyHOwuJ+uX5qY=", "%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26"},
		{docSendSms, "testSecret", "zJDF+Lrzhj/ThnlvIToysFRq6t4=", "%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591"},
	} {
		if got := AliyunSignature("GET", tc.params, tc.secret); got != tc.want {
			t.Errorf("AliyunSignature(%s) = %s, want the documented %s", tc.params["Action"], got, tc.want)
		}
		// The test server's own signer reproduces the documented values
		// too, so the server below checks what Aliyun checks.
		if got := refAliyunSignature("GET", tc.params, tc.secret); got != tc.want {
			t.Errorf("the reference signer gives %s for %s, want %s", got, tc.params["Action"], tc.want)
		}
		if s := refAliyunStringToSign("GET", tc.params); !strings.Contains(s, tc.stringToSignIn) {
			t.Errorf("string to sign %s lacks %s", s, tc.stringToSignIn)
		}
	}
	for in, want := range map[string]string{"a b": "a%20b", "*": "%2A", "~-_.": "~-_.", "/=&+": "%2F%3D%26%2B", "派": "%E6%B4%BE", "!'()": "%21%27%28%29"} {
		if got := AliyunPercentEncode(in); got != want {
			t.Errorf("AliyunPercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// refAliyunPercentEncode is the documented rule written out byte by byte:
// only A-Z a-z 0-9 - _ . ~ stay literal, everything else is %XX.
func refAliyunPercentEncode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func refAliyunStringToSign(method string, params map[string]string) string {
	type kv struct{ k, v string }
	var pairs []kv
	for k, v := range params {
		if k != "Signature" {
			pairs = append(pairs, kv{refAliyunPercentEncode(k), refAliyunPercentEncode(v)})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].k < pairs[j].k })
	var parts []string
	for _, p := range pairs {
		parts = append(parts, p.k+"="+p.v)
	}
	return method + "&" + refAliyunPercentEncode("/") + "&" + refAliyunPercentEncode(strings.Join(parts, "&"))
}

func refAliyunSignature(method string, params map[string]string, secret string) string {
	m := hmac.New(sha1.New, []byte(secret+"&"))
	m.Write([]byte(refAliyunStringToSign(method, params)))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// fakeDysms is Dysmsapi as documented: it refuses a request whose
// signature it cannot reproduce with the AccessKey's secret, a stale
// timestamp, a reused nonce and a missing common parameter, then answers
// SendSms with what the test asks for.
type fakeDysms struct {
	t       *testing.T
	keys    map[string]string // AccessKeyId → secret
	mu      sync.Mutex
	nonces  map[string]bool
	got     []map[string]string
	answer  func(params map[string]string) (int, string) // nil: OK
	now     time.Time
	srv     *httptest.Server
	refused int
}

func newFakeDysms(t *testing.T) *fakeDysms {
	f := &fakeDysms{t: t, keys: map[string]string{"LTAI5tTestKey": "test-secret-1"}, nonces: map[string]bool{}, now: time.Now()}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeDysms) reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, body)
}

func (f *fakeDysms) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := r.ParseForm(); err != nil {
		f.reply(w, 400, `{"Code":"InvalidParameter","Message":"bad form"}`)
		return
	}
	params := map[string]string{}
	for k, v := range r.Form {
		params[k] = v[0]
	}
	for _, k := range []string{"AccessKeyId", "Action", "Format", "RegionId", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version", "Signature"} {
		if params[k] == "" {
			f.refused++
			f.reply(w, 400, fmt.Sprintf(`{"RequestId":"1","Code":"MissingParameter","Message":"%s is mandatory for this action."}`, k))
			return
		}
	}
	secret, ok := f.keys[params["AccessKeyId"]]
	if !ok {
		f.refused++
		f.reply(w, 404, `{"RequestId":"2","HostId":"dysmsapi.aliyuncs.com","Code":"InvalidAccessKeyId.NotFound","Message":"Specified access key is not found."}`)
		return
	}
	if want := refAliyunSignature(r.Method, params, secret); !hmac.Equal([]byte(want), []byte(params["Signature"])) ||
		params["SignatureMethod"] != "HMAC-SHA1" || params["SignatureVersion"] != "1.0" {
		f.refused++
		f.reply(w, 400, `{"RequestId":"3","HostId":"dysmsapi.aliyuncs.com","Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched with our calculation."}`)
		return
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", params["Timestamp"])
	if err != nil || ts.Sub(f.now).Abs() > 15*time.Minute {
		f.refused++
		f.reply(w, 400, `{"RequestId":"4","Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired."}`)
		return
	}
	if f.nonces[params["SignatureNonce"]] {
		f.refused++
		f.reply(w, 400, `{"RequestId":"5","Code":"SignatureNonceUsed","Message":"Specified signature nonce was used already."}`)
		return
	}
	f.nonces[params["SignatureNonce"]] = true
	if params["Action"] != "SendSms" || params["Version"] != "2017-05-25" {
		f.reply(w, 400, `{"RequestId":"6","Code":"InvalidAction.NotFound","Message":"Specified api is not found."}`)
		return
	}
	f.got = append(f.got, params)
	if f.answer != nil {
		if status, body := f.answer(params); body != "" {
			f.reply(w, status, body)
			return
		}
	}
	f.reply(w, 200, `{"Message":"OK","RequestId":"F655A8D5-B967-440B-8683-DAD6FF8DE990","Code":"OK","BizId":"900619746936498440^0"}`)
}

func TestAliyunSendsASignedRequest(t *testing.T) {
	f := newFakeDysms(t)
	log, buf := logBuffer()
	a := &Aliyun{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: "test-secret-1", SignName: "某区民政局", Endpoint: f.srv.URL + "/", Logger: log}
	params := map[string]string{"project": "社区养老 & 助餐*", "deadline": "12月3日 17:00", "link": "https://g.example/d/ab~c"}
	id, err := a.Send(context.Background(), "+86 138-1234-5678", "SMS_123456", params)
	if err != nil {
		t.Fatal(err)
	}
	if id != "900619746936498440^0" || len(f.got) != 1 {
		t.Fatalf("BizId %q, %d requests", id, len(f.got))
	}
	got := f.got[0]
	var tp map[string]string
	if err := json.Unmarshal([]byte(got["TemplateParam"]), &tp); err != nil || tp["project"] != params["project"] || len(tp) != 3 {
		t.Errorf("TemplateParam %q", got["TemplateParam"])
	}
	if got["PhoneNumbers"] != testPhone || got["SignName"] != "某区民政局" || got["TemplateCode"] != "SMS_123456" ||
		got["Format"] != "JSON" || got["RegionId"] != "cn-hangzhou" {
		t.Errorf("parameters %v", got)
	}
	// A second message gets a fresh nonce (a reused one is refused).
	if _, err := a.Send(context.Background(), testPhone, "SMS_123456", params); err != nil {
		t.Fatal(err)
	}
	noFullPhone(t, buf, nil)
}

func TestAliyunRefusesWrongSignatures(t *testing.T) {
	f := newFakeDysms(t)
	params := map[string]string{"code": "1 参加"}
	// A wrong secret.
	a := &Aliyun{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: "not-the-secret", SignName: "某区民政局", Endpoint: f.srv.URL + "/"}
	_, err := a.Send(context.Background(), testPhone, "SMS_100", params)
	wantErr(t, err, "SignatureDoesNotMatch", false)
	// A parameter changed after signing.
	a = &Aliyun{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: "test-secret-1", SignName: "某区民政局", Endpoint: f.srv.URL + "/",
		Client: &http.Client{Transport: tamper{from: "SMS_100", to: "SMS_999"}}}
	_, err = a.Send(context.Background(), testPhone, "SMS_100", params)
	wantErr(t, err, "SignatureDoesNotMatch", false)
	// An unknown AccessKey.
	a = &Aliyun{AccessKeyID: "LTAIother", AccessKeySecret: "test-secret-1", SignName: "某区民政局", Endpoint: f.srv.URL + "/"}
	_, err = a.Send(context.Background(), testPhone, "SMS_100", params)
	wantErr(t, err, "InvalidAccessKeyId.NotFound", false)
	// A clock an hour off.
	a = &Aliyun{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: "test-secret-1", SignName: "某区民政局", Endpoint: f.srv.URL + "/",
		Now: func() time.Time { return time.Now().Add(-time.Hour) }}
	_, err = a.Send(context.Background(), testPhone, "SMS_100", params)
	wantErr(t, err, "InvalidTimeStamp.Expired", false)
	// A reused nonce: the second is refused, retryably (a fresh nonce passes).
	a = &Aliyun{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: "test-secret-1", SignName: "某区民政局", Endpoint: f.srv.URL + "/",
		Nonce: func() string { return "same" }}
	if _, err = a.Send(context.Background(), testPhone, "SMS_100", params); err != nil {
		t.Fatal(err)
	}
	_, err = a.Send(context.Background(), testPhone, "SMS_100", params)
	wantErr(t, err, "SignatureNonceUsed", true)
	if f.refused != 5 || len(f.got) != 1 {
		t.Fatalf("%d refused, %d accepted; want 5 and 1", f.refused, len(f.got))
	}
}

func TestAliyunClassifiesErrors(t *testing.T) {
	f := newFakeDysms(t)
	answers := map[string]struct {
		status int
		body   string
	}{
		"SMS_1": {200, `{"Message":"手机号码格式错误","RequestId":"A","Code":"isv.MOBILE_NUMBER_ILLEGAL"}`},
		"SMS_2": {200, `{"Message":"模板不合法(不存在或被拉黑)","RequestId":"B","Code":"isv.SMS_TEMPLATE_ILLEGAL"}`},
		"SMS_3": {200, `{"Message":"触发分钟级流控Permits:1","RequestId":"C","Code":"isv.BUSINESS_LIMIT_CONTROL"}`},
		"SMS_4": {503, `{"Message":"The request has failed due to a temporary failure of the server.","RequestId":"D","Code":"ServiceUnavailable"}`},
		"SMS_5": {502, `<html>Bad Gateway</html>`},
		"SMS_6": {200, `{"Message":"模板缺少变量","RequestId":"E","Code":"isv.TEMPLATE_MISSING_PARAMETERS"}`},
		"SMS_7": {500, `{"Message":"System error","RequestId":"F","Code":"isp.SYSTEM_ERROR"}`},
		"SMS_8": {200, `{"Message":"号码 13812345678 触发天级流控","RequestId":"G","Code":"isv.DAY_LIMIT_CONTROL"}`},
	}
	f.answer = func(p map[string]string) (int, string) {
		a := answers[p["TemplateCode"]]
		return a.status, a.body
	}
	log, buf := logBuffer()
	a := &Aliyun{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: "test-secret-1", SignName: "某区民政局", Endpoint: f.srv.URL + "/", Logger: log}
	for code, want := range map[string]struct {
		code      string
		retryable bool
	}{
		"SMS_1": {"isv.MOBILE_NUMBER_ILLEGAL", false}, "SMS_2": {"isv.SMS_TEMPLATE_ILLEGAL", false},
		"SMS_3": {"isv.BUSINESS_LIMIT_CONTROL", true}, "SMS_4": {"ServiceUnavailable", true},
		"SMS_5": {CodeHTTPStatus, true}, "SMS_6": {"isv.TEMPLATE_MISSING_PARAMETERS", false},
		"SMS_7": {"isp.SYSTEM_ERROR", true}, "SMS_8": {"isv.DAY_LIMIT_CONTROL", true},
	} {
		_, err := a.Send(context.Background(), testPhone, code, map[string]string{"x": "1"})
		wantErr(t, err, want.code, want.retryable)
		noFullPhone(t, buf, err)
	}
}

func TestAliyunGuardsBeforeSending(t *testing.T) {
	f := newFakeDysms(t)
	log, buf := logBuffer()
	a := &Aliyun{AccessKeyID: "LTAI5tTestKey", AccessKeySecret: "test-secret-1", SignName: "某区民政局", Endpoint: f.srv.URL + "/", Logger: log}
	_, err := a.Send(context.Background(), testPhone, "SMS_1", map[string]string{"expert": "张三 " + testIDNumber})
	wantErr(t, err, CodeIDNumber, false)
	_, err = a.Send(context.Background(), "02112345678", "SMS_1", nil)
	wantErr(t, err, CodeInvalidPhone, false)
	if len(f.got)+f.refused != 0 {
		t.Fatal("a refused message reached the provider")
	}
	if strings.Contains(buf.String(), testIDNumber) {
		t.Fatalf("the log carries the ID number:\n%s", buf)
	}
	// A provider that cannot be reached: retryable, and the error (a
	// *url.Error would name the URL) carries no phone.
	f.srv.Close()
	_, err = a.Send(context.Background(), testPhone, "SMS_1", nil)
	wantErr(t, err, CodeNetwork, true)
	noFullPhone(t, buf, err)
}
