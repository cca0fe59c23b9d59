package domain

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkEvaluate scores a large competition: 40 bids, a panel of 7.
func BenchmarkEvaluate(b *testing.B) {
	p := Plan{Mode: ModeTender, PanelSize: 7}.withDefaults(20_000_000_00, DefaultRules)
	var bids []ScoredBid
	var sheets []ScoreSheet
	for i := range 40 {
		id := fmt.Sprintf("bid-%02d", i)
		bids = append(bids, ScoredBid{BidID: id, Price: Fen(150000_00 + i*1000_00), SubmittedAt: time.Unix(int64(i), 0)})
		for e := int64(1); e <= 7; e++ {
			v := float64((i*7+int(e))%10) / 10
			sheets = append(sheets, ScoreSheet{Expert: e, BidID: id, Points: []float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0}})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Evaluate(p, bids, sheets)
	}
}
