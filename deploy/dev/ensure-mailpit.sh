#!/usr/bin/env bash
# Puts Mailpit (github.com/axllent/mailpit: a local SMTP server with a web
# inbox and an HTTP API) built from its pinned version at bin/mailpit. The
# build (about 3 minutes on 2 cores, once) is cached outside the work tree,
# under the user's cache directory, so fresh clones and CI runs on the same
# machine reuse it; the source comes through the Go module proxy only.
# Mailpit runs as a separate process of the dev stack, never linked.
set -euo pipefail
version="$1"   # pinned version of github.com/axllent/mailpit
out="$2"       # where the binary goes (bin/mailpit)

cache="${XDG_CACHE_HOME:-$HOME/.cache}/grantflow/mailpit-$version"
if [ ! -x "$cache/mailpit" ]; then
  echo "==> building Mailpit $version from source into $cache (once; a few minutes — progress below)"
  mkdir -p "$cache"
  # -v prints each package as it is compiled: the progress
  GOBIN="$cache" GOFLAGS=-buildvcs=false go install -v "github.com/axllent/mailpit@$version" 2>&1 |
    awk '{ n++; if (n % 25 == 0) printf "    … %d packages compiled (%s)\n", n, $0; fflush() }'
  test -x "$cache/mailpit" || { echo "Mailpit build failed" >&2; exit 1; }
fi
mkdir -p "$(dirname "$out")"
ln -f "$cache/mailpit" "$out" 2>/dev/null || cp "$cache/mailpit" "$out"
