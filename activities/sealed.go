package activities

// The activity inputs and results that carry what the law keeps secret
// until it is public (domain.SealedUntilPublic): their Temporal payloads are
// sealed under the scope the operators' codec endpoint never opens.

// SealedUntilPublic: the draft (budget, rubric).
func (CreateDraftCallInput) SealedUntilPublic() {}

// SealedUntilPublic: a draft's attachment.
func (RecordAttachmentInput) SealedUntilPublic() {}

// SealedUntilPublic: who bid, part labels, sizes, digests.
func (RecordBidInput) SealedUntilPublic() {}

// SealedUntilPublic: who had bid.
func (WithdrawBidInput) SealedUntilPublic() {}

// SealedUntilPublic: a drawn expert or evaluator (DrawPanel and
// DrawEvaluators return []Drawn).
func (Drawn) SealedUntilPublic() {}

// SealedUntilPublic: who sits on the panel.
func (DeclareInput) SealedUntilPublic() {}

// SealedUntilPublic: an expert's points.
func (RecordScoreInput) SealedUntilPublic() {}

// SealedUntilPublic: per-expert points and ranks before approval.
func (SaveResultsInput) SealedUntilPublic() {}

// SealedUntilPublic: the objection and the objector's contact.
func (RecordObjectionInput) SealedUntilPublic() {}

// SealedUntilPublic: who objects.
func (FileObjectionInput) SealedUntilPublic() {}

// SealedUntilPublic: who asks for a recusal, and why.
func (RecusalRequestInput) SealedUntilPublic() {}

// SealedUntilPublic: which bidder asked, which seat is recused.
func (DecideRecusalInput) SealedUntilPublic() {}

// SealedUntilPublic: an evaluator's sheet.
func (EvalSheetInput) SealedUntilPublic() {}
