#!/usr/bin/env bash
# Installs the Debian packages GrantFlow's dev stack and tests need, when they
# are missing. Usage: ensure-packages.sh run|test
#   run:  PostgreSQL 15 server binaries
#   test: the above, plus poppler-utils (pdftotext, pdftoppm), Chromium and
#         CJK fonts for the browser tests
set -euo pipefail

want=(postgresql-15)
if [ "${1:-run}" = "test" ]; then
  want+=(poppler-utils chromium fonts-noto-cjk)
fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "==> installing Debian packages: ${missing[*]}"
if ! command -v apt-get >/dev/null; then
  echo "GrantFlow needs these Debian packages: ${missing[*]}; this machine has no apt-get." >&2
  echo "Install PostgreSQL 15 server binaries and set GRANTFLOW_PG_BINDIR to their bin directory." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "Installing ${missing[*]} needs root: run 'apt-get install ${missing[*]}' as root, then try again." >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
if ! $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/grantflow-apt.log 2>&1; then
  echo "apt-get install ${missing[*]} failed; see /tmp/grantflow-apt.log" >&2
  tail -n 20 /tmp/grantflow-apt.log >&2
  exit 1
fi
echo "==> installed ${missing[*]}"
