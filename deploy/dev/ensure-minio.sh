#!/usr/bin/env bash
# Puts a MinIO server built from its pinned source at bin/minio. The build
# (about 6 minutes on 2 cores, once) is cached outside the work tree, under
# the user's cache directory, so fresh clones and CI runs on the same machine
# reuse it. MinIO is AGPL: it runs as a separate process and is never linked.
set -euo pipefail
version="$1"   # pinned pseudo-version of github.com/minio/minio
out="$2"       # where the binary goes (bin/minio)

cache="${XDG_CACHE_HOME:-$HOME/.cache}/grantflow/minio-$version"
if [ ! -x "$cache/minio" ]; then
  echo "==> building MinIO $version from source into $cache (once; several minutes — progress below)"
  mkdir -p "$cache"
  # -v prints each package as it is compiled: the progress
  GOBIN="$cache" GOFLAGS=-buildvcs=false go install -v "github.com/minio/minio@$version" 2>&1 |
    awk '{ n++; if (n % 25 == 0) printf "    … %d packages compiled (%s)\n", n, $0; fflush() }'
  test -x "$cache/minio" || { echo "MinIO build failed" >&2; exit 1; }
fi
mkdir -p "$(dirname "$out")"
ln -f "$cache/minio" "$out" 2>/dev/null || cp "$cache/minio" "$out"
