package workflows

// The workflow values that carry what the law keeps secret until it is
// public (domain.SealedUntilPublic): their Temporal payloads are sealed under
// the scope the operators' codec endpoint never opens.

// SealedUntilPublic: the draft (budget, rubric) and, on continue-as-new,
// the panel and scores.
func (CallInput) SealedUntilPublic() {}

// SealedUntilPublic: the state a run hands on (panel, scores, bids).
func (CallResume) SealedUntilPublic() {}

// SealedUntilPublic: the query result (bids by organisation, panel,
// scores, results).
func (CallState) SealedUntilPublic() {}

// SealedUntilPublic: an expert's name, user and talent IDs.
func (Seat) SealedUntilPublic() {}

// SealedUntilPublic: a draft's attachment.
func (AttachDocumentRequest) SealedUntilPublic() {}

// SealedUntilPublic: who bid, part labels, sizes, digests.
func (BidRequest) SealedUntilPublic() {}

// SealedUntilPublic: who withdraws a bid (who had bid).
func (WithdrawRequest) SealedUntilPublic() {}

// SealedUntilPublic: an expert's declaration (who sits on the panel).
func (DeclareRequest) SealedUntilPublic() {}

// SealedUntilPublic: an expert's points for a bid.
func (ScoreRequest) SealedUntilPublic() {}

// SealedUntilPublic: who objects.
func (ObjectionRequest) SealedUntilPublic() {}

// SealedUntilPublic: who asks for a recusal, and why.
func (RecusalRequest) SealedUntilPublic() {}

// SealedUntilPublic: which seat is recused.
func (RecusalDecision) SealedUntilPublic() {}

// SealedUntilPublic: the query result (the drawn evaluators).
func (ProjectState) SealedUntilPublic() {}

// SealedUntilPublic: the drawn evaluators.
func (EvalRound) SealedUntilPublic() {}

// SealedUntilPublic: an evaluator's sheet.
func (EvalScoreRequest) SealedUntilPublic() {}
