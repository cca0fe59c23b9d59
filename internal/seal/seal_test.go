package seal

import (
	"bytes"
	"testing"
)

func TestSealOpen(t *testing.T) {
	pub, priv, err := NewCallKey()
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("技术方案：失能老人家庭照护者培训 12 期")
	ct, err := Seal(pub, Info("c1", "b1", "technical"), msg)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(ct, []byte("技术方案")) {
		t.Fatal("ciphertext contains the plaintext")
	}
	got, err := Open(priv, Info("c1", "b1", "technical"), ct)
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := Open(priv, Info("c1", "b2", "technical"), ct); err == nil {
		t.Error("a part moved to another bid opened")
	}
	_, other, _ := NewCallKey()
	if _, err := Open(other, Info("c1", "b1", "technical"), ct); err == nil {
		t.Error("another call's key opened the part")
	}
}

// BenchmarkSealOpen seals and opens a 1 MB bid part.
func BenchmarkSealOpen(b *testing.B) {
	pub, priv, _ := NewCallKey()
	part := bytes.Repeat([]byte("失能照护培训"), 1<<20/18)
	info := Info("c", "b", "doc-1")
	b.SetBytes(int64(len(part)))
	for b.Loop() {
		ct, err := Seal(pub, info, part)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Open(priv, info, ct); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEnvelopeOpensAndLegacyPartsStillOpen(t *testing.T) {
	pub, priv, err := NewCallKey()
	if err != nil {
		t.Fatal(err)
	}
	store := map[string][]byte{}
	get := func(k string) ([]byte, error) { return store[k], nil }
	sp, err := SealPart(pub, "c1", "b1", "price", []byte("12345600"), PadPrice)
	if err != nil {
		t.Fatal(err)
	}
	store["new"] = sp.Ciphertext
	if got, ok, err := OpenPart(get, priv, "c1", "b1", "price", "new", sp.SHA256); err != nil || !ok || string(got) != "12345600" {
		t.Fatalf("envelope part opened as %q, %v, %v", got, ok, err)
	}
	if sp.SHA256 == Digest([]byte("12345600")) {
		t.Fatal("the receipt's digest is the bare content's digest")
	}
	if _, ok, _ := OpenPart(get, priv, "c1", "b2", "price", "new", sp.SHA256); ok {
		t.Error("an envelope moved to another bid opened")
	}
	if _, ok, _ := OpenPart(get, priv, "c1", "b1", "price", "new", Digest([]byte("12345600"))); ok {
		t.Error("an envelope checked against another digest passed")
	}
	// a part sealed before the envelope (format v1) still opens
	old := []byte("技术方案：旧格式")
	ct, err := Seal(pub, Info("c1", "b1", "technical"), old)
	if err != nil {
		t.Fatal(err)
	}
	store["old"] = ct
	if got, ok, err := OpenPart(get, priv, "c1", "b1", "technical", "old", Digest(old)); err != nil || !ok || !bytes.Equal(got, old) {
		t.Fatalf("legacy part opened as %q, %v, %v", got, ok, err)
	}
}

func TestEnvelopeRefusesMalformed(t *testing.T) {
	env, err := Wrap([]byte("abc"), Padding{Block: 64})
	if err != nil || len(env) != 64 {
		t.Fatalf("wrap: %d bytes, %v", len(env), err)
	}
	if got, err := Unwrap(env); err != nil || string(got) != "abc" {
		t.Fatalf("unwrap = %q, %v", got, err)
	}
	bad := bytes.Clone(env)
	bad[len(bad)-1] = 1
	if _, err := Unwrap(bad); err == nil {
		t.Error("non-zero padding accepted")
	}
	if _, err := Unwrap(env[:10]); err == nil {
		t.Error("a truncated envelope accepted")
	}
	if _, err := Wrap(bytes.Repeat([]byte("9"), 65), PadPrice); err == nil {
		t.Error("a price longer than its fixed envelope accepted")
	}
	a, _ := Wrap([]byte("1"), PadNone)
	b, _ := Wrap([]byte("1"), PadNone)
	if bytes.Equal(a, b) {
		t.Error("two envelopes of the same content are equal: no fresh salt")
	}
}
