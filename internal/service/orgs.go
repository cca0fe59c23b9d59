package service

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/store"
)

// Orgs is the application service of organisations: self-registration,
// review by civil affairs, the debarment list, and the personal data of
// their representatives (sealed at rest, masked by default, every full view
// audited). Registration is a short state change with no long-running
// lifecycle, so it writes the store directly rather than through a workflow.
type Orgs struct {
	Store *store.Store
	Blob  *blob.Store
	Keys  *pii.Keyring
}

// Registration is a new organisation with its first member's account and a
// qualification document.
type Registration struct {
	Org         domain.OrgRegistration
	Username    string
	DisplayName string
	Password    string
	DocName     string
	Doc         []byte
	// Consent is the legal representative's consent to the processing of
	// their ID number and the contact's phone for the review.
	Consent bool
}

// RegistrationPurpose is the purpose a registering organisation consents to.
const RegistrationPurpose = "社会组织注册审核及公益创投项目申报资格管理"

// Register creates a pending organisation and its member account. Anyone
// may register; civil affairs reviews it afterwards.
func (s *Orgs) Register(ctx context.Context, reg Registration, ip string) (domain.Organisation, domain.User, error) {
	reg.Org = reg.Org.Normalize()
	fe := domain.FieldErrors{}
	if err := reg.Org.Validate(time.Now().In(domain.ChinaTime)); err != nil {
		if de, ok := err.(*domain.Error); ok {
			for k, v := range de.Fields {
				fe.Add(k, v)
			}
		}
	}
	reg.Username = strings.TrimSpace(reg.Username)
	if n := len(reg.Username); n < 3 || n > 40 || strings.ContainsAny(reg.Username, " \t/\\@") {
		fe.Add("username", "用户名须为 3 至 40 个字母、数字或符号（不含空格、/ 和 @）。")
	}
	if utf8.RuneCountInString(reg.Password) < 10 {
		fe.Add("password", "密码至少 10 位，建议混合字母、数字和符号。")
	}
	if strings.TrimSpace(reg.DisplayName) == "" {
		reg.DisplayName = reg.Org.ContactName
	}
	if !reg.Consent {
		fe.Add("consent", "请确认法定代表人和联系人同意为注册审核处理其身份证号和手机号。")
	}
	ct, docErr := CheckDocument(reg.DocName, reg.Doc)
	if docErr != nil {
		fe.Add("document", "请上传登记证书（PDF 或图片）："+domain.ErrorMessage(docErr))
	}
	if err := fe.Err(); err != nil {
		return domain.Organisation{}, domain.User{}, err
	}
	sealed := store.SealedOrg{OrgRegistration: reg.Org}
	var err error
	if sealed.LegalRepID, err = s.Keys.Seal(reg.Org.LegalRepID); err != nil {
		return domain.Organisation{}, domain.User{}, err
	}
	if sealed.ContactPhone, err = s.Keys.Seal(reg.Org.ContactPhone); err != nil {
		return domain.Organisation{}, domain.User{}, err
	}
	hash, err := auth.HashPassword(reg.Password)
	if err != nil {
		return domain.Organisation{}, domain.User{}, err
	}
	docID := uuid.NewString()
	obj, err := s.Blob.Put(ctx, "organisations/"+reg.Org.USCC+"/documents/"+docID, reg.Doc, ct)
	if err != nil {
		return domain.Organisation{}, domain.User{}, err
	}
	doc := domain.Attachment{ID: docID, FileName: path.Base(strings.ReplaceAll(reg.DocName, "\\", "/")), ContentType: ct,
		Size: obj.Size, SHA256: obj.SHA256, ObjectKey: obj.Key}
	consent := domain.Consent{SubjectType: "organisation_legal_rep", SubjectName: reg.Org.LegalRepName,
		Purpose: RegistrationPurpose, GivenAt: time.Now()}
	if birth, ok := domain.BirthDateFromIDCard(reg.Org.LegalRepID); ok {
		if err := domain.ValidateConsent(consent, birth); err != nil {
			return domain.Organisation{}, domain.User{}, domain.Errorf(domain.CodeInvalid, "法定代表人未满 14 周岁，不能作为社会组织的法定代表人注册。")
		}
	}
	org, user, err := s.Store.RegisterOrganisation(ctx, sealed,
		domain.User{Username: reg.Username, DisplayName: reg.DisplayName}, hash, doc, consent, ip)
	if err != nil {
		_ = s.Blob.Remove(ctx, obj.Key)
		return domain.Organisation{}, domain.User{}, err
	}
	return s.masked(org), user, nil
}

func target(o domain.Organisation) auth.Target {
	return auth.Target{District: o.District, OrgID: o.ID}
}

// masked replaces sealed personal data with its masked form.
func (s *Orgs) masked(o domain.Organisation) domain.Organisation {
	o.LegalRepID = s.maskSealed(o.LegalRepID)
	o.ContactPhone = s.maskSealed(o.ContactPhone)
	return o
}

func (s *Orgs) maskSealed(sealed string) string {
	plain, err := s.Keys.Open(sealed)
	if err != nil {
		return "（无法解密：密钥缺失）"
	}
	return domain.MaskMiddle(plain)
}

