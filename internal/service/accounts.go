package service

import (
	"context"
	"crypto/rand"
	"math/big"
	"unicode/utf8"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Accounts is the application service of a person's own account (sessions,
// API tokens, password) and of administrators' user management.
type Accounts struct {
	Store *store.Store
}

// MinPasswordRunes is the shortest password accepted.
const MinPasswordRunes = 10

// ChangePassword changes the person's own password after checking the
// current one; every other session of theirs ends.
func (s *Accounts) ChangePassword(ctx context.Context, by domain.Actor, current, next, keepSession string) error {
	u, err := s.Store.UserByID(ctx, by.UserID)
	if err != nil {
		return err
	}
	_, hash, err := s.Store.UserByUsername(ctx, u.Username)
	if err != nil {
		return err
	}
	ok, err := auth.CheckPassword(hash, current)
	if err != nil {
		return err
	}
	fe := domain.FieldErrors{}
	if !ok {
		fe.Add("current", "当前密码不正确。")
	}
	if utf8.RuneCountInString(next) < MinPasswordRunes {
		fe.Add("new", "新密码至少 10 位，建议混合字母、数字和符号。")
	} else if next == current {
		fe.Add("new", "新密码不能与当前密码相同。")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	return s.Store.SetPassword(ctx, by.UserID, newHash, keepSession, false, by)
}

// ResetPassword gives a user a new random password (shown once to the
// administrator), clears a lockout and ends the user's sessions.
func (s *Accounts) ResetPassword(ctx context.Context, by domain.Actor, userID int64) (string, error) {
	if err := auth.Authorize(by.User(), auth.ActionManageUsers, ""); err != nil {
		return "", err
	}
	password, err := randomPassword(14)
	if err != nil {
		return "", err
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return "", err
	}
	if err := s.Store.SetPassword(ctx, userID, hash, "", true, by); err != nil {
		return "", err
	}
	return password, nil
}

// SetDisabled disables an account (it cannot sign in; its sessions end and
// its API tokens are revoked at once) or enables it again. Administrators
// cannot disable their own account.
func (s *Accounts) SetDisabled(ctx context.Context, by domain.Actor, userID int64, disabled bool) error {
	if err := auth.Authorize(by.User(), auth.ActionManageUsers, ""); err != nil {
		return err
	}
	if disabled && userID == by.UserID {
		return domain.Errorf(domain.CodeConflict, "不能停用自己正在使用的账号。")
	}
	return s.Store.SetDisabled(ctx, userID, disabled, by)
}

// Users lists accounts for administrators.
func (s *Accounts) Users(ctx context.Context, by domain.Actor, after string) ([]domain.User, error) {
	if err := auth.Authorize(by.User(), auth.ActionManageUsers, ""); err != nil {
		return nil, err
	}
	return s.Store.Users(ctx, after, 50)
}

// randomPassword avoids characters people confuse (0/O, 1/l/I).
func randomPassword(n int) (string, error) {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", err
		}
		b[i] = alphabet[k.Int64()]
	}
	return string(b), nil
}
