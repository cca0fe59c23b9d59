// Package blob keeps GrantFlow's documents in any S3-compatible object store
// (MinIO in development and tests; MinIO AIStor, Ceph RGW, versitygw… in
// production), through minio-go only. Every object is written with its
// SHA-256 in its metadata and checked against it when read back.
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
	"github.com/minio/minio-go/v7/pkg/credentials"

	"grantflow/internal/domain"
)

// metaSHA256 is the user-metadata key carrying an object's SHA-256 (hex).
const metaSHA256 = "Sha256"

// MaxObjectBytes bounds what Get reads into memory (documents, not videos).
const MaxObjectBytes = 64 << 20

// Config says where the store is.
type Config struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	UseTLS    bool
}

// Store reads and writes one bucket.
type Store struct {
	client *minio.Client
	bucket string
	region string
}

// Open connects (lazily: minio-go dials on first use).
func Open(cfg Config) (*Store, error) {
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("blob open %s: %w", cfg.Endpoint, err)
	}
	return &Store{client: c, bucket: cfg.Bucket, region: cfg.Region}, nil
}

// EnsureBucket creates the bucket if missing and turns versioning on, so an
// overwritten or deleted document can still be recovered.
func (s *Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob bucket exists %s: %w", s.bucket, err)
	}
	if !ok {
		if err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region}); err != nil {
			return fmt.Errorf("blob make bucket %s: %w", s.bucket, err)
		}
	}
	if err := s.client.EnableVersioning(ctx, s.bucket); err != nil {
		return fmt.Errorf("blob enable versioning %s: %w", s.bucket, err)
	}
	return nil
}

// Ping checks the store answers and the bucket exists (readiness).
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("blob ping: %w", err)
	}
	if !ok {
		return fmt.Errorf("blob ping: bucket %s does not exist", s.bucket)
	}
	return nil
}

// Object describes a stored object.
type Object struct {
	Key       string
	SHA256    string // hex
	Size      int64
	VersionID string
}

// Put stores data under key with its SHA-256 and content type.
func (s *Store) Put(ctx context.Context, key string, data []byte, contentType string) (Object, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	info, err := s.client.PutObject(ctx, s.bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:  contentType,
		UserMetadata: map[string]string{metaSHA256: hexSum},
	})
	if err != nil {
		return Object{}, fmt.Errorf("blob put %s: %w", key, err)
	}
	return Object{Key: key, SHA256: hexSum, Size: info.Size, VersionID: info.VersionID}, nil
}

// ErrChecksum reports an object whose bytes no longer match its SHA-256.
var ErrChecksum = errors.New("blob: checksum mismatch")

// Get reads an object whole and verifies it against the SHA-256 recorded
// when it was written and, if want is not empty, against want (the digest
// the database holds). A mismatch is an error: a damaged document is never
// served as if it were intact.
func (s *Store) Get(ctx context.Context, key, want string) ([]byte, Object, error) {
	obj, err := s.client.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Object{}, fmt.Errorf("blob get %s: %w", key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, MaxObjectBytes+1))
	if err != nil {
		var resp minio.ErrorResponse
		if errors.As(err, &resp) && resp.StatusCode == http.StatusNotFound {
			return nil, Object{}, domain.Wrap(err, domain.CodeNotFound, "文件不存在或已被删除。")
		}
		return nil, Object{}, fmt.Errorf("blob read %s: %w", key, err)
	}
	if len(data) > MaxObjectBytes {
		return nil, Object{}, fmt.Errorf("blob read %s: larger than %d bytes", key, MaxObjectBytes)
	}
	info, err := obj.Stat()
	if err != nil {
		return nil, Object{}, fmt.Errorf("blob stat %s: %w", key, err)
	}
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	recorded := info.UserMetadata[metaSHA256]
	if recorded == "" || recorded != got || (want != "" && want != got) {
		return nil, Object{}, domain.Wrap(fmt.Errorf("%w: %s: stored %q, database %q, read %q", ErrChecksum, key, recorded, want, got),
			domain.CodeInternal, "文件校验失败：内容与存档时不一致，已拒绝下载。请联系平台管理员核查。")
	}
	return data, Object{Key: key, SHA256: got, Size: int64(len(data)), VersionID: info.VersionID}, nil
}

// Remove deletes the current version of an object (older versions stay).
func (s *Store) Remove(ctx context.Context, key string) error {
	if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob remove %s: %w", key, err)
	}
	return nil
}

// Lost reports an error of Get that no retry can mend: the object is gone
// (deleted, or only a delete marker left) or its bytes no longer match their
// recorded SHA-256. A caller checking a document against a record treats it
// as a failed check, not as a transient fault.
func Lost(err error) bool {
	return errors.Is(err, ErrChecksum) || domain.ErrorCode(err) == domain.CodeNotFound
}

// Listed is an object found by List.
type Listed struct {
	Key          string
	LastModified time.Time
}

// List lists the current objects under prefix (recursively).
func (s *Store) List(ctx context.Context, prefix string) ([]Listed, error) {
	var out []Listed
	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("blob list %s: %w", prefix, o.Err)
		}
		out = append(out, Listed{Key: o.Key, LastModified: o.LastModified})
	}
	return out, nil
}
