package service

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"grantflow/internal/domain"
	"grantflow/internal/seal"
)

func testBid(price domain.Fen) domain.BidContent {
	return domain.BidContent{
		TechnicalProposal: strings.Repeat("失能老人家庭照护者培训，送学上门。", 5),
		Budget:            []domain.BudgetItem{{Item: "讲师劳务费", Amount: price / 2}, {Item: "教材与场地", Amount: price - price/2}},
		Price:             price,
		Team:              []domain.TeamMember{{Name: "王芳", Role: "项目负责人", Qualification: "中级社会工作师"}},
	}
}

// bruteForcePrice tries every price from 0 to budget in steps of one yuan
// against a digest as an attacker reading a receipt, bids.parts, the
// Temporal history or the audit log would: the SHA-256 of the price's
// decimal fen string, and the same in the envelope with an all-zero salt.
func bruteForcePrice(digest string, budget domain.Fen) (domain.Fen, bool) {
	for v := domain.Fen(0); v <= budget; v += 100 {
		s := strconv.FormatInt(int64(v), 10)
		sum := sha256.Sum256([]byte(s))
		if hex.EncodeToString(sum[:]) == digest {
			return v, true
		}
	}
	return 0, false
}

func TestBidDigestsDoNotGiveThePriceAway(t *testing.T) {
	pub, _, err := seal.NewCallKey()
	if err != nil {
		t.Fatal(err)
	}
	const budget = domain.Fen(500_000_00) // 500,000 yuan
	price := domain.Fen(386_500_00)
	parts, err := sealBid(pub, "call", "bid", testBid(price), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if p.Part != "price" {
			continue
		}
		if v, found := bruteForcePrice(p.SHA256, budget); found {
			t.Fatalf("the price part's digest on the receipt gives the price away: %s 元", v.Yuan())
		}
		return
	}
	t.Fatal("no price part")
}

func TestSealedSizesDoNotTellThePrice(t *testing.T) {
	pub, _, err := seal.NewCallKey()
	if err != nil {
		t.Fatal(err)
	}
	sizes := func(price domain.Fen) map[string][2]int64 {
		parts, err := sealBid(pub, "call", "bid", testBid(price), nil)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][2]int64{}
		for _, p := range parts {
			out[p.Part] = [2]int64{p.Size, int64(len(p.ciphertext))}
		}
		return out
	}
	small, large := sizes(1_00), sizes(9_999_999_99) // 1 yuan and 99,999,999.99 yuan
	for _, part := range []string{"price", "budget", "team", "technical"} {
		if small[part] != large[part] {
			t.Errorf("%s: sizes (receipt, sealed object) %v for a 1-yuan bid, %v for a 9-digit one", part, small[part], large[part])
		}
	}
}
