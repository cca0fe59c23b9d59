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
	# Go's fuzzing coordinator sometimes ends a run with "context deadline
	# exceeded" when the time is up while a worker is still on an input (a
	# busy machine makes it likelier); no input failed then, none is written
	# to testdata/fuzz. Such a run is tried again, up to twice; any other
	# failure (a crash, a failed property, a written input) fails at once.
	for attempt in 1 2 3; do
		if out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" "./$dir" 2>&1); then
			echo "$out" | tail -n 2
			break
		fi
		echo "$out"
		if [[ $attempt -lt 3 && "$out" == *"context deadline exceeded"* && "$out" != *"Failing input written"* ]]; then
			echo "== fuzz $name: the run ended on the coordinator's deadline, not on an input; again"
			continue
		fi
		failed+=("$dir $name")
		break
	done
done < <(git ls-files -co --exclude-standard '*_test.go' | xargs grep -Ho '^func Fuzz[A-Za-z0-9_]*(f \*testing\.F)' |
	sed -E 's/:func (Fuzz[A-Za-z0-9_]*)\(.*/ \1/' | sort)
if ((${#failed[@]})); then
	printf 'fuzz target failed: %s\n' "${failed[@]}" >&2
	exit 1
fi
