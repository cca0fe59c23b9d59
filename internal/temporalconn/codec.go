// Package temporalconn is how every GrantFlow process talks to Temporal: the
// client options built from the configuration (TLS, mutual TLS, API key) and
// the data and failure converters that encrypt every payload under the PII
// keyring before it leaves the process. The web server, the worker, the CLI
// commands and the tests all dial through ClientOptions, so no client can be
// made that writes plain payloads.
package temporalconn

import (
	"errors"
	"fmt"
	"reflect"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"grantflow/internal/domain"
	"grantflow/internal/pii"
)

// Metadata of an encrypted payload. Its data is the original payload (its
// metadata and data, protobuf-encoded), sealed with AES-256-GCM under the
// named key of the PII keyring.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// MetadataScope names a payload's scope. A payload of a value that is
// secret until the law makes it public (domain.SealedUntilPublic) carries
// ScopeSealedUntilPublic: inside (set by DataConverter), to tell the codec,
// and outside, in the clear, so that the operators' codec (OperatorCodec)
// refuses it without trying to decrypt. The scope is bound into the
// ciphertext: removing the outer marker makes the payload undecryptable
// rather than readable.
const (
	MetadataScope          = "grantflow-scope"
	ScopeSealedUntilPublic = "sealed-until-public"
)

// Withheld is what the operators' codec shows in place of a payload sealed
// until public (a JSON string, so the Temporal Web UI shows it as text).
const Withheld = "封存至依法公开（开标/结果公示）"

// aad binds the ciphertext to its use: a sealed payload cannot be passed off
// as another kind of sealed value of the same keyring, nor the reverse, nor
// as a payload of another scope.
var aad = []byte("grantflow temporal payload v1")

func aadFor(scope string) ([]byte, error) {
	switch scope {
	case "":
		return aad, nil
	case ScopeSealedUntilPublic:
		return []byte("grantflow temporal payload v1 scope=" + ScopeSealedUntilPublic), nil
	}
	return nil, fmt.Errorf("payload codec: unknown payload scope %q", scope)
}

// Codec encrypts payloads under the current PII key and decrypts them under
// whichever key of the ring sealed them, so payloads written before a key
// rotation stay readable while the old key is kept. Payloads written before
// the codec existed (not marked binary/encrypted) pass through unchanged,
// so histories recorded before still replay.
//
// A payload marked ScopeSealedUntilPublic is sealed under that scope. A
// Codec opens it; an operators' codec (Operator set, OperatorCodec) never
// does: it answers Withheld in its place.
type Codec struct {
	Keys *pii.Keyring
	// Operator: this codec serves the operators' codec endpoint, which
	// must not open payloads sealed until public.
	Operator bool
}

// OperatorCodec is the codec of the operators' codec endpoint: it opens
// every payload but those sealed until public.
func OperatorCodec(keys *pii.Keyring) Codec { return Codec{Keys: keys, Operator: true} }

// Encode seals each payload.
func (c Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if isEncrypted(p) {
			out[i] = p // already sealed (a payload passed on unchanged)
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("payload codec: %w", err)
		}
		scope := string(p.GetMetadata()[MetadataScope])
		ad, err := aadFor(scope)
		if err != nil {
			return nil, err
		}
		keyID, sealed, err := c.Keys.SealBytes(plain, ad)
		if err != nil {
			return nil, fmt.Errorf("payload codec: %w", err)
		}
		md := map[string][]byte{
			converter.MetadataEncoding: []byte(EncodingEncrypted),
			MetadataKeyID:              []byte(keyID),
		}
		if scope != "" {
			md[MetadataScope] = []byte(scope)
		}
		out[i] = &commonpb.Payload{Metadata: md, Data: sealed}
	}
	return out, nil
}

// Decode opens each sealed payload; others pass through. An operators'
// codec answers Withheld for a payload sealed until public.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !isEncrypted(p) {
			out[i] = p
			continue
		}
		scope := string(p.GetMetadata()[MetadataScope])
		ad, err := aadFor(scope)
		if err != nil {
			return nil, err
		}
		if c.Operator && scope != "" {
			w, err := withheld(scope)
			if err != nil {
				return nil, err
			}
			out[i] = w
			continue
		}
		keyID := string(p.GetMetadata()[MetadataKeyID])
		if keyID == "" {
			return nil, errors.New("payload codec: encrypted payload names no key")
		}
		plain, err := c.Keys.OpenBytes(keyID, p.GetData(), ad)
		if err != nil {
			if errors.Is(err, pii.ErrUnknownKey) {
				return nil, fmt.Errorf("payload codec: payload sealed under key %s, which GRANTFLOW_PII_KEYS no longer holds (keep old keys while Temporal keeps histories sealed under them): %w", keyID, err)
			}
			return nil, fmt.Errorf("payload codec: %w", err)
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(plain, &orig); err != nil {
			return nil, fmt.Errorf("payload codec: sealed payload: %w", err)
		}
		out[i] = &orig
	}
	return out, nil
}

// withheld is the operators' view of a payload sealed under scope: a JSON
// string saying until when it stays sealed, marked with its scope.
func withheld(scope string) (*commonpb.Payload, error) {
	w, err := converter.GetDefaultDataConverter().ToPayload(Withheld)
	if err != nil {
		return nil, fmt.Errorf("payload codec: %w", err)
	}
	w.Metadata[MetadataScope] = []byte(scope)
	return w, nil
}

func isEncrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[converter.MetadataEncoding]) == EncodingEncrypted
}

// DataConverter is the SDK's default converter, its payloads of values
// secret until public marked (scoped), with every payload sealed by the
// codec.
func DataConverter(keys *pii.Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(scoping{converter.GetDefaultDataConverter()}, Codec{Keys: keys})
}

// scoping marks the payload of a domain.SealedUntilPublic value (or a
// slice, array, map or pointer of one) with ScopeSealedUntilPublic. The
// mark is metadata only: the payload's data, and so what a workflow
// decodes, is the same as without it.
type scoping struct{ converter.DataConverter }

func (s scoping) ToPayload(value any) (*commonpb.Payload, error) {
	p, err := s.DataConverter.ToPayload(value)
	if err != nil || p == nil {
		return p, err
	}
	if SealedUntilPublic(value) {
		if p.Metadata == nil {
			p.Metadata = map[string][]byte{}
		}
		p.Metadata[MetadataScope] = []byte(ScopeSealedUntilPublic)
	}
	return p, nil
}

func (s scoping) ToPayloads(values ...any) (*commonpb.Payloads, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := &commonpb.Payloads{}
	for i, v := range values {
		if raw, ok := v.(converter.RawValue); ok {
			out.Payloads = append(out.Payloads, raw.Payload())
			continue
		}
		p, err := s.ToPayload(v)
		if err != nil {
			return nil, fmt.Errorf("values[%d]: %w", i, err)
		}
		out.Payloads = append(out.Payloads, p)
	}
	return out, nil
}

var sealedType = reflect.TypeFor[domain.SealedUntilPublic]()

// SealedUntilPublic tells whether v's payload is sealed until public: v is
// a domain.SealedUntilPublic, or a pointer, slice, array or map of one.
func SealedUntilPublic(v any) bool {
	for t := reflect.TypeOf(v); t != nil; {
		if t.Implements(sealedType) || reflect.PointerTo(t).Implements(sealedType) {
			return true
		}
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return false
		}
	}
	return false
}

// FailureConverter carries errors through dc and seals their messages and
// stack traces too (a domain error's message can name a person or an
// amount). Clients and workers decode them again, so the web layer still
// reads a domain error's code (the failure's type, which stays plain) and
// its Chinese message.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
}
