package web

// Bids: an organisation's sealed bid (the form with its files, or the
// API's JSON with documents in base64), its withdrawal (call_actions.go),
// the bids and receipts, and an opened bid's documents.

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
)

// bidInput is a bid: the content and its documents (files from the form;
// base64 in the API's JSON).
type bidInput struct {
	domain.BidContent
	Documents []bidDocumentInput `json:"documents"`
	files     []service.File     // the form's files
	call      string             // the call the form was sent to
}

type bidDocumentInput struct {
	FileName string `json:"file_name"`
	Content  string `json:"content_base64"`
}

// readForm reads the bid form; only a member of an organisation that may
// bid sends one, so nobody else's upload is read at all.
func (in *bidInput) readForm(r *http.Request) error {
	if u := userOf(r); auth.AuthorizeTarget(u, auth.ActionBid, auth.Target{OrgID: u.OrgID}) != nil {
		return auth.AuthorizeTarget(u, auth.ActionBid, auth.Target{OrgID: u.OrgID})
	}
	in.call = chi.URLParam(r, "id")
	r.Body = http.MaxBytesReader(nil, r.Body, (service.MaxBidDocuments+1)*service.MaxAttachmentBytes)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return domain.Errorf(domain.CodeInvalid, "投标文件过大或无法读取：附件合计不超过 200 MB，单个不超过 20 MB。")
	}
	var err error
	in.BidContent, in.files, err = bidFromForm(r)
	return err
}

// bidFromForm reads a bid form: budget lines "科目,金额（元）", team lines
// "姓名,分工,资质".
func bidFromForm(r *http.Request) (domain.BidContent, []service.File, error) {
	f := r.MultipartForm.Value
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	b := domain.BidContent{TechnicalProposal: get("technical_proposal")}
	fe := domain.FieldErrors{}
	if p, ok := domain.ParseYuan(get("price")); ok {
		b.Price = p
	} else if strings.TrimSpace(get("price")) != "" {
		fe.Add("price", "投标报价格式不对：请填写数字（单位：元）。")
	}
	for i, l := range parseRows(get("budget")) {
		if len(l) < 2 {
			fe.Add("budget", fmt.Sprintf("预算明细第 %d 行应为“科目,金额”。", i+1))
			continue
		}
		amt, ok := domain.ParseYuan(l[len(l)-1])
		if !ok {
			fe.Add("budget", fmt.Sprintf("预算明细第 %d 行的金额“%s”不是数字。", i+1, l[len(l)-1]))
		}
		b.Budget = append(b.Budget, domain.BudgetItem{Item: strings.Join(l[:len(l)-1], "，"), Amount: amt})
	}
	for _, l := range parseRows(get("team")) {
		m := domain.TeamMember{Name: l[0]}
		if len(l) > 1 {
			m.Role = l[1]
		}
		if len(l) > 2 {
			m.Qualification = strings.Join(l[2:], "，")
		}
		b.Team = append(b.Team, m)
	}
	var docs []service.File
	for _, fh := range r.MultipartForm.File["documents"] {
		if fh.Size == 0 {
			continue
		}
		file, err := fh.Open()
		if err != nil {
			return b, nil, err
		}
		data, err := io.ReadAll(io.LimitReader(file, service.MaxAttachmentBytes+1))
		file.Close()
		if err != nil {
			return b, nil, err
		}
		docs = append(docs, service.File{Name: fh.Filename, Data: data})
	}
	if len(fe) > 0 {
		return b, docs, fe.Err()
	}
	return b, docs, nil
}

// submitBid seals and stores the bid of the caller's organisation.
func (s *Server) submitBid(r *http.Request, in *bidInput) (domain.Receipt, error) {
	docs := in.files
	for _, d := range in.Documents {
		data, err := base64.StdEncoding.DecodeString(d.Content)
		if err != nil {
			return domain.Receipt{}, domain.Errorf(domain.CodeInvalid, "附件“%s”的内容不是有效的 base64 编码。", d.FileName)
		}
		docs = append(docs, service.File{Name: d.FileName, Data: data})
	}
	return s.Calls.SubmitBid(r.Context(), actorOf(r), chi.URLParam(r, "id"), requestKey(r), in.BidContent, docs)
}

// myBids are the caller's organisation's bids with their receipts.
type myBids struct {
	list[domain.Bid]
	Receipts []domain.Receipt `json:"receipts"`
}

func (s *Server) listMyBids(r *http.Request) (myBids, error) {
	bids, err := s.Calls.Receipts(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	out := myBids{list: listOf(bids), Receipts: make([]domain.Receipt, 0, len(bids))}
	for _, b := range bids {
		out.Receipts = append(out.Receipts, b.Receipt())
	}
	return out, err
}

func (s *Server) listBids(r *http.Request) (list[service.OpenedBid], error) {
	bids, err := s.Calls.Bids(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return listOf(bids), err
}

func (s *Server) bidDocument(r *http.Request) (service.Document, error) {
	return s.Calls.BidDocument(r.Context(), actorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "bid"), chi.URLParam(r, "part"))
}

// bidRoutes mounts the routes this file serves (see mounts).
func (s *Server) bidRoutes(m mounts) {
	m.pages.Post("/calls/{id}/bids", form(s, s.submitBid, func(in *bidInput, rc domain.Receipt) done {
		return done{To: "/calls/" + in.call, Flash: fmt.Sprintf("投标文件已密封递交（第 %d 版，%s）。回执已列在下方，请妥善保存各部分的 SHA-256 摘要。", rc.Version,
			rc.SubmittedAt.In(domain.ChinaTime).Format("2006年1月2日 15:04:05"))}
	}, callAgain[bidInput](s)))
	m.api.Post("/calls/{id}/bids", apiWrite(s, http.StatusCreated, s.submitBid))
	m.api.Get("/calls/{id}/bids", apiRead(s, s.listBids))
	m.api.Get("/calls/{id}/bids/mine", apiRead(s, s.listMyBids))
	m.pages.Get("/calls/{id}/bids/{bid}/documents/{part}", download(s, false, s.bidDocument))
	m.api.Get("/calls/{id}/bids/{bid}/documents/{part}", download(s, false, s.bidDocument))
}
