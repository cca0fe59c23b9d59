package web

// Tranches: the money of a funded project — the civil-affairs side
// confirms a tranche's conditions, finance records its payment.

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
)

// tranche is the index of the tranche the path names ({n}, from 1).
func tranche(r *http.Request) int {
	n, _ := strconv.Atoi(chi.URLParam(r, "n"))
	return n - 1
}

// confirmTranche confirms that a tranche's conditions are met.
func (s *Server) confirmTranche(r *http.Request, in *keyed) (awardID, error) {
	return changed(r, s.Contracts.ConfirmTranche(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r), tranche(r)))
}

// paymentInput is a payment: the voucher's number and its scan.
type paymentInput struct {
	upload
	Voucher string
}

func (in *paymentInput) readForm(r *http.Request) error {
	err := in.upload.readForm(r)
	in.Voucher = r.PostForm.Get("voucher_no")
	return err
}

// recordPayment records a tranche's payment with its voucher.
func (s *Server) recordPayment(r *http.Request, in *paymentInput) (awardID, error) {
	return changed(r, s.Contracts.RecordPayment(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r), tranche(r), in.Voucher, in.File))
}

func (s *Server) listTranches(r *http.Request) (list[domain.TrancheState], error) {
	ts, err := s.Contracts.Tranches(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return listOf(ts), err
}

// trancheRoutes mounts the routes this file serves (see mounts).
func (s *Server) trancheRoutes(m mounts) {
	m.pages.Post("/awards/{id}/tranches/{n}/confirm", form(s, s.confirmTranche,
		toAward[keyed]("", "已确认拨付条件，已通知财政部门。"), projectAgain[keyed](s, nil)))
	m.pages.Post("/awards/{id}/tranches/{n}/payment", form(s, s.recordPayment,
		toAward[paymentInput]("", "已登记拨付。"), projectAgain[paymentInput](s, nil)))
	m.api.Get("/awards/{id}/tranches", apiRead(s, s.listTranches))
	m.api.Post("/awards/{id}/tranches/{n}/confirm", apiWrite(s, http.StatusOK, andThen(noBody(s.confirmTranche), s.listTranches)))
	m.api.Post("/awards/{id}/tranches/{n}/payment", apiUpload(s, http.StatusOK, andThen(s.recordPayment, s.listTranches)))
}