// Get returns an organisation the person may see, personal data masked.
func (s *Orgs) Get(ctx context.Context, by domain.Actor, id int64) (domain.Organisation, error) {
	o, err := s.Store.Organisation(ctx, id)
	if err != nil {
		return domain.Organisation{}, err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionViewOrg, target(o)); err != nil {
		return domain.Organisation{}, err
	}
	return s.masked(o), nil
}

// Reveal returns an organisation with its personal data in full, for the
// roles that need it, and audits the view.
func (s *Orgs) Reveal(ctx context.Context, by domain.Actor, id int64) (domain.Organisation, error) {
	if err := auth.Authorize(by.User(), auth.ActionRevealPII, ""); err != nil {
		return domain.Organisation{}, err
	}
	o, err := s.Store.Organisation(ctx, id)
	if err != nil {
		return domain.Organisation{}, err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionRevealPII, target(o)); err != nil {
		return domain.Organisation{}, err
	}
	if o.LegalRepID, err = s.Keys.Open(o.LegalRepID); err != nil {
		return domain.Organisation{}, fmt.Errorf("open legal representative id: %w", err)
	}
	if o.ContactPhone, err = s.Keys.Open(o.ContactPhone); err != nil {
		return domain.Organisation{}, fmt.Errorf("open contact phone: %w", err)
	}
	if err := s.Store.RecordPIIView(ctx, "organisation", strconv.FormatInt(id, 10),
		[]string{"legal_rep_id", "contact_phone"}, by); err != nil {
		return domain.Organisation{}, err
	}
	return o, nil
}

// List lists organisations, personal data masked.
func (s *Orgs) List(ctx context.Context, by domain.Actor, f store.OrgFilter) (store.OrgPage, error) {
	if err := auth.Authorize(by.User(), auth.ActionListOrgs, ""); err != nil {
		return store.OrgPage{}, err
	}
	p, err := s.Store.ListOrganisations(ctx, f)
	if err != nil {
		return store.OrgPage{}, err
	}
	for i := range p.Orgs {
		p.Orgs[i] = s.masked(p.Orgs[i])
	}
	return p, nil
}

// Review verifies (approve) or rejects a pending registration; a rejection
// needs a reason.
func (s *Orgs) Review(ctx context.Context, by domain.Actor, id int64, approve bool, reason string) error {
	if err := auth.Authorize(by.User(), auth.ActionReviewOrg, ""); err != nil {
		return err
	}
	o, err := s.Store.Organisation(ctx, id)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionReviewOrg, target(o)); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	status := domain.OrgVerified
	if !approve {
		status = domain.OrgRejected
		if err := domain.ValidateReason(reason); err != nil {
			return err
		}
	}
	return s.Store.ReviewOrganisation(ctx, id, status, reason, by)
}

// Debar puts an organisation on the debarment list from one date to another.
func (s *Orgs) Debar(ctx context.Context, by domain.Actor, id int64, reason string, from, to time.Time) error {
	if err := auth.Authorize(by.User(), auth.ActionDebarOrg, ""); err != nil {
		return err
	}
	o, err := s.Store.Organisation(ctx, id)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeTarget(by.User(), auth.ActionDebarOrg, target(o)); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if err := domain.ValidateDebarment(reason, from, to); err != nil {
		return err
	}
	return s.Store.AddDebarment(ctx, id, reason, from, to, by)
}

// Details are what an organisation's page shows besides the organisation.
type Details struct {
	Documents  []domain.Attachment
	Debarments []domain.Debarment
	Consents   []domain.Consent
}

// Details lists an organisation's documents and debarments.
func (s *Orgs) Details(ctx context.Context, by domain.Actor, id int64) (Details, error) {
	if _, err := s.Get(ctx, by, id); err != nil {
		return Details{}, err
	}
	docs, err := s.Store.OrgDocuments(ctx, id)
	if err != nil {
		return Details{}, err
	}
	debs, err := s.Store.Debarments(ctx, id)
	if err != nil {
		return Details{}, err
	}
	consents, err := s.Store.Consents(ctx, "organisation_legal_rep", strconv.FormatInt(id, 10))
	if err != nil {
		return Details{}, err
	}
	for i := range consents {
		consents[i].SubjectName = domain.MaskName(consents[i].SubjectName)
	}
	return Details{Documents: docs, Debarments: debs, Consents: consents}, nil
}

// Document returns one qualification document, verified by checksum.
func (s *Orgs) Document(ctx context.Context, by domain.Actor, orgID int64, docID string) (Document, error) {
	d, err := s.Details(ctx, by, orgID)
	if err != nil {
		return Document{}, err
	}
	for _, a := range d.Documents {
		if a.ID == docID {
			data, _, err := s.Blob.Get(ctx, a.ObjectKey, a.SHA256)
			if err != nil {
				return Document{}, err
			}
			return Document{FileName: a.FileName, ContentType: a.ContentType, Data: data}, nil
		}
	}
	return Document{}, domain.Errorf(domain.CodeNotFound, "找不到该文件。")
}

// ResealPII re-seals personal data under the current key after a rotation.
func (s *Orgs) ResealPII(ctx context.Context) (map[string]int, error) {
	return s.Store.ResealPII(ctx, s.Keys.Current(), s.Keys.Reseal, func(sealed string) (string, error) {
		plain, err := s.Keys.Open(sealed)
		if err != nil {
			return "", err
		}
		return s.Keys.Index(plain), nil
	})
}
