package sms

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"grantflow/internal/config"
)

// Channel sends a kind of notice (draw.confirm, deadline.soon, …) by SMS:
// it looks up the kind's template code in the settings
// (GRANTFLOW_SMS_TEMPLATES) and hands the message to the provider.
type Channel struct {
	Provider  Provider
	Name      string // the provider's name: aliyun, tencent, sink
	Templates map[string]config.SMSTemplate
}

// NewChannel builds the configured channel, or nil when SMS is off.
func NewChannel(c config.SMS, client *http.Client, log *slog.Logger) (*Channel, error) {
	p, err := New(c, client, log)
	if err != nil || p == nil {
		return nil, err
	}
	t, err := c.TemplateMap()
	if err != nil {
		return nil, err
	}
	return &Channel{Provider: p, Name: c.Provider, Templates: t}, nil
}

// Send sends the kind's template. A kind without a template is a
// permanent error, except with the sink, which takes the kind as its code
// (so the dev stack needs no template list). When the settings name the
// template's parameters, params must carry exactly those.
func (c *Channel) Send(ctx context.Context, phone, kind string, params map[string]string) (string, error) {
	t, ok := c.Templates[kind]
	if !ok {
		if c.Name != "sink" {
			return "", &Error{Provider: c.Name, Code: CodeNoTemplate, Phone: MaskPhone(phone),
				Message: fmt.Sprintf("no template for %s in GRANTFLOW_SMS_TEMPLATES", kind)}
		}
		t = config.SMSTemplate{Code: kind}
	}
	if t.Params != nil {
		if err := sameNames(t.Params, params); err != nil {
			return "", &Error{Provider: c.Name, Code: CodeParamOrder, Phone: MaskPhone(phone), Message: kind + ": " + err.Error()}
		}
	}
	return c.Provider.Send(ctx, phone, t.Code, params)
}

func sameNames(want []string, params map[string]string) error {
	got := make([]string, 0, len(params))
	for k := range params {
		got = append(got, k)
	}
	sort.Strings(got)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if strings.Join(got, ",") != strings.Join(w, ",") {
		return fmt.Errorf("the template takes %s, got %s", strings.Join(w, ","), strings.Join(got, ","))
	}
	return nil
}
