package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"grantflow/internal/config"
)

// SinkMessage is what the sink client posts to the dev SMS sink's
// POST /api/messages (internal/devstack/smssink).
type SinkMessage struct {
	Phone    string            `json:"phone"`
	Template string            `json:"template"`
	Params   map[string]string `json:"params"`
}

// Sink sends to the dev stack's SMS sink over HTTP, for a web or worker
// process that runs apart from grantflow-dev (GRANTFLOW_SMS_SINK_URL). The
// sink answers {"id": "…"} or {"code": "…", "message": "…"} like a provider.
type Sink struct {
	URL    string // the sink's base URL, e.g. http://127.0.0.1:58025
	Client *http.Client
	Logger *slog.Logger
}

// Send posts the message to the sink.
func (s *Sink) Send(ctx context.Context, phone, templateCode string, params map[string]string) (string, error) {
	p, err := Check("sink", phone, templateCode, params)
	if err != nil {
		logFailure(ctx, s.Logger, "sink", templateCode, err)
		return "", err
	}
	body, _ := json.Marshal(SinkMessage{Phone: p, Template: templateCode, Params: params})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.URL, "/")+"/api/messages", bytes.NewReader(body))
	if err != nil {
		return "", &Error{Provider: "sink", Code: CodeRequestInvalid, Phone: MaskPhone(p), Message: "bad sink URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client(s.Client).Do(req)
	if err != nil {
		err = transportError(ctx, "sink", p, err)
		logFailure(ctx, s.Logger, "sink", templateCode, err)
		return "", err
	}
	defer resp.Body.Close()
	var ans struct{ ID, Code, Message string }
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if json.Unmarshal(raw, &ans) != nil || (ans.ID == "" && ans.Code == "") {
		err = &Error{Provider: "sink", Code: CodeHTTPStatus, Phone: MaskPhone(p), Message: resp.Status, Retryable: statusRetryable(resp.StatusCode)}
	} else if ans.Code != "" {
		err = &Error{Provider: "sink", Code: ans.Code, Phone: MaskPhone(p), Message: ans.Message, Retryable: statusRetryable(resp.StatusCode)}
	}
	if err != nil {
		logFailure(ctx, s.Logger, "sink", templateCode, err)
		return "", err
	}
	logger(s.Logger).InfoContext(ctx, "sms sent", "provider", "sink", "phone", MaskPhone(p), "template", templateCode, "id", ans.ID)
	return ans.ID, nil
}

// New builds the configured provider, or nil when SMS is off
// (GRANTFLOW_SMS_PROVIDER empty). The settings must have passed
// config.Validate.
func New(c config.SMS, client *http.Client, log *slog.Logger) (Provider, error) {
	templates, err := c.TemplateMap()
	if err != nil {
		return nil, err
	}
	switch c.Provider {
	case "":
		return nil, nil
	case "aliyun":
		return &Aliyun{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SignName: c.SignName,
			RegionID: c.Region, Endpoint: c.Endpoint, Client: client, Logger: log}, nil
	case "tencent":
		order := map[string][]string{}
		for _, t := range templates {
			if t.Params != nil {
				order[t.Code] = t.Params
			}
		}
		return &Tencent{SecretID: c.AccessKeyID, SecretKey: c.AccessKeySecret, SdkAppID: c.SdkAppID, SignName: c.SignName,
			Region: c.Region, Endpoint: c.Endpoint, ParamOrder: order, Client: client, Logger: log}, nil
	case "sink":
		return &Sink{URL: c.SinkURL, Client: client, Logger: log}, nil
	}
	return nil, &Error{Provider: c.Provider, Code: CodeRequestInvalid, Message: "unknown GRANTFLOW_SMS_PROVIDER"}
}
