package domain

// SealedUntilPublic marks a value that carries what the law keeps secret
// until it is made public: a bid's envelope (who bid, part labels, sizes,
// digests) until the opening, a draft call (budget, rubric) until
// publication, a panel's experts and their scores until result publicity,
// and who asked for an objection or a recusal. Temporal payloads of such
// values are sealed under their own scope (internal/temporalconn), which
// GrantFlow's workers open and the operators' codec endpoint never does.
// A slice, array, map or pointer of a marked type is marked too.
type SealedUntilPublic interface{ SealedUntilPublic() }

// SealedUntilPublic marks a bid (its envelope is secret until the opening).
func (Bid) SealedUntilPublic() {}

// SealedUntilPublic marks a bid's receipt (part labels, sizes, digests).
func (Receipt) SealedUntilPublic() {}

// SealedUntilPublic marks a call as a whole: a draft's budget and rubric
// are secret, its results until publicity.
func (Call) SealedUntilPublic() {}

// SealedUntilPublic marks a draft call (budget and rubric).
func (CallDraft) SealedUntilPublic() {}

// SealedUntilPublic marks an expert's score sheet.
func (ScoreSheet) SealedUntilPublic() {}

// SealedUntilPublic marks a scored bid (per-expert points, rank).
func (BidResult) SealedUntilPublic() {}

// SealedUntilPublic marks an evaluator's sheet.
func (EvalSheet) SealedUntilPublic() {}

// SealedUntilPublic marks a recusal request (who asked, against whom).
func (RecusalRequest) SealedUntilPublic() {}
