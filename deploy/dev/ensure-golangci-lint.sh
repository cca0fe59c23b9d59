#!/usr/bin/env bash
# Puts golangci-lint, built from its pinned module version, at bin/golangci-lint.
# The build (a few minutes on 2 cores, once) is cached outside the work tree,
# under the user's cache directory, like ensure-minio.sh caches MinIO; bin/ is
# refreshed only when the binary is missing or reports another version.
set -euo pipefail
version="$1"   # pinned version of github.com/golangci/golangci-lint/v2, e.g. v2.15.0
out="$2"       # where the binary goes (bin/golangci-lint)

has_version() { [ -x "$1" ] && "$1" version 2>/dev/null | grep -q "version ${version#v} "; }

has_version "$out" && exit 0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/grantflow/golangci-lint-$version"
if ! has_version "$cache/golangci-lint"; then
  echo "==> building golangci-lint $version from source into $cache (once; a few minutes)"
  mkdir -p "$cache"
  GOBIN="$cache" GOFLAGS=-buildvcs=false \
    go install -ldflags "-X main.version=${version#v}" "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"
  has_version "$cache/golangci-lint" || { echo "golangci-lint build failed" >&2; exit 1; }
fi
mkdir -p "$(dirname "$out")"
rm -f "$out"
ln -f "$cache/golangci-lint" "$out" 2>/dev/null || cp "$cache/golangci-lint" "$out"
