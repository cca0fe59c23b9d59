// Package pii protects personal data at rest: 身份证号 and phone numbers are
// sealed with AES-256-GCM under a key from configuration before they reach
// PostgreSQL. Every sealed value names its key, so keys rotate without
// downtime: add a new key first in GRANTFLOW_PII_KEYS (it seals from then
// on), keep the old ones (they still open older values), and run
// `grantflow pii rotate` to re-seal old values under the new key. The same
// keys seal Temporal payloads (SealBytes, internal/temporalconn), which
// cannot be re-sealed in a history: keep an old key until Temporal no longer
// holds histories written under it.
package pii

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Keyring holds the keys: the first seals, all open.
type Keyring struct {
	current    string
	order      []string // key IDs, current first
	aeads      map[string]cipher.AEAD
	macKeys    map[string][]byte      // blind-index keys, derived from each key
	bytesAEADs map[string]cipher.AEAD // SealBytes' keys, derived from each key
}

// Parse reads "id:base64key,id:base64key" (each key 32 bytes; the first is
// current). IDs are short names such as 2026a.
func Parse(spec string) (*Keyring, error) {
	k := &Keyring{aeads: map[string]cipher.AEAD{}, macKeys: map[string][]byte{}, bytesAEADs: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || id == "" || strings.ContainsAny(id, ".:") {
			return nil, fmt.Errorf("pii keys: %q is not id:base64key", redact(part))
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(raw) != 32 {
			return nil, fmt.Errorf("pii keys: key %s must be 32 bytes, base64-encoded (openssl rand -base64 32)", id)
		}
		aead, err := newGCM(raw)
		if err != nil {
			return nil, err
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("pii keys: key id %s appears twice", id)
		}
		k.aeads[id] = aead
		mk, err := hkdf.Key(sha256.New, raw, nil, "grantflow blind index v1", 32)
		if err != nil {
			return nil, err
		}
		k.macKeys[id] = mk
		bk, err := hkdf.Key(sha256.New, raw, nil, "grantflow sealed bytes v1", 32)
		if err != nil {
			return nil, err
		}
		if k.bytesAEADs[id], err = newGCM(bk); err != nil {
			return nil, err
		}
		k.order = append(k.order, id)
		if k.current == "" {
			k.current = id
		}
	}
	if k.current == "" {
		return nil, errors.New("pii keys: none given; set GRANTFLOW_PII_KEYS to id:base64key (openssl rand -base64 32)")
	}
	return k, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func redact(s string) string {
	id, _, _ := strings.Cut(s, ":")
	return id + ":…"
}

// NewKeySpec makes a fresh key as "id:base64key".
func NewKeySpec(id string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(raw), nil
}

// Current is the ID of the key that seals.
func (k *Keyring) Current() string { return k.current }

// Seal encrypts plaintext as "keyid.base64(nonce|ciphertext)"; the key ID is
// also bound into the ciphertext as associated data. Empty stays empty.
func (k *Keyring) Seal(plaintext string) (string, error) {
	if plaintext == "" {
		return "", nil
	}
	aead := k.aeads[k.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	ct := aead.Seal(nonce, nonce, []byte(plaintext), []byte(k.current))
	return k.current + "." + base64.RawStdEncoding.EncodeToString(ct), nil
}

// ErrUnknownKey says a value was sealed under a key the ring no longer has.
var ErrUnknownKey = errors.New("pii: sealed under a key that is not configured")

// Open decrypts a sealed value.
func (k *Keyring) Open(sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	id, b64, ok := strings.Cut(sealed, ".")
	if !ok {
		return "", errors.New("pii: malformed sealed value")
	}
	aead, ok := k.aeads[id]
	if !ok {
		return "", fmt.Errorf("%w: %s", ErrUnknownKey, id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(b64)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", errors.New("pii: malformed sealed value")
	}
	pt, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(id))
	if err != nil {
		return "", fmt.Errorf("pii: open: %w", err)
	}
	return string(pt), nil
}

// KeyOf names the key a sealed value was sealed under.
func KeyOf(sealed string) string {
	id, _, _ := strings.Cut(sealed, ".")
	return id
}

// Index is the blind index of a value under the current key: an HMAC that
// finds equal values (the same 身份证号 enrolled twice) without storing or
// revealing the value. It names its key, like a sealed value; Indexes gives
// the value's index under every key, so lookups keep working between adding
// a new key and `grantflow pii rotate` recomputing the stored indexes.
func (k *Keyring) Index(value string) string { return k.index(k.current, value) }

// Indexes is the blind index of value under every key, current first.
func (k *Keyring) Indexes(value string) []string {
	out := make([]string, len(k.order))
	for i, id := range k.order {
		out[i] = k.index(id, value)
	}
	return out
}

func (k *Keyring) index(id, value string) string {
	m := hmac.New(sha256.New, k.macKeys[id])
	m.Write([]byte(value))
	return id + "." + hex.EncodeToString(m.Sum(nil)[:16])
}

// Reseal opens a value and seals it again under the current key; a value
// already under the current key is returned unchanged.
func (k *Keyring) Reseal(sealed string) (string, error) {
	if sealed == "" || KeyOf(sealed) == k.current {
		return sealed, nil
	}
	plain, err := k.Open(sealed)
	if err != nil {
		return "", err
	}
	return k.Seal(plain)
}

// SealBytes encrypts data with AES-256-GCM under the current key, for
// binary values such as Temporal payloads. It uses a subkey derived from
// each key (HKDF, "grantflow sealed bytes v1"), so its ciphertexts never
// share a key with Seal's. The key ID and aad are bound into the
// ciphertext; it returns the key ID, which OpenBytes needs.
func (k *Keyring) SealBytes(data, aad []byte) (keyID string, sealed []byte, err error) {
	aead := k.bytesAEADs[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(data)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return k.current, aead.Seal(nonce, nonce, data, bytesAAD(k.current, aad)), nil
}

// OpenBytes decrypts what SealBytes sealed under keyID with the same aad.
// A key ID the ring does not hold gives ErrUnknownKey.
func (k *Keyring) OpenBytes(keyID string, sealed, aad []byte) ([]byte, error) {
	aead, ok := k.bytesAEADs[keyID]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnknownKey, keyID)
	}
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, errors.New("pii: sealed bytes too short")
	}
	n := aead.NonceSize()
	pt, err := aead.Open(nil, sealed[:n], sealed[n:], bytesAAD(keyID, aad))
	if err != nil {
		return nil, fmt.Errorf("pii: open bytes under key %s: %w", keyID, err)
	}
	return pt, nil
}

// Has reports whether the ring holds the key keyID.
func (k *Keyring) Has(keyID string) bool { _, ok := k.aeads[keyID]; return ok }

func bytesAAD(keyID string, aad []byte) []byte {
	return append([]byte(keyID+"\x00"), aad...)
}
