#!/bin/bash
# Runs every test of one build directory: cmocka unit tests, PAM integration
# tests (pam_wrapper/libpamtest), the shell tests of the command and of
# time-dependent behaviour, and the replay of the fuzz targets' inputs. Prints a closing "N passed, N failed" line and
# writes it to BUILD/test-summary; exits non-zero on any failure.
set -u
BUILD=$(cd "${1:?usage: run-tests.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
export CRM_BUILD="$BUILD"
case "$BUILD" in
*/asan)
	export CRM_SAN=1
	export ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:abort_on_error=0
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export PAM_WRAPPER_DISABLE_DEEPBIND=1
	;;
esac
pass=0 fail=0 failed_names=""
log=$(mktemp)
# A private PostgreSQL for the tests of the fleet backend: CRM_TEST_PG
# names it (a role that may create databases and schemas).
pgdir="$BUILD/pgtest"
trap 'rm -f "$log"; scripts/pg-cluster.sh stop "$pgdir" >/dev/null 2>&1 || true' EXIT
if pgenv=$(scripts/pg-cluster.sh start "$pgdir" auto 2>"$log"); then
	eval "$pgenv"
	export CRM_TEST_PG="$PGSUPER_URL" CRM_TEST_PG_TCP="$PGTCP_URL"
	# And PgBouncer before it, one kept session per database, for the
	# statements a pooled session keeps from one login to the next.
	if pgenv=$(scripts/pg-cluster.sh pool "$pgdir" 2>"$log"); then
		eval "$pgenv"
		export CRM_TEST_PG_POOL="$PGPOOL_URL"
	else
		echo "---- cannot start PgBouncer ----"; cat "$log"
		fail=$((fail + 1)); failed_names="$failed_names pg-pool"
	fi
else
	echo "---- cannot start the test PostgreSQL ----"; cat "$log"
	fail=$((fail + 1)); failed_names="$failed_names pg-cluster"
fi

# Adds the counts of one runner's output; a runner that exits non-zero
# without saying how many failed counts as one failure.
count() {
	local name=$1 rc=$2 p f
	p=$(grep -aoE '^\[  PASSED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	f=$(grep -aoE '^\[  FAILED  \] [0-9]+ test' "$log" | awk '{s+=$4} END {print s+0}')
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		p=$(grep -aoE '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || echo 0)
		f=$(grep -aoE '(^|: )[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || echo 0)
	fi
	[ -n "$p" ] || p=0
	[ -n "$f" ] || f=0
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	pass=$((pass + p))
	fail=$((fail + f))
	[ "$f" -eq 0 ] || failed_names="$failed_names $name"
	printf '%-40s %4d passed, %d failed\n' "$name" "$p" "$f"
}

run() {
	local name=$1; shift
	"$@" >"$log" 2>&1
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "---- output of $name (exit $rc) ----"
		tail -n 60 "$log"
		echo "----"
	fi
	count "$name" "$rc"
}

echo "== tests of $BUILD"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] && run "unit/$(basename "$t")" "$t"
done
# The same unit tests again with the store in PostgreSQL.
if [ -n "${CRM_TEST_PG:-}" ]; then
	while read -r t; do
		case "$t" in ''|'#'*) continue ;; esac
		run "unit-pg/$t" env CRM_TEST_BACKEND=postgresql "$BUILD/tests/$t"
	done < tests/pg/unit-tests
fi
for t in "$BUILD"/tests/pam_test_*; do
	[ -x "$t" ] && run "pam/$(basename "$t")" "$t"
done
if [ -n "${CRM_TEST_PG:-}" ]; then
	while read -r t only; do
		case "$t" in ''|'#'*) continue ;; esac
		# "plain": not again under the sanitizers, whose run of the
		# PostgreSQL driver is the unit suite's (test_db, unit-pg).
		[ "$only" = plain ] && [ -n "${CRM_SAN:-}" ] && continue
		run "pam-pg/$t" env CRM_TEST_BACKEND=postgresql "$BUILD/tests/$t"
	done < tests/pg/pam-tests
fi
for s in tests/cli/*.sh tests/pam/*.sh tests/pg/*.sh tests/fuzz/*.sh; do
	[ -f "$s" ] && run "$s" bash "$s" "$BUILD"
done
echo "$pass passed, $fail failed" | tee "$BUILD/test-summary"
[ "$fail" -eq 0 ] || { echo "failed:$failed_names"; exit 1; }
