package pii

import (
	"strings"
	"testing"
)

func ring(t *testing.T, ids ...string) (*Keyring, []string) {
	t.Helper()
	var specs []string
	for _, id := range ids {
		s, err := NewKeySpec(id)
		if err != nil {
			t.Fatal(err)
		}
		specs = append(specs, s)
	}
	k, err := Parse(strings.Join(specs, ","))
	if err != nil {
		t.Fatal(err)
	}
	return k, specs
}

func TestSealOpenAndRotate(t *testing.T) {
	old, specs := ring(t, "k1")
	sealed, err := old.Seal("11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "1101051949") || KeyOf(sealed) != "k1" {
		t.Fatalf("sealed value %q", sealed)
	}
	again, _ := old.Seal("11010519491231002X")
	if again == sealed {
		t.Fatal("sealing twice gives the same ciphertext: nonce reused")
	}
	// rotation: a new key first, the old one kept
	k2spec, _ := NewKeySpec("k2")
	rotated, err := Parse(k2spec + "," + specs[0])
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(sealed); err != nil || got != "11010519491231002X" {
		t.Fatalf("old value after rotation: %q %v", got, err)
	}
	resealed, _ := rotated.Seal("11010519491231002X")
	if KeyOf(resealed) != "k2" {
		t.Fatalf("new values must use the new key: %s", resealed)
	}
	// without the old key, old values cannot be opened
	only2, _ := Parse(k2spec)
	if _, err := only2.Open(sealed); err == nil {
		t.Fatal("opened a value whose key is gone")
	}
	// tampering is detected
	bad := sealed[:len(sealed)-2] + "AA"
	if _, err := old.Open(bad); err == nil {
		t.Fatal("tampered value opened")
	}
	// a value cannot be moved under another key id
	if _, err := rotated.Open("k2" + sealed[2:]); err == nil {
		t.Fatal("value relabelled to another key opened")
	}
	if v, _ := old.Seal(""); v != "" {
		t.Fatal("empty must stay empty")
	}
}

func TestParseRefusesBadKeys(t *testing.T) {
	for _, spec := range []string{"", "k1", "k1:short", "k1:" + strings.Repeat("A", 44) + ",k1:" + strings.Repeat("A", 44), ":abc"} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted", spec)
		} else if strings.Contains(err.Error(), strings.Repeat("A", 20)) {
			t.Errorf("error shows key material: %v", err)
		}
	}
}

func TestBlindIndex(t *testing.T) {
	a, _ := NewKeySpec("a")
	b, _ := NewKeySpec("b")
	one, err := Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	two, err := Parse(b + "," + a) // rotated: b seals and indexes, a still looks up
	if err != nil {
		t.Fatal(err)
	}
	id := "120103195801011234"
	if first, again := one.Index(id), one.Index(id); first != again || first == one.Index("120103195801011242") {
		t.Fatal("the index must be stable and tell values apart")
	}
	if strings.Contains(one.Index(id), id[6:14]) || !strings.HasPrefix(one.Index(id), "a.") {
		t.Fatalf("the index names its key and hides the value: %s", one.Index(id))
	}
	if two.Index(id) == one.Index(id) {
		t.Fatal("a new key gives a new index")
	}
	found := false
	for _, ix := range two.Indexes(id) {
		found = found || ix == one.Index(id)
	}
	if !found || two.Indexes(id)[0] != two.Index(id) {
		t.Fatalf("indexes under every key, current first: %v", two.Indexes(id))
	}
}
