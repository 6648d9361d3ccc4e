#!/bin/bash
# Runs every libFuzzer target of a FUZZ=1 build (make fuzz builds them)
# for FUZZ_SECONDS each (default 60), one after the other. Each starts
# from a working corpus in BUILD/corpus/TARGET, which keeps what earlier
# runs found and takes in the seeds of tests/fuzz/corpus/TARGET, so that
# the committed corpus stays small. Prints, and writes to
# BUILD/report.txt, one line a target: executions per second and edge
# coverage (libFuzzer's final stats). A crash, a broken property, a
# sanitizer's report, a leak, a timeout or running out of memory copies
# the input to tests/fuzz/regress/TARGET/ (replayed by make check) and
# makes the script fail once every target has run.
#   usage: scripts/fuzz.sh BUILD_DIR [TARGET...]
set -u
BUILD=$(cd "${1:?usage: fuzz.sh BUILD_DIR [TARGET...]}" && pwd)
shift
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 2
SECONDS_EACH=${FUZZ_SECONDS:-60}
case "$SECONDS_EACH" in
''|*[!0-9]*|0) echo "fuzz.sh: FUZZ_SECONDS must be a whole number above 0" >&2; exit 2 ;;
esac
targets="$*"
if [ -z "$targets" ]; then
	for src in tests/fuzz/fuzz_*.c; do
		t=${src#tests/fuzz/fuzz_}
		targets="$targets ${t%.c}"
	done
fi

# Leaks are findings; an undefined behaviour stops the run (the build
# has -fno-sanitize-recover) with the stack that led to it.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The targets' private directories (fuzz_tmpdir in tests/fuzz/fuzz.h) go
# under one of the run's own, in memory where /dev/shm is, emptied after
# each target with whatever a crashed one left there.
SCRATCH=$(mktemp -d /dev/shm/crmfuzz.XXXXXX 2>/dev/null || mktemp -d) || exit 2
trap 'rm -rf "$SCRATCH"' EXIT
export TMPDIR=$SCRATCH
REPORT=$BUILD/report.txt
failed=""
{
	echo "# make fuzz, $(date -u +%Y-%m-%dT%H:%M:%SZ), $SECONDS_EACH s a target"
	printf '%-10s %12s %8s  %s\n' target exec/s cov result
} > "$REPORT"
cat "$REPORT"

for t in $targets; do
	bin=$BUILD/tests/fuzz/fuzz_$t
	work=$BUILD/corpus/$t
	found=$BUILD/artifacts/$t
	log=$BUILD/logs/$t.log
	if [ ! -x "$bin" ]; then
		echo "fuzz.sh: $bin is missing (make fuzz builds it)" >&2
		failed="$failed $t"
		continue
	fi
	mkdir -p "$work" "$found" "$(dirname "$log")"
	rm -f "$found"/*
	cp -p tests/fuzz/corpus/"$t"/* "$work"/ 2>/dev/null
	"$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-timeout=10 -artifact_prefix="$found/" "$work" > "$log" 2>&1
	rc=$?
	rm -rf "${SCRATCH:?}"/*

	execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | cut -d' ' -f2)
	result=ok
	kept=""
	for a in "$found"/*; do
		[ -f "$a" ] || continue
		name=$(basename "$a")
		cp -p "$a" "tests/fuzz/regress/$t/$name"
		kept="$kept tests/fuzz/regress/$t/$name"
	done
	if [ -n "$kept" ] || [ "$rc" -ne 0 ]; then
		result="FAILED (exit $rc):${kept:- no input kept, see $log}"
		failed="$failed $t"
		echo "---- $log ----"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z]+:|.*runtime error:)' "$log" | head -n 20
		echo "----"
	fi
	printf '%-10s %12s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$result" |
		tee -a "$REPORT"
done

if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed (inputs in tests/fuzz/regress/, logs in $BUILD/logs)" |
		tee -a "$REPORT"
	exit 1
fi
echo "fuzz: every target ran $SECONDS_EACH s without a finding" | tee -a "$REPORT"
