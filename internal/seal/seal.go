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
// part moved to another bid or call does not open.
func Info(callID, bidID, part string) []byte {
	return []byte("grantflow/bid/v1/" + callID + "/" + bidID + "/" + part)
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
