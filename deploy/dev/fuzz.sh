#!/usr/bin/env bash
# Runs every Go fuzz target of the repository for FUZZTIME each (default
# 60s): `go test -fuzz` takes one target of one package per run. A crash,
# a failed property or an allocation over a target's bound fails the run;
# the failing input is written under the package's testdata/fuzz/ (commit it
# with the fix so it stays in the seed corpus). `make test` runs it with
# FUZZTIME=3s, `make fuzz` with the default.
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZTIME=${FUZZTIME:-60s}
failed=()
# Each "dir name" pair of a func FuzzX(f *testing.F) in a _test.go file.
while read -r file name; do
	dir=$(dirname "$file")
	echo "== fuzz $name ($dir, $FUZZTIME)"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "./$dir"; then
		failed+=("$dir $name")
	fi
done < <(git ls-files -co --exclude-standard '*_test.go' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' |
	sed -E 's/:func (Fuzz[A-Za-z0-9_]*)\(.*/ \1/' | sort)
if ((${#failed[@]})); then
	printf 'fuzz target failed: %s\n' "${failed[@]}" >&2
	exit 1
fi
