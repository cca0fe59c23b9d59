package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/minio/minio-go/v7"
)

// LockMode is the object-lock mode archive objects are written with:
// COMPLIANCE (nobody, not even the store's root account, can delete or
// shorten it before the date) or GOVERNANCE (an account with the bypass
// permission can).
type LockMode string

// The S3 object-lock modes.
const (
	LockCompliance LockMode = "COMPLIANCE"
	LockGovernance LockMode = "GOVERNANCE"
)

// EnsureLockedBucket creates the bucket with object locking (which implies
// versioning) if it is missing, and refuses a bucket that exists without
// it: an archive nobody can trust to be immutable is not an archive.
func (s *Store) EnsureLockedBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob bucket exists %s: %w", s.bucket, err)
	}
	if !ok {
		err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region, ObjectLocking: true})
		if err == nil {
			return nil
		}
		if minio.ToErrorResponse(err).Code != "BucketAlreadyOwnedByYou" {
			return fmt.Errorf("blob make locked bucket %s: %w", s.bucket, err)
		}
		// Another process created it meanwhile: check it like an existing one.
	}
	enabled, _, _, _, err := s.client.GetObjectLockConfig(ctx, s.bucket)
	if err != nil || enabled != "Enabled" {
		return fmt.Errorf("blob archive bucket %s exists without object locking (%v); create it with object locking enabled", s.bucket, err)
	}
	return nil
}

// PutLocked stores data under key, locked in mode until until.
func (s *Store) PutLocked(ctx context.Context, key string, data []byte, contentType string, mode LockMode, until time.Time) (Object, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	info, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:     contentType,
		UserMetadata:    map[string]string{metaSHA256: hexSum},
		Mode:            minio.RetentionMode(mode),
		RetainUntilDate: until.UTC(),
		SendContentMd5:  true,
	})
	if err != nil {
		return Object{}, fmt.Errorf("blob put locked %s: %w", key, err)
	}
	return Object{Key: key, SHA256: hexSum, Size: info.Size, VersionID: info.VersionID}, nil
}

// PutLockedOnce stores data under key, locked, unless the current version
// of key already holds exactly these bytes (hashed as read, not taken from
// its metadata): then it returns that version and written is false. A
// retried archive thus writes only what an earlier attempt did not, instead
// of a second locked version of everything (undeletable for decades).
func (s *Store) PutLockedOnce(ctx context.Context, key string, data []byte, contentType string, mode LockMode, until time.Time) (obj Object, written bool, err error) {
	if o, ok, err := s.holds(ctx, key, data); err != nil || ok {
		return o, false, err
	}
	obj, err = s.PutLocked(ctx, key, data, contentType, mode, until)
	return obj, err == nil, err
}

// PutOnce stores data under key unless its current version already holds
// exactly these bytes (then that version is returned, written false).
func (s *Store) PutOnce(ctx context.Context, key string, data []byte, contentType string) (obj Object, written bool, err error) {
	if o, ok, err := s.holds(ctx, key, data); err != nil || ok {
		return o, false, err
	}
	obj, err = s.Put(ctx, key, data, contentType)
	return obj, err == nil, err
}

// holds reports whether the current version of key is data.
func (s *Store) holds(ctx context.Context, key string, data []byte) (Object, bool, error) {
	sha, size, version, err := s.ReadCurrent(ctx, key)
	if errors.Is(err, ErrMissing) {
		return Object{}, false, nil
	}
	if err != nil {
		if minio.ToErrorResponse(errors.Unwrap(err)).Code == "NoSuchKey" {
			return Object{}, false, nil
		}
		return Object{}, false, err
	}
	sum := sha256.Sum256(data)
	if want := hex.EncodeToString(sum[:]); sha != want || size != int64(len(data)) {
		return Object{}, false, nil
	}
	return Object{Key: key, SHA256: sha, Size: size, VersionID: version}, true, nil
}

// Versions counts the stored versions (delete markers included) of every
// key under prefix.
func (s *Store) Versions(ctx context.Context, prefix string) (map[string]int, error) {
	out := map[string]int{}
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true, WithVersions: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("blob list versions %s: %w", prefix, o.Err)
		}
		out[o.Key]++
	}
	return out, nil
}

// ErrMissing reports an object that is not there.
var ErrMissing = errors.New("blob: object missing")

// ReadCurrent reads the current version of key and hashes what it read,
// whatever its metadata says: verification must not trust the store.
func (s *Store) ReadCurrent(ctx context.Context, key string) (sha string, size int64, versionID string, err error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return "", 0, "", fmt.Errorf("blob get %s: %w", key, err)
	}
	defer obj.Close()
	h := sha256.New()
	n, err := io.Copy(h, obj)
	if err != nil {
		var resp minio.ErrorResponse
		if errors.As(err, &resp) && resp.StatusCode == http.StatusNotFound {
			return "", 0, "", fmt.Errorf("%w: %s", ErrMissing, key)
		}
		return "", 0, "", fmt.Errorf("blob read %s: %w", key, err)
	}
	info, err := obj.Stat()
	if err != nil {
		return "", 0, "", fmt.Errorf("blob stat %s: %w", key, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, info.VersionID, nil
}

// RemoveVersion deletes one version of key (refused by the store while it
// is locked).
func (s *Store) RemoveVersion(ctx context.Context, key, versionID string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: versionID}); err != nil {
		return fmt.Errorf("blob remove %s@%s: %w", key, versionID, err)
	}
	return nil
}

// Bucket names the bucket.
func (s *Store) Bucket() string { return s.bucket }
