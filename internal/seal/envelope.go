package seal

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// The envelope (format v2) is what is sealed for every bid part:
//
//	"GFE2" | salt (32 random bytes) | content length (uint32, big endian) | content | zero padding
//
// The salt makes every digest on a receipt, in bids.parts, in the Temporal
// history and in the audit chain the digest of 32 unknown random bytes plus
// the content: trying every price below the budget finds nothing. The
// padding makes the envelope's size (and so the sealed object's size, which
// is the envelope's plus a fixed HPKE overhead) say nothing about the
// content's length: the price always fills one fixed size, tables fill whole
// blocks.
const (
	envelopeMagic  = "GFE2"
	SaltSize       = 32
	envelopeHeader = len(envelopeMagic) + SaltSize + 4
	// PriceEnvelopeSize is the fixed size of every price part's envelope: a
	// price in fen has at most 19 digits.
	PriceEnvelopeSize = envelopeHeader + 64
	// TableBlock is the block table parts (budget, team) are padded to.
	TableBlock = 4096
)

// Padding says how an envelope is padded.
type Padding struct {
	Fixed int // the envelope is exactly this size (0: not fixed)
	Block int // the envelope's size is a multiple of this (0 or 1: none)
}

// PadPrice pads a price part to PriceEnvelopeSize.
var PadPrice = Padding{Fixed: PriceEnvelopeSize}

// PadTable pads a table part (whose amounts add up to the price), the
// technical proposal or a document (which may be a price sheet) to whole
// blocks.
var PadTable = Padding{Block: TableBlock}

// PadNone only salts.
var PadNone = Padding{}

// ErrEnvelope reports a plaintext that is not a well-formed envelope.
var ErrEnvelope = errors.New("seal: malformed envelope")

// Wrap builds an envelope around content with a fresh random salt.
func Wrap(content []byte, pad Padding) ([]byte, error) {
	if uint64(len(content)) > 1<<32-1 {
		return nil, fmt.Errorf("seal: part too large (%d bytes)", len(content))
	}
	size := envelopeHeader + len(content)
	switch {
	case pad.Fixed > 0:
		if size > pad.Fixed {
			return nil, fmt.Errorf("seal: %d bytes do not fit a %d-byte envelope", len(content), pad.Fixed)
		}
		size = pad.Fixed
	case pad.Block > 1:
		size = (size + pad.Block - 1) / pad.Block * pad.Block
	}
	env := make([]byte, size)
	copy(env, envelopeMagic)
	if _, err := rand.Read(env[len(envelopeMagic) : len(envelopeMagic)+SaltSize]); err != nil {
		return nil, fmt.Errorf("seal: salt: %w", err)
	}
	binary.BigEndian.PutUint32(env[envelopeHeader-4:], uint32(len(content)))
	copy(env[envelopeHeader:], content)
	return env, nil
}

// Unwrap returns an envelope's content, refusing a malformed one (wrong
// magic, a length beyond the envelope, or padding that is not zeros).
func Unwrap(env []byte) ([]byte, error) {
	if len(env) < envelopeHeader || string(env[:len(envelopeMagic)]) != envelopeMagic {
		return nil, ErrEnvelope
	}
	n := binary.BigEndian.Uint32(env[envelopeHeader-4:])
	if uint64(n) > uint64(len(env)-envelopeHeader) {
		return nil, ErrEnvelope
	}
	end := envelopeHeader + int(n)
	for _, b := range env[end:] {
		if b != 0 {
			return nil, ErrEnvelope
		}
	}
	return env[envelopeHeader:end], nil
}
