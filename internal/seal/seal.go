// Package seal keeps bids sealed until opening (招标投标法 §34). Every call
// gets its own HPKE key pair (RFC 9180: X25519, HKDF-SHA256, AES-256-GCM).
// Bids are encrypted to the call's public key when they arrive, so the web
// process never needs the private key to accept a bid; the private key is
// stored sealed under the PII keyring and handed out by the store only once
// the call's opening is recorded (after its deadline). Cancelling a call
// before opening destroys the private key: its bids can never be read.
package seal

import (
	"crypto/ecdh"
	"crypto/hpke"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

var (
	kdf  = hpke.HKDFSHA256()
	aead = hpke.AES256GCM()
)

// NewCallKey makes a call's key pair: the public key (raw X25519 bytes) and
// the private key bytes.
func NewCallKey() (public, private []byte, err error) {
	k, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("seal: generate key: %w", err)
	}
	return k.PublicKey().Bytes(), k.Bytes(), nil
}

// Info binds a ciphertext to its place: a part of one bid of one call. A
// part moved to another bid or call does not open. This is the first
// format (v1): the plaintext is the part's content itself, and the receipt's
// digest is its bare SHA-256. Bids sealed before the envelope (v2) still
// open through it.
func Info(callID, bidID, part string) []byte {
	return []byte("grantflow/bid/v1/" + callID + "/" + bidID + "/" + part)
}

// InfoV2 binds an envelope (see Wrap) to its place. The version is in the
// HPKE info, which the AEAD authenticates: a ciphertext opens under exactly
// one format, so no plaintext can be mistaken for the other.
func InfoV2(callID, bidID, part string) []byte {
	return []byte("grantflow/bid/v2/" + callID + "/" + bidID + "/" + part)
}

// Seal encrypts plaintext to the call's public key.
func Seal(public, info, plaintext []byte) ([]byte, error) {
	pk, err := ecdh.X25519().NewPublicKey(public)
	if err != nil {
		return nil, fmt.Errorf("seal: public key: %w", err)
	}
	hpk, err := hpke.NewDHKEMPublicKey(pk)
	if err != nil {
		return nil, fmt.Errorf("seal: public key: %w", err)
	}
	ct, err := hpke.Seal(hpk, kdf, aead, info, plaintext)
	if err != nil {
		return nil, fmt.Errorf("seal: encrypt: %w", err)
	}
	return ct, nil
}

// Open decrypts a sealed part with the call's private key.
func Open(private, info, ciphertext []byte) ([]byte, error) {
	k, err := ecdh.X25519().NewPrivateKey(private)
	if err != nil {
		return nil, fmt.Errorf("seal: private key: %w", err)
	}
	hk, err := hpke.NewDHKEMPrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("seal: private key: %w", err)
	}
	pt, err := hpke.Open(hk, kdf, aead, info, ciphertext)
	if err != nil {
		return nil, fmt.Errorf("seal: decrypt: %w", err)
	}
	return pt, nil
}

// Unwrapper opens the sealed form of a private key (the PII keyring).
type Unwrapper interface {
	Open(sealed string) (string, error)
}

// Wrapper seals a private key for storage (the PII keyring).
type Wrapper interface {
	Seal(plaintext string) (string, error)
}

// WrapPrivate seals a call's private key for storage.
func WrapPrivate(w Wrapper, private []byte) (string, error) {
	return w.Seal(hex.EncodeToString(private))
}

// UnwrapPrivate opens a stored private key.
func UnwrapPrivate(u Unwrapper, sealed string) ([]byte, error) {
	h, err := u.Open(sealed)
	if err != nil {
		return nil, fmt.Errorf("seal: unwrap private key: %w", err)
	}
	return hex.DecodeString(h)
}

// OpenPart reads one stored part (get fetches its ciphertext), decrypts it,
// checks it against the digest on the bidder's receipt and returns its
// content (the envelope's salt and padding stripped). ok is false when the
// part does not open or its digest differs: it was altered. Parts sealed in
// the first format (before the envelope) open as they were.
func OpenPart(get func(key string) ([]byte, error), private []byte, callID, bidID, part, key, sha string) (plain []byte, ok bool, err error) {
	ct, err := get(key)
	if err != nil {
		return nil, false, err
	}
	if env, err := Open(private, InfoV2(callID, bidID, part), ct); err == nil {
		content, err := Unwrap(env)
		if err != nil || Digest(env) != sha {
			return nil, false, nil
		}
		return content, true, nil
	}
	pt, err := Open(private, Info(callID, bidID, part), ct)
	if err != nil {
		return nil, false, nil
	}
	return pt, Digest(pt) == sha, nil
}

// SealedPart is one part sealed for storage: the ciphertext, and what the
// receipt shows of it (the digest and size of the salted, padded envelope,
// never of the bare content).
type SealedPart struct {
	Ciphertext []byte
	SHA256     string
	Size       int64
}

// SealPart wraps content in an envelope (a fresh random salt, padded as pad
// says) and seals it to the call's public key for one part of one bid.
func SealPart(public []byte, callID, bidID, part string, content []byte, pad Padding) (SealedPart, error) {
	env, err := Wrap(content, pad)
	if err != nil {
		return SealedPart{}, err
	}
	ct, err := Seal(public, InfoV2(callID, bidID, part), env)
	if err != nil {
		return SealedPart{}, err
	}
	return SealedPart{Ciphertext: ct, SHA256: Digest(env), Size: int64(len(env))}, nil
}

// Digest is the hex SHA-256 of a part's plaintext (the receipt's digest).
func Digest(plain []byte) string {
	sum := sha256.Sum256(plain)
	return hex.EncodeToString(sum[:])
}
