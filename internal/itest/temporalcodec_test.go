package itest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"grantflow/internal/config"
	"grantflow/internal/devstack"
	"grantflow/internal/devstack/temporaldev"
	"grantflow/internal/domain"
	"grantflow/internal/temporalconn"
	"grantflow/workflows"
)

// history reads a workflow's events through c.
func history(t *testing.T, c client.Client, workflowID string) []*historypb.HistoryEvent {
	t.Helper()
	iter := c.GetWorkflowHistory(context.Background(), workflowID, "", false, enums.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, ev)
	}
	return events
}

// decodeEvents opens every sealed payload of events in place, as the
// Temporal Web UI does through the codec endpoint.
func decodeEvents(t *testing.T, h *harness, events []*historypb.HistoryEvent) {
	t.Helper()
	codec := temporalconn.Codec{Keys: h.app.Calls.Keys}
	for _, ev := range events {
		err := proxy.VisitPayloads(context.Background(), ev, proxy.VisitPayloadsOptions{SkipSearchAttributes: true,
			Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
				return codec.Decode(p)
			}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// readable is what anyone with access to the Temporal server (its
// database, the Web UI without the codec, tctl) reads of the events: every
// string in them, with payload bytes shown as text too.
func readable(t *testing.T, events []*historypb.HistoryEvent) string {
	t.Helper()
	var b strings.Builder
	for _, ev := range events {
		j, err := protojson.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		_ = proxy.VisitPayloads(context.Background(), ev, proxy.VisitPayloadsOptions{
			Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
				for _, pl := range p {
					b.Write(pl.GetData())
					for _, v := range pl.GetMetadata() {
						b.Write(v)
					}
				}
				return p, nil
			}})
	}
	return b.String()
}

// TestTemporalHistoryIsSealed: a call is bid, awarded and objected to; its
// history, read straight from the server without the codec, holds neither
// the objector's contact nor the bidders' identities nor even the call's
// title, and every payload in it is sealed. GrantFlow's own client reads
// the same history in full, except the objection, which only the database
// holds.
func TestTemporalHistoryIsSealed(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	title := "河西区失能老年人家庭照护者培训（历史加密）"
	id := approvedCall(t, h, experts, title, 1)
	eventually(t, "publicity", func() bool { return h.getCall("hexi", id).Stage == "publicity" })
	contact, reason := "13987654321", "第一名的团队人员资质证书与实际不符，请核查其社工证编号。"
	r := h.api("org2", "POST", "/api/v1/public/calls/"+id+"/objections",
		map[string]any{"name": "南开区乐龄志愿服务协会", "contact": contact, "reason": reason}, key())
	mustStatus(t, r, http.StatusCreated, "objection")

	raw, err := client.Dial(client.Options{HostPort: h.app.Config.TemporalAddress, Namespace: h.app.Config.TemporalNamespace})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	wfID := "call-" + id
	events := history(t, raw, wfID)
	secrets := []string{contact, reason, title, usccWith("52120104MJ0000022"), usccWith("52120105MJ0000033"), "南开区乐龄志愿服务协会"}
	plain := readable(t, events)
	for _, s := range secrets {
		if strings.Contains(plain, s) {
			t.Errorf("the raw history holds %q", s)
		}
	}
	sealed, total := 0, 0
	for _, ev := range events {
		_ = proxy.VisitPayloads(context.Background(), ev, proxy.VisitPayloadsOptions{SkipSearchAttributes: true,
			Visitor: func(_ *proxy.VisitPayloadsContext, p []*commonpb.Payload) ([]*commonpb.Payload, error) {
				for _, pl := range p {
					total++
					if string(pl.GetMetadata()[converter.MetadataEncoding]) == temporalconn.EncodingEncrypted {
						sealed++
					} else {
						t.Errorf("a payload in the clear (%s): %.80q", pl.GetMetadata()[converter.MetadataEncoding], pl.GetData())
					}
				}
				return p, nil
			}})
	}
	if total < 10 || sealed != total {
		t.Errorf("%d of %d payloads sealed", sealed, total)
	}

	// GrantFlow's client (with the codec) reads them.
	mine := history(t, h.app.Temporal, wfID)
	decodeEvents(t, h, mine)
	opened := readable(t, mine)
	for _, s := range []string{title, usccWith("52120104MJ0000022"), "南开区乐龄志愿服务协会"} {
		if !strings.Contains(opened, s) {
			t.Errorf("the decoded history lacks %q", s)
		}
	}
	// An objection lives in the database: the history carries its ID only,
	// so not even an operator with the codec reads the objector's contact.
	for _, s := range []string{contact, reason} {
		if strings.Contains(opened, s) {
			t.Errorf("the decoded history holds the objection's %q", s)
		}
	}

	operatorsCannotOpenBids(t, h, events)
}

// operatorsCannotOpenBids: an admin POSTs the payloads of the call's
// history, as the Temporal Web UI does, to the codec endpoint. A bid (the
// submit-bid update's argument) is sealed until the opening: the endpoint
// answers 封存至依法公开 and neither the bidder's name, organisation and
// code nor its parts' labels and digests; a stage ack still decodes.
func operatorsCannotOpenBids(t *testing.T, h *harness, events []*historypb.HistoryEvent) {
	t.Helper()
	names := map[string]string{} // update ID -> name
	var bids []*commonpb.Payload
	var acks []*commonpb.Payload
	for _, ev := range events {
		if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil {
			req := a.GetAcceptedRequest()
			names[req.GetMeta().GetUpdateId()] = req.GetInput().GetName()
			if req.GetInput().GetName() == workflows.UpdateSubmitBid {
				bids = append(bids, req.GetInput().GetArgs().GetPayloads()...)
			}
		}
		if c := ev.GetWorkflowExecutionUpdateCompletedEventAttributes(); c != nil && names[c.GetMeta().GetUpdateId()] == workflows.UpdateSubmit {
			acks = append(acks, c.GetOutcome().GetSuccess().GetPayloads()...)
		}
	}
	if len(bids) != 3 || len(acks) != 1 {
		t.Fatalf("the history holds %d submit-bid arguments and %d acks of %s", len(bids), len(acks), workflows.UpdateSubmit)
	}
	// what the bids hold, read with GrantFlow's own codec
	var secrets []string
	dc := temporalconn.DataConverter(h.app.Calls.Keys)
	for _, p := range bids {
		var req workflows.BidRequest
		if err := dc.FromPayload(p, &req); err != nil {
			t.Fatal(err)
		}
		// the bidder (its name and organisation), the parts' file names
		// and digests
		secrets = append(secrets, req.Actor.Name)
		for _, part := range req.Bid.Parts {
			secrets = append(secrets, part.Label, part.SHA256)
		}
	}
	if slices.Contains(secrets, "") || len(secrets) < 3*3 || !slices.Contains(secrets, "陈晨（河西区夕阳红社会工作服务中心）") {
		t.Fatalf("the bids hold no names or parts to look for: %q", secrets)
	}
	decode := func(ps []*commonpb.Payload) []*commonpb.Payload {
		t.Helper()
		body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
		r := h.do("POST", "/admin/temporal-codec/decode", h.token("admin"), "application/json", string(body), nil)
		var out commonpb.Payloads
		if r.status != http.StatusOK || protojson.Unmarshal(r.body, &out) != nil || len(out.Payloads) != len(ps) {
			t.Fatalf("decode: %d %s", r.status, r.body)
		}
		for _, s := range secrets {
			if strings.Contains(string(r.body), s) || strings.Contains(string(r.body), base64.StdEncoding.EncodeToString([]byte(s))) {
				t.Errorf("an admin decoding the history reads the bid's %q", s)
			}
		}
		return out.Payloads
	}
	plain := converter.GetDefaultDataConverter()
	for _, p := range decode(bids) {
		var shown string
		if err := plain.FromPayload(p, &shown); err != nil || shown != temporalconn.Withheld {
			t.Errorf("a bid decoded for an admin shows %q (%v), want %q", p.GetData(), err, temporalconn.Withheld)
		}
	}
	var ack workflows.Ack
	if err := plain.FromPayload(decode(acks)[0], &ack); err != nil || ack.Stage != domain.StagePublishReview {
		t.Errorf("the stage ack decoded for an admin: %+v %v", ack, err)
	}
}

const testUIOrigin = "http://127.0.0.1:58999"

// TestTemporalCodecEndpoint: the Web UI's codec endpoint decodes and
// encodes for a signed-in admin (session cookie from the UI's origin, or API
// token) and refuses everyone else with 403.
func TestTemporalCodecEndpoint(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.Temporal.UIOrigin = testUIOrigin })
	dc := temporalconn.DataConverter(h.app.Calls.Keys)
	p, err := dc.ToPayload(map[string]string{"contact": "13987654321"})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{p}})
	const path = "/admin/temporal-codec/decode"
	uiHeaders := map[string]string{"Origin": testUIOrigin, "Sec-Fetch-Site": "same-site", "X-Namespace": "grantflow"}
	post := func(path, token, cookie string, header map[string]string, body []byte) response {
		t.Helper()
		hd := map[string]string{}
		for k, v := range header {
			hd[k] = v
		}
		if cookie != "" {
			hd["Cookie"] = cookie
		}
		return h.do("POST", path, token, "application/json", string(body), hd)
	}
	decoded := func(r response) string {
		t.Helper()
		var out struct {
			Payloads []struct {
				Metadata map[string]string
				Data     string
			}
		}
		r.json(t, &out)
		if len(out.Payloads) != 1 {
			t.Fatalf("decode answered %s", r.body)
		}
		d, _ := base64.StdEncoding.DecodeString(out.Payloads[0].Data)
		return string(d)
	}

	// refused: nobody signed in, every role but admin, another origin
	if r := post(path, "", "", uiHeaders, body); r.status != http.StatusForbidden {
		t.Errorf("anonymous: %d %s", r.status, r.body)
	}
	for _, u := range []string{"minzheng", "hexi", "caizheng", "zhuanjia", "zuzhi", "gaoxiao", "shequ"} {
		if r := post(path, h.token(u), "", nil, body); r.status != http.StatusForbidden || strings.Contains(string(r.body), "13987654321") {
			t.Errorf("%s by token: %d %s", u, r.status, r.body)
		}
		if r := post(path, "", h.sessionCookie(u), uiHeaders, body); r.status != http.StatusForbidden {
			t.Errorf("%s by session: %d %s", u, r.status, r.body)
		}
	}
	admin := h.sessionCookie("admin")
	evil := map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
	if r := post(path, "", admin, evil, body); r.status != http.StatusForbidden || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an admin's cookie from another origin: %d %v %s", r.status, r.header, r.body)
	}

	// allowed: the admin's session from the UI (with CORS), the admin's token
	r := post(path, "", admin, uiHeaders, body)
	if r.status != http.StatusOK || !strings.Contains(decoded(r), "13987654321") {
		t.Fatalf("admin from the UI: %d %s", r.status, r.body)
	}
	if r.header.Get("Access-Control-Allow-Origin") != testUIOrigin || r.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("CORS answer: %v", r.header)
	}
	if r := post(path, h.token("admin"), "", nil, body); r.status != http.StatusOK || !strings.Contains(decoded(r), "13987654321") {
		t.Errorf("admin by token: %d %s", r.status, r.body)
	}
	// encode: what the UI sends (a signal's input) is sealed
	plainP, _ := converter.GetDefaultDataConverter().ToPayload("手动输入 13911112222")
	pb, _ := protojson.Marshal(&commonpb.Payloads{Payloads: []*commonpb.Payload{plainP}})
	r = post("/admin/temporal-codec/encode", h.token("admin"), "", nil, pb)
	var enc commonpb.Payloads
	if r.status != http.StatusOK || protojson.Unmarshal(r.body, &enc) != nil || len(enc.Payloads) != 1 {
		t.Fatalf("encode: %d %s", r.status, r.body)
	}
	if strings.Contains(string(enc.Payloads[0].Data), "13911112222") {
		t.Error("encode left the payload readable")
	}
	var back string
	if err := dc.FromPayload(enc.Payloads[0], &back); err != nil || back != "手动输入 13911112222" {
		t.Errorf("encoded payload: %q %v", back, err)
	}

	// the browser's preflight: answered for the UI's origin only
	pre := func(origin string) response {
		t.Helper()
		return h.do("OPTIONS", path, "", "", "", map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST",
			"Access-Control-Request-Headers": "content-type,x-namespace"})
	}
	if r := pre(testUIOrigin); r.status != http.StatusNoContent || r.header.Get("Access-Control-Allow-Origin") != testUIOrigin ||
		!strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "X-Namespace") {
		t.Errorf("preflight from the UI: %d %v", r.status, r.header)
	}
	if r := pre("https://evil.example"); r.status != http.StatusForbidden || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", r.status, r.header)
	}
}

// TestDevWebUIDecodesThroughTheCodecEndpoint: the dev stack's Web UI tells
// the browser to decode payloads at GrantFlow's codec endpoint, sending the
// session cookie along.
func TestDevWebUIDecodesThroughTheCodecEndpoint(t *testing.T) {
	port, err := devstack.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	endpoint := "http://127.0.0.1:8080/admin/temporal-codec"
	ui := uiserver.NewServer(uiserveroptions.WithConfigProvider(temporaldev.UIConfig(
		temporaldev.Options{UIPort: port, Namespace: "grantflow", CodecEndpoint: endpoint}, shared.Temporal.Addr)))
	go func() { _ = ui.Start() }()
	defer ui.Stop()
	var settings struct {
		Codec struct {
			Endpoint           string
			IncludeCredentials bool
		}
	}
	eventually(t, "the Web UI's settings", func() bool {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/api/v1/settings", port))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&settings) == nil
	})
	if settings.Codec.Endpoint != endpoint || !settings.Codec.IncludeCredentials {
		t.Fatalf("the UI's codec settings: %+v", settings.Codec)
	}
}
