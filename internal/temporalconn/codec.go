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

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"grantflow/internal/pii"
)

// Metadata of an encrypted payload. Its data is the original payload (its
// metadata and data, protobuf-encoded), sealed with AES-256-GCM under the
// named key of the PII keyring.
const (
	EncodingEncrypted = "binary/encrypted"
	MetadataKeyID     = "encryption-key-id"
)

// aad binds the ciphertext to its use: a sealed payload cannot be passed off
// as another kind of sealed value of the same keyring, nor the reverse.
var aad = []byte("grantflow temporal payload v1")

// Codec encrypts payloads under the current PII key and decrypts them under
// whichever key of the ring sealed them, so payloads written before a key
// rotation stay readable while the old key is kept. Payloads written before
// the codec existed (not marked binary/encrypted) pass through unchanged,
// so histories recorded before still replay.
type Codec struct{ Keys *pii.Keyring }

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
		keyID, sealed, err := c.Keys.SealBytes(plain, aad)
		if err != nil {
			return nil, fmt.Errorf("payload codec: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:              []byte(keyID),
			},
			Data: sealed,
		}
	}
	return out, nil
}

// Decode opens each sealed payload; others pass through.
func (c Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !isEncrypted(p) {
			out[i] = p
			continue
		}
		keyID := string(p.GetMetadata()[MetadataKeyID])
		if keyID == "" {
			return nil, errors.New("payload codec: encrypted payload names no key")
		}
		plain, err := c.Keys.OpenBytes(keyID, p.GetData(), aad)
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

func isEncrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[converter.MetadataEncoding]) == EncodingEncrypted
}

// DataConverter is the SDK's default converter with every payload sealed by
// the codec.
func DataConverter(keys *pii.Keyring) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), Codec{Keys: keys})
}

// FailureConverter carries errors through dc and seals their messages and
// stack traces too (a domain error's message can name a person or an
// amount). Clients and workers decode them again, so the web layer still
// reads a domain error's code (the failure's type, which stays plain) and
// its Chinese message.
func FailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
}
