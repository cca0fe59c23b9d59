package sms

import (
	"context"
	"testing"

	"grantflow/internal/config"
)

// recorder is a Provider that notes what it was asked to send.
type recorder struct{ codes []string }

func (r *recorder) Send(_ context.Context, phone, code string, params map[string]string) (string, error) {
	if _, err := Check("test", phone, code, params); err != nil {
		return "", err
	}
	r.codes = append(r.codes, code)
	return "id", nil
}

func TestChannelLooksUpTheKindsTemplate(t *testing.T) {
	s := config.SMS{Provider: "aliyun", Templates: "draw.confirm=SMS_100:project|link,deadline.soon=SMS_200"}
	tm, err := s.TemplateMap()
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c := &Channel{Provider: rec, Name: "aliyun", Templates: tm}
	ctx := context.Background()
	if _, err := c.Send(ctx, testPhone, "draw.confirm", map[string]string{"project": "助餐", "link": "https://g.example/x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(ctx, testPhone, "deadline.soon", map[string]string{"anything": "1"}); err != nil {
		t.Fatal(err)
	}
	if len(rec.codes) != 2 || rec.codes[0] != "SMS_100" || rec.codes[1] != "SMS_200" {
		t.Fatalf("codes %v", rec.codes)
	}
	_, err = c.Send(ctx, testPhone, "draw.confirm", map[string]string{"project": "助餐"})
	wantErr(t, err, CodeParamOrder, false)
	_, err = c.Send(ctx, testPhone, "contract.window", nil)
	wantErr(t, err, CodeNoTemplate, false)
	// The sink takes a kind without a template as its code.
	c.Name = "sink"
	if _, err := c.Send(ctx, testPhone, "contract.window", nil); err != nil || rec.codes[2] != "contract.window" {
		t.Fatalf("sink: %v %v", err, rec.codes)
	}
	if ch, err := NewChannel(config.SMS{}, nil, nil); ch != nil || err != nil {
		t.Fatalf("no provider: %v %v", ch, err)
	}
	if ch, err := NewChannel(s, nil, nil); err != nil || ch.Name != "aliyun" || ch.Templates["draw.confirm"].Code != "SMS_100" {
		t.Fatalf("NewChannel: %+v %v", ch, err)
	}
}
