package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// SealedOrg is a registration whose personal data is already sealed.
type SealedOrg struct {
	domain.OrgRegistration // LegalRepID and ContactPhone hold sealed values
}

const orgColumns = `o.id, o.name, o.uscc, o.org_type, o.legal_rep_name, o.legal_rep_id_sealed, o.contact_name,
	o.contact_phone_sealed, o.district, o.status, o.review_reason, coalesce(o.reviewed_by, 0), o.created_at,
	EXISTS (SELECT 1 FROM debarments d WHERE d.org_id = o.id AND current_date BETWEEN d.starts_on AND d.ends_on)`

// scanOrg reads an organisation; LegalRepID and ContactPhone are sealed.
func scanOrg(row pgx.Row) (domain.Organisation, error) {
	var o domain.Organisation
	err := row.Scan(&o.ID, &o.Name, &o.USCC, &o.Type, &o.LegalRepName, &o.LegalRepID, &o.ContactName,
		&o.ContactPhone, &o.District, &o.Status, &o.ReviewReason, &o.ReviewedBy, &o.CreatedAt, &o.Debarred)
	return o, err
}

// RegisterOrganisation creates a pending organisation, its first member's
// account and its first document record, with audit entries, in one
// transaction. A USCC or username already taken is a conflict.
func (s *Store) RegisterOrganisation(ctx context.Context, reg SealedOrg, member domain.User, passwordHash string,
	doc domain.Attachment, consent domain.Consent, ip string) (domain.Organisation, domain.User, error) {
	var org domain.Organisation
	var user domain.User
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE uscc = $1)`, reg.USCC).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return domain.Errorf(domain.CodeConflict, "该统一社会信用代码已经注册。如忘记账号，请联系所在区民政局。")
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)`, member.Username).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return &domain.Error{Code: domain.CodeConflict, Message: "该用户名已被使用，请换一个。", Fields: map[string]string{"username": "该用户名已被使用，请换一个。"}}
		}
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO organisations (name, uscc, org_type, legal_rep_name, legal_rep_id_sealed, contact_name, contact_phone_sealed, district)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			reg.Name, reg.USCC, reg.Type, reg.LegalRepName, reg.LegalRepID, reg.ContactName, reg.ContactPhone, reg.District).Scan(&id); err != nil {
			return err
		}
		var err error
		user, _, err = scanUser(tx.QueryRow(ctx, `
			INSERT INTO users (username, display_name, password_hash, roles, district, org_id)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+userColumns+`, password_hash`,
			member.Username, member.DisplayName, passwordHash, []string{string(domain.RoleOrgMember)}, reg.District, id))
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO organisation_documents (id, org_id, file_name, content_type, size_bytes, sha256, object_key, uploaded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			doc.ID, id, doc.FileName, doc.ContentType, doc.Size, doc.SHA256, doc.ObjectKey, user.ID); err != nil {
			return err
		}
		by := domain.ActorOf(user, ip)
		consent.SubjectID = strconv.FormatInt(id, 10)
		if err := insertConsent(ctx, tx, consent, by); err != nil {
			return err
		}
		if err := appendAudit(ctx, tx, Audit{By: by, Action: "org.register", ObjectType: "organisation", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]any{"name": reg.Name, "uscc": reg.USCC, "type": reg.Type, "district": reg.District,
				"member": member.Username, "document": doc.FileName}}); err != nil {
			return err
		}
		org, err = scanOrg(tx.QueryRow(ctx, `SELECT `+orgColumns+` FROM organisations o WHERE o.id = $1`, id))
		return err
	})
	if err != nil {
		return domain.Organisation{}, domain.User{}, mapErr("register organisation", err)
	}
	return org, user, nil
}

// Organisation returns one organisation (personal data sealed).
func (s *Store) Organisation(ctx context.Context, id int64) (domain.Organisation, error) {
	o, err := scanOrg(s.pool.QueryRow(ctx, `SELECT `+orgColumns+` FROM organisations o WHERE o.id = $1`, id))
	return o, mapErr("organisation", err)
}

// OrgFilter narrows the organisation list.
type OrgFilter struct {
	Status   domain.OrgStatus
	District string
	Search   string
	Sort     string // an OrgSorts key; newest first otherwise
	Page     int
	PerPage  int
}

// OrgPage is one page of organisations.
type OrgPage struct {
	Orgs    []domain.Organisation
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p OrgPage) Pages() int { return pages(p.Total, p.PerPage) }

// ListOrganisations lists organisations newest first, paged on the server.
func (s *Store) ListOrganisations(ctx context.Context, f OrgFilter) (OrgPage, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 200)
	var w filter
	if f.Status != "" {
		w.add("o.status = $%d", f.Status)
	}
	if f.District != "" {
		w.add("o.district = $%d", f.District)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		w.add("(o.name ILIKE '%' || $%d || '%' OR o.uscc = upper($%d))", likeEscape(q))
	}
	orgs, total, err := listPage(ctx, s.pool, "list organisations", orgColumns, "organisations o", w, sortOrder(f.Sort, OrgSorts, OrgSorts["created"]), f.Page, f.PerPage,
		func(r pgx.CollectableRow) (domain.Organisation, error) { return scanOrg(r) })
	return OrgPage{Orgs: orgs, Total: total, Page: f.Page, PerPage: f.PerPage}, err
}

// ReviewOrganisation verifies or rejects a pending organisation, with its
// audit entry. Only a pending organisation can be reviewed.
func (s *Store) ReviewOrganisation(ctx context.Context, id int64, status domain.OrgStatus, reason string, by domain.Actor) error {
	return mapErr("review organisation", s.tx(ctx, func(tx pgx.Tx) error {
		var from domain.OrgStatus
		if err := tx.QueryRow(ctx, `SELECT status FROM organisations WHERE id = $1 FOR UPDATE`, id).Scan(&from); err != nil {
			return err
		}
		if from != domain.OrgPending {
			return domain.Errorf(domain.CodeConflict, "该组织的注册已审核（%s），不能重复审核。", from.Label())
		}
		if _, err := tx.Exec(ctx, `
			UPDATE organisations SET status = $2, review_reason = $3, reviewed_by = nullif($4, 0), reviewed_at = now(), updated_at = now()
			WHERE id = $1`, id, status, reason, by.UserID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "org.review", ObjectType: "organisation", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]string{"status": string(status), "reason": reason}})
	}))
}

// AddDebarment puts an organisation on the debarment list.
func (s *Store) AddDebarment(ctx context.Context, orgID int64, reason string, from, to time.Time, by domain.Actor) error {
	return mapErr("add debarment", s.tx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO debarments (org_id, reason, starts_on, ends_on, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			orgID, reason, from, to, by.UserID).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "org.debar", ObjectType: "organisation", ObjectID: strconv.FormatInt(orgID, 10),
			Summary: map[string]string{"reason": reason, "from": from.Format(time.DateOnly), "to": to.Format(time.DateOnly)}})
	}))
}

// Debarments lists an organisation's debarments, latest first.
func (s *Store) Debarments(ctx context.Context, orgID int64) ([]domain.Debarment, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, org_id, reason, starts_on, ends_on, created_by, created_at FROM debarments
		WHERE org_id = $1 ORDER BY ends_on DESC, id DESC`, orgID)
	if err != nil {
		return nil, mapErr("debarments", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Debarment, error) {
		var d domain.Debarment
		err := r.Scan(&d.ID, &d.OrgID, &d.Reason, &d.StartsOn, &d.EndsOn, &d.CreatedBy, &d.CreatedAt)
		return d, err
	})
	return out, mapErr("debarments", err)
}

