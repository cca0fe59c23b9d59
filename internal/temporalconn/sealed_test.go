package temporalconn_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"grantflow/activities"
	"grantflow/internal/domain"
	"grantflow/internal/temporalconn"
	"grantflow/workflows"
)

var bidReq = workflows.BidRequest{
	Actor: domain.Actor{UserID: 41, Name: "南开区乐龄志愿服务协会", Roles: []domain.Role{domain.RoleOrgMember}, OrgID: 7},
	Bid: domain.Bid{ID: "b-1", CallID: "c-1", OrgID: 7, OrgName: "南开区乐龄志愿服务协会", OrgUSCC: "52120104MJ0000022",
		Parts: []domain.SealedPart{{PartDigest: domain.PartDigest{Part: "doc-1", Label: "乐龄团队社工证扫描件.pdf", Size: 48213,
			SHA256: "9f2c0e7a4b1d"}, ObjectKey: "calls/c-1/bids/b-1/doc-1"}},
		SubmittedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)},
}

// the bid's secrets: who bid and what the parts are
var bidSecrets = []string{"南开区乐龄志愿服务协会", "52120104MJ0000022", "乐龄团队社工证扫描件.pdf", "9f2c0e7a4b1d"}

func holdsAny(b []byte, secrets []string) string {
	for _, s := range secrets {
		if bytes.Contains(b, []byte(s)) {
			return s
		}
	}
	return ""
}

// A bid's payload is sealed under the scope sealed-until-public: GrantFlow's
// own converter opens it again, the operators' codec does not (it answers
// Withheld), and a payload of another value still opens for operators.
func TestBidPayloadsAreSealedUntilPublic(t *testing.T) {
	keys := ring(t, spec(t, "k1"))
	dc := temporalconn.DataConverter(keys)
	p, err := dc.ToPayload(bidReq)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(p.Metadata[temporalconn.MetadataScope]); got != temporalconn.ScopeSealedUntilPublic {
		t.Fatalf("scope %q, want %q", got, temporalconn.ScopeSealedUntilPublic)
	}
	if s := holdsAny(p.Data, bidSecrets); s != "" {
		t.Fatalf("sealed payload holds %q", s)
	}
	// GrantFlow's workers and clients read it in full
	var back workflows.BidRequest
	if err := dc.FromPayload(p, &back); err != nil || !reflect.DeepEqual(back, bidReq) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	full, err := temporalconn.Codec{Keys: keys}.Decode([]*commonpb.Payload{p})
	if err != nil || holdsAny(full[0].Data, bidSecrets) == "" {
		t.Fatalf("the full codec did not open the bid: %v", err)
	}

	// the operators' codec (the Web UI's endpoint) does not
	op := temporalconn.OperatorCodec(keys)
	got, err := op.Decode([]*commonpb.Payload{p})
	if err != nil {
		t.Fatal(err)
	}
	if s := holdsAny(got[0].Data, bidSecrets); s != "" {
		t.Fatalf("the operators' codec opened the bid: it shows %q", s)
	}
	var shown string
	if err := converter.GetDefaultDataConverter().FromPayload(got[0], &shown); err != nil || shown != temporalconn.Withheld {
		t.Fatalf("the operators' codec shows %q (%v), want %q", got[0].Data, err, temporalconn.Withheld)
	}
	if string(got[0].Metadata[temporalconn.MetadataScope]) != temporalconn.ScopeSealedUntilPublic {
		t.Errorf("the withheld payload does not say its scope: %v", got[0].Metadata)
	}

	// a stage ack is no secret: operators read it
	ack, err := dc.ToPayload(workflows.Ack{Stage: domain.StageBidding})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ack.Metadata[temporalconn.MetadataScope]; ok {
		t.Fatal("an ack is scoped")
	}
	got, err = op.Decode([]*commonpb.Payload{ack, p})
	if err != nil || !strings.Contains(string(got[0].Data), string(domain.StageBidding)) || holdsAny(got[1].Data, bidSecrets) != "" {
		t.Fatalf("operators' decode of an ack and a bid: %v %q", err, got)
	}

	// the batch form (update and activity arguments) is scoped per value
	ps, err := dc.ToPayloads(workflows.Ack{}, bidReq)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ps.Payloads[0].Metadata[temporalconn.MetadataScope]; ok || string(ps.Payloads[1].Metadata[temporalconn.MetadataScope]) != temporalconn.ScopeSealedUntilPublic {
		t.Fatalf("batch scopes: %v / %v", ps.Payloads[0].Metadata, ps.Payloads[1].Metadata)
	}
}

