package temporalconn_test

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/temporalconn"
	"grantflow/workflows"
)

func ring(t *testing.T, specs ...string) *pii.Keyring {
	t.Helper()
	k, err := pii.Parse(strings.Join(specs, ","))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func spec(t *testing.T, id string) string {
	t.Helper()
	s, err := pii.NewKeySpec(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type objection struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
}

var secret = objection{Name: "天津市河西区夕阳红养老服务中心", Contact: "13812345678"}

func TestPayloadsAreSealedAndOpenAgain(t *testing.T) {
	dc := temporalconn.DataConverter(ring(t, spec(t, "k1")))
	p, err := dc.ToPayload(secret)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(p.Data, []byte("13812345678")) || bytes.Contains(p.Data, []byte(secret.Name)) {
		t.Fatalf("payload readable: %q", p.Data)
	}
	if got := string(p.Metadata[converter.MetadataEncoding]); got != temporalconn.EncodingEncrypted {
		t.Fatalf("encoding %q", got)
	}
	if got := string(p.Metadata[temporalconn.MetadataKeyID]); got != "k1" {
		t.Fatalf("key id %q", got)
	}
	for k, v := range p.Metadata {
		if k != converter.MetadataEncoding && k != temporalconn.MetadataKeyID {
			t.Errorf("metadata %s=%q left in the clear", k, v)
		}
	}
	var back objection
	if err := dc.FromPayload(p, &back); err != nil || back != secret {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	q, _ := dc.ToPayload(secret)
	if bytes.Equal(p.Data, q.Data) {
		t.Fatal("the same value sealed twice gives the same bytes (nonce reused)")
	}
	// tampering is detected, not decoded into something else
	p.Data[len(p.Data)-1] ^= 1
	if err := dc.FromPayload(p, &back); err == nil {
		t.Fatal("a tampered payload was opened")
	}
}

// Histories written before the codec hold plain JSON payloads: they must
// still decode, or running workflows could not replay.
func TestPlainPayloadsFromBeforeTheCodecPassThrough(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayload(secret)
	if err != nil {
		t.Fatal(err)
	}
	var back objection
	if err := temporalconn.DataConverter(ring(t, spec(t, "k1"))).FromPayload(plain, &back); err != nil || back != secret {
		t.Fatalf("plain payload: %+v %v", back, err)
	}
	got, err := temporalconn.Codec{Keys: ring(t, spec(t, "k1"))}.Decode([]*commonpb.Payload{plain})
	if err != nil || got[0] != plain {
		t.Fatalf("decode of a plain payload changed it: %v", err)
	}
}

func TestPayloadsSurviveKeyRotation(t *testing.T) {
	k1, k2 := spec(t, "k1"), spec(t, "k2")
	old := temporalconn.DataConverter(ring(t, k1))
	sealed, err := old.ToPayload(secret)
	if err != nil {
		t.Fatal(err)
	}
	// a new key in front, the old one kept: old payloads open, new ones
	// are sealed under the new key
	rotated := temporalconn.DataConverter(ring(t, k2, k1))
	var back objection
	if err := rotated.FromPayload(sealed, &back); err != nil || back != secret {
		t.Fatalf("old payload after rotation: %+v %v", back, err)
	}
	fresh, _ := rotated.ToPayload(secret)
	if got := string(fresh.Metadata[temporalconn.MetadataKeyID]); got != "k2" {
		t.Fatalf("new payloads sealed under %q, want k2", got)
	}
	// the old key removed: the old payload cannot be read, and the error
	// says why
	err = temporalconn.DataConverter(ring(t, k2)).FromPayload(sealed, &back)
	if !errors.Is(err, pii.ErrUnknownKey) || !strings.Contains(err.Error(), "k1") {
		t.Fatalf("want an unknown-key error naming k1, got %v", err)
	}
	// another ring's key of the same name does not open it
	if err := temporalconn.DataConverter(ring(t, spec(t, "k1"))).FromPayload(sealed, &back); err == nil {
		t.Fatal("a different key with the same ID opened the payload")
	}
}

// Failures carry the domain error's message: it is sealed in the history,
// and the client reading it back still gets the domain code and message.
func TestFailureMessagesAreSealedAndDomainErrorsSurvive(t *testing.T) {
	dc := temporalconn.DataConverter(ring(t, spec(t, "k1")))
	fc := temporalconn.FailureConverter(dc)
	msg := "质疑人 13812345678 的质疑已受理。"
	f := fc.ErrorToFailure(temporal.NewNonRetryableApplicationError(msg, string(domain.CodeConflict), nil))
	raw := f.String()
	if strings.Contains(raw, "13812345678") || strings.Contains(f.GetMessage(), "质疑") {
		t.Fatalf("failure readable: %s", raw)
	}
	err := workflows.DomainError(fc.FailureToError(f))
	if domain.ErrorCode(err) != domain.CodeConflict || domain.ErrorMessage(err) != msg {
		t.Fatalf("domain error lost: code %q message %q (%v)", domain.ErrorCode(err), domain.ErrorMessage(err), err)
	}
	// a failure from before the codec (message in the clear) still reads
	plainFC := temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{})
	old := plainFC.ErrorToFailure(temporal.NewNonRetryableApplicationError(msg, string(domain.CodeInvalid), nil))
	err = workflows.DomainError(fc.FailureToError(old))
	if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorMessage(err) != msg {
		t.Fatalf("old failure: %v", err)
	}
}

// The recorded histories in workflows/testdata hold plain payloads (recorded
// before the codec, or decoded when recorded): a worker with the codec must
// replay them.
func TestRecordedPlainHistoriesReplayWithTheCodec(t *testing.T) {
	files, err := filepath.Glob("../../workflows/testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no recorded histories: %v", err)
	}
	dc := temporalconn.DataConverter(ring(t, spec(t, "k1")))
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: dc, FailureConverter: temporalconn.FailureConverter(dc)})
			if err != nil {
				t.Fatal(err)
			}
			r.RegisterWorkflow(workflows.CallWorkflow)
			r.RegisterWorkflow(workflows.ProjectWorkflow)
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
