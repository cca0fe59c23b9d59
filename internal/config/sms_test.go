package config

import (
	"log/slog"
	"strings"
	"testing"
)

func TestSMSTemplates(t *testing.T) {
	s := SMS{Provider: "tencent", Templates: " draw.confirm=1001:project|deadline|link , deadline.soon=1002,account.password_changed=1003:1"}
	m, err := s.TemplateMap()
	if err != nil {
		t.Fatal(err)
	}
	if m["draw.confirm"].Code != "1001" || strings.Join(m["draw.confirm"].Params, ",") != "project,deadline,link" ||
		m["deadline.soon"].Code != "1002" || m["deadline.soon"].Params != nil || len(m) != 3 {
		t.Fatalf("TemplateMap = %+v", m)
	}
	for _, tc := range []struct{ provider, templates, want string }{
		{"aliyun", "draw.confirm", "is not kind=code"},
		{"aliyun", "Draw=SMS_1", "is not kind=code"},
		{"aliyun", "draw.confirm=SMS_1,draw.confirm=SMS_2", "given twice"},
		{"aliyun", "draw.confirm=123", "not a template code of aliyun"},
		{"tencent", "draw.confirm=SMS_123", "not a template code of tencent"},
		{"tencent", "draw.confirm=1001:a||b", "distinct names"},
		{"tencent", "draw.confirm=1001:a|a", "distinct names"},
		{"tencent", "draw.confirm=1001:a|b,draw.again=1001:b|a", "one template has one list"},
	} {
		_, err := SMS{Provider: tc.provider, Templates: tc.templates}.TemplateMap()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "GRANTFLOW_SMS_TEMPLATES") {
			t.Errorf("%s %q: err %v, want %q", tc.provider, tc.templates, err, tc.want)
		}
	}
}

func TestSMSValidate(t *testing.T) {
	if errs := (SMS{}).validate(); errs != nil {
		t.Fatalf("no provider is valid (no SMS): %v", errs)
	}
	ok := []SMS{
		{Provider: "aliyun", AccessKeyID: "LTAI", AccessKeySecret: "s", SignName: "某区民政局", Templates: "draw.confirm=SMS_1"},
		{Provider: "tencent", AccessKeyID: "AKID", AccessKeySecret: "s", SignName: "某区民政局", SdkAppID: "1400006666", Templates: "draw.confirm=1001:a|b"},
		{Provider: "sink", SinkURL: "http://127.0.0.1:58025"},
	}
	for _, s := range ok {
		if errs := s.validate(); errs != nil {
			t.Errorf("%+v: %v", s, errs)
		}
	}
	for _, tc := range []struct {
		s    SMS
		want []string
	}{
		{SMS{Provider: "twilio"}, []string{"GRANTFLOW_SMS_PROVIDER must be aliyun, tencent or sink"}},
		{SMS{Provider: "aliyun"}, []string{"GRANTFLOW_SMS_ACCESS_KEY_ID", "GRANTFLOW_SMS_SIGN_NAME", "GRANTFLOW_SMS_TEMPLATES is required"}},
		{SMS{Provider: "tencent", AccessKeyID: "a", AccessKeySecret: "s", SignName: "x", Templates: "a=1", Endpoint: "sms.example"},
			[]string{"GRANTFLOW_SMS_SDK_APP_ID", "GRANTFLOW_SMS_ENDPOINT"}},
		{SMS{Provider: "sink"}, []string{"GRANTFLOW_SMS_SINK_URL"}},
	} {
		var all []string
		for _, e := range tc.s.validate() {
			all = append(all, e.Error())
		}
		joined := strings.Join(all, "\n")
		for _, w := range tc.want {
			if !strings.Contains(joined, w) {
				t.Errorf("%+v: errors %q do not say %q", tc.s, joined, w)
			}
		}
	}
	// Validate reports them with the rest of the configuration.
	c, _ := FromMap(map[string]string{"GRANTFLOW_SMS_PROVIDER": "aliyun"})
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "GRANTFLOW_SMS_SIGN_NAME") {
		t.Errorf("Validate: %v", err)
	}
}

func TestSMSLogValueMasksTheSecret(t *testing.T) {
	s := SMS{Provider: "aliyun", AccessKeyID: "LTAI5t", AccessKeySecret: "very-secret", Templates: "draw.confirm=SMS_1"}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("config", "sms", s)
	if strings.Contains(b.String(), "very-secret") || !strings.Contains(b.String(), "draw.confirm=SMS_1") {
		t.Fatalf("log: %s", b.String())
	}
	vars := map[string]string{}
	for _, kv := range s.env() {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	c, err := FromMap(vars)
	if err != nil || c.SMS != s {
		t.Fatalf("env() does not round-trip: %+v %v", c.SMS, err)
	}
}
