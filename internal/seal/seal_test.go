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