// The mark inside is metadata only: the payload's data is the JSON the
// default converter writes, so histories recorded before and after read
// the same.
func TestScopedPayloadDataIsPlainJSON(t *testing.T) {
	keys := ring(t, spec(t, "k1"))
	p, err := temporalconn.DataConverter(keys).ToPayload(bidReq)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := temporalconn.Codec{Keys: keys}.Decode([]*commonpb.Payload{p})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(bidReq)
	if !bytes.Equal(bytes.TrimSpace(inner[0].Data), want) {
		t.Fatalf("data %s, want %s", inner[0].Data, want)
	}
}

// The outer mark cannot be stripped (or changed) to make the operators'
// codec open a payload: the scope is bound into the ciphertext, so the
// payload no longer decrypts at all. Nor can a plain payload be marked to
// make it unreadable-but-accepted.
func TestTheScopeCannotBeStripped(t *testing.T) {
	keys := ring(t, spec(t, "k1"))
	dc := temporalconn.DataConverter(keys)
	p, err := dc.ToPayload(bidReq)
	if err != nil {
		t.Fatal(err)
	}
	stripped := &commonpb.Payload{Metadata: map[string][]byte{}, Data: p.Data}
	for k, v := range p.Metadata {
		if k != temporalconn.MetadataScope {
			stripped.Metadata[k] = v
		}
	}
	for name, c := range map[string]temporalconn.Codec{"operators'": temporalconn.OperatorCodec(keys), "full": {Keys: keys}} {
		got, err := c.Decode([]*commonpb.Payload{stripped})
		if err == nil {
			t.Errorf("the %s codec opened a payload whose scope was stripped: %q", name, got[0].Data)
		}
	}
	renamed := &commonpb.Payload{Metadata: map[string][]byte{}, Data: p.Data}
	for k, v := range p.Metadata {
		renamed.Metadata[k] = v
	}
	renamed.Metadata[temporalconn.MetadataScope] = []byte("public")
	if got, err := temporalconn.OperatorCodec(keys).Decode([]*commonpb.Payload{renamed}); err == nil {
		t.Errorf("a payload of another scope was opened: %q", got[0].Data)
	}
	// the reverse: an ordinary payload marked sealed does not open either
	ack, _ := dc.ToPayload(workflows.Ack{Stage: domain.StageBidding})
	ack.Metadata[temporalconn.MetadataScope] = []byte(temporalconn.ScopeSealedUntilPublic)
	if _, err := (temporalconn.Codec{Keys: keys}).Decode([]*commonpb.Payload{ack}); err == nil {
		t.Error("an ordinary payload marked sealed-until-public was opened under that scope")
	}
}

// Which values are sealed until public: the Update arguments, workflow
// inputs, query results and activity inputs and results that carry bids,
// drafts, panels, scores or who objected — and slices of them.
func TestWhichPayloadsAreSealedUntilPublic(t *testing.T) {
	sealed := []any{
		workflows.BidRequest{}, &workflows.BidRequest{}, workflows.CallInput{}, workflows.CallState{}, workflows.CallResume{},
		workflows.ScoreRequest{}, workflows.DeclareRequest{}, workflows.ObjectionRequest{}, workflows.RecusalRequest{},
		workflows.RecusalDecision{}, workflows.WithdrawRequest{}, workflows.AttachDocumentRequest{},
		workflows.ProjectState{}, workflows.EvalScoreRequest{}, []workflows.Seat{},
		activities.RecordBidInput{}, activities.WithdrawBidInput{}, []activities.Drawn{}, activities.CreateDraftCallInput{},
		activities.RecordScoreInput{}, activities.SaveResultsInput{}, activities.DeclareInput{}, activities.FileObjectionInput{},
		activities.RecordObjectionInput{}, activities.RecusalRequestInput{}, activities.DecideRecusalInput{},
		activities.EvalSheetInput{}, domain.Receipt{}, domain.Call{}, []domain.BidResult{}, map[string]domain.ScoreSheet{},
	}
	for _, v := range sealed {
		if !temporalconn.SealedUntilPublic(v) {
			t.Errorf("%T is not sealed until public", v)
		}
	}
	open := []any{nil, "call-1", 3, workflows.Ack{}, workflows.ObjectionAck{}, workflows.SubmitRequest{}, workflows.DecisionRequest{},
		workflows.ProjectAck{}, activities.SetCallStageInput{}, activities.NotifyInput{}, []activities.OpenedBid{}, activities.PublishResult{}}
	for _, v := range open {
		if temporalconn.SealedUntilPublic(v) {
			t.Errorf("%T is sealed until public; operators could not read it", v)
		}
	}
}
