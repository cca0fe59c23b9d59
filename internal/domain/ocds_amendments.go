package domain

import (
	"fmt"
	"slices"
	"sort"
)

// Tender amendments in OCDS: a material clarification (澄清) changes the
// call's documents or its deadline, and is published as a release tagged
// tenderAmendment at its date (OCDS 1.1, tender.amendments).

// TenderAmendments are the clarifications that amend the tender, in the
// order they were published: the material ones (they change the documents
// or the deadline) and any that moved the deadline. Other clarifications
// explain the documents without changing them: no release of their own.
func TenderAmendments(clars []Clarification) []Clarification {
	var out []Clarification
	for _, cl := range clars {
		if (cl.Material || cl.Moved()) && !cl.PublishedAt.IsZero() {
			out = append(out, cl)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].PublishedAt.Equal(out[j].PublishedAt) {
			return out[i].PublishedAt.Before(out[j].PublishedAt)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// amendment is the tenderAmendment release of clarification cl, made
// after prev: the tender as it stood after it, with every amendment so far
// and, when cl moved the deadline, the new end of the tender period. It
// carries what the portal shows of a clarification (its title, text, date
// and deadline), nothing of the bids or of who wrote it.
func (b *ocdsReleaser) amendment(prev OCDSRelease, cl Clarification) OCDSRelease {
	t := prev.Tender
	desc := cl.Body
	if cl.Moved() {
		to := ocdsTime(cl.DeadlineTo)
		t.TenderPeriod = &OCDSPeriod{StartDate: prev.Tender.TenderPeriod.StartDate, EndDate: &to}
		desc += "\n" + fmt.Sprintf("投标截止时间由 %s 顺延至 %s。", ocdsTime(cl.DeadlineFrom).Format("2006-01-02 15:04"), to.Format("2006-01-02 15:04"))
	}
	r := b.release("tenderAmendment-"+cl.ID, cl.PublishedAt, "tenderAmendment", t)
	r.Tender.Amendments = append(slices.Clone(prev.Tender.Amendments), OCDSAmendment{ID: cl.ID, Date: ocdsTime(cl.PublishedAt),
		Rationale: cl.Title, Description: desc, AmendsReleaseID: prev.ID, ReleaseID: r.ID})
	return r
}
