#!/bin/bash
# Replays every committed input of the fuzz targets once: each file of
# tests/fuzz/corpus/TARGET/ and tests/fuzz/regress/TARGET/ through the
# replay program BUILD/tests/fuzz/fuzz_TARGET (gcc, no libFuzzer). An
# input passes when its target returns: a crash, a broken property (an
# abort), a sanitizer's report or, in the ASan build, a leak fails it.
# One "ok"/"not ok" line an input, then "fuzz-regress: N passed, M failed".
#   usage: tests/fuzz/run-regress.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")" || exit 2

t_begin fuzz-regress crmfuzz
# The targets' private directories (tests/fuzz/fuzz.h), removed with TMP.
export TMPDIR=$TMP
for dir in corpus/*/ regress/*/; do
	target=$(basename "$dir")
	bin=$BUILD/tests/fuzz/fuzz_$target
	for f in "$dir"*; do
		[ -f "$f" ] || continue
		if [ ! -x "$bin" ]; then
			echo "# $bin is missing" > "$TMP/out"
			: > "$TMP/err"
			not_ok "$f"
			continue
		fi
		# In a subshell of its own, whose stderr takes the shell's
		# word on a signal ("Aborted") too.
		("$bin" "$f"; exit $?) > "$TMP/out" 2> "$TMP/err" < /dev/null
		rc=$?
		if [ "$rc" -eq 0 ]; then
			ok "$f"
		else
			echo "# exit $rc"
			not_ok "$f"
		fi
	done
done
t_end