// OrgDocuments lists an organisation's qualification documents.
func (s *Store) OrgDocuments(ctx context.Context, orgID int64) ([]domain.Attachment, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, file_name, content_type, size_bytes, sha256, object_key, coalesce(uploaded_by, 0), created_at
		FROM organisation_documents WHERE org_id = $1 ORDER BY created_at, id`, orgID)
	if err != nil {
		return nil, mapErr("organisation documents", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Attachment, error) {
		var a domain.Attachment
		err := r.Scan(&a.ID, &a.FileName, &a.ContentType, &a.Size, &a.SHA256, &a.ObjectKey, &a.UploadedBy, &a.CreatedAt)
		return a, err
	})
	return out, mapErr("organisation documents", err)
}

// RecordPIIView writes the audit entry of a full view of personal data.
func (s *Store) RecordPIIView(ctx context.Context, objectType, objectID string, fields []string, by domain.Actor) error {
	return s.Record(ctx, Audit{By: by, Action: "pii.view", ObjectType: objectType, ObjectID: objectID,
		Summary: map[string]any{"fields": fields}})
}

// OrganisationByUSCC finds an organisation by its unified social credit code.
func (s *Store) OrganisationByUSCC(ctx context.Context, uscc string) (domain.Organisation, error) {
	o, err := scanOrg(s.pool.QueryRow(ctx, `SELECT `+orgColumns+` FROM organisations o WHERE o.uscc = $1`, uscc))
	return o, mapErr("organisation by uscc", err)
}

// insertConsent records a consent with its audit entry (inside tx).
func insertConsent(ctx context.Context, tx pgx.Tx, c domain.Consent, by domain.Actor) error {
	var id int64
	if err := tx.QueryRow(ctx, `
		INSERT INTO consents (subject_type, subject_id, subject_name, purpose, given_at, recorded_by, guardian_name, guardian_relation)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		c.SubjectType, c.SubjectID, c.SubjectName, c.Purpose, c.GivenAt, by.UserID, c.GuardianName, c.GuardianRelation).Scan(&id); err != nil {
		return err
	}
	return appendAudit(ctx, tx, Audit{By: by, Action: "consent.record", ObjectType: c.SubjectType, ObjectID: c.SubjectID,
		Summary: map[string]any{"consent": id, "purpose": c.Purpose, "guardian": c.GuardianName != ""}})
}

// Consents lists the consents recorded for a subject, latest first.
func (s *Store) Consents(ctx context.Context, subjectType, subjectID string) ([]domain.Consent, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.id, c.subject_type, c.subject_id, c.subject_name, c.purpose, c.given_at, c.recorded_by, u.display_name,
		       c.guardian_name, c.guardian_relation
		FROM consents c JOIN users u ON u.id = c.recorded_by
		WHERE c.subject_type = $1 AND c.subject_id = $2 ORDER BY c.given_at DESC, c.id DESC`, subjectType, subjectID)
	if err != nil {
		return nil, mapErr("consents", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.Consent])
	return out, mapErr("consents", err)
}
