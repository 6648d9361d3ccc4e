#!/bin/bash
# make bench: the cost of one PAM transaction (auth + account + session)
# with the default argon2id cost and with the cheapest one, and the cost of
# refusing a known and an unknown user (they must be equal), in a sandbox;
# then the core alone: source-IP rules, geolocation, the second factor.
# The tables for bench/RESULTS.md go to OUT (BENCH_OUT).
set -euo pipefail
BUILD=$(cd "${1:?usage: bench.sh BUILD}" && pwd)
N=${BENCH_N:-50}
OUT=${BENCH_OUT:-$BUILD/bench/results}
mkdir -p "$OUT"
DRIVER="$BUILD/bench/pamtx"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 700 "$dir"

# setup EXTRA_CONF: a fresh store with one user whose password is set.
setup() {
	rm -f "$dir"/crmpolicy.db*
	printf 'db = %s/crmpolicy.db\nkey_file = %s/crmpolicy.key\nbadwords_file = %s/none\ndeny = 0\nip_deny = 0\nbackup_warn_days = 0\n%s' \
		"$dir" "$dir" "$dir" "$1" > "$dir/crmpolicy.conf"
	mkdir -p "$dir/pam"
	for t in auth account password session; do
		echo "$t required $BUILD/pam_crmpolicy.so conf=$dir/crmpolicy.conf"
	done > "$dir/pam/bench"
	# libpam reads "other" when it starts a handle; without one it logs.
	for t in auth account password session; do
		echo "$t required pam_deny.so"
	done > "$dir/pam/other"
	"$BUILD/crmpasswd" --conf "$dir/crmpolicy.conf" init >/dev/null
	printf 'Bench#Pass42\n' | "$BUILD/crmpasswd" --conf "$dir/crmpolicy.conf" \
		user add bencher --password-stdin >/dev/null
	sqlite3 "$dir/crmpolicy.db" "UPDATE accounts SET must_change = 0"
}

# measure LABEL USER PASSWORD [--auth]: N transactions in one process;
# a row of OUT/loop.md.
measure() {
	local label=$1 user=$2 pw=$3 r; shift 3
	r=$(printf '%s\n' "$pw" | "$DRIVER" --confdir "$dir/pam" --user "$user" \
		--procs 0 --tx "$N" "$@" bench)
	set -- $r
	[ "$7" = 0 ] || { echo "bench: $label: $7 transactions failed" >&2; exit 1; }
	printf '%-44s %d transactions: median %s ms, p99 %s ms\n' "$label:" "$6" "$4" "$5"
	echo "| $label | $4 ms | $5 ms |" >> "$OUT/loop.md"
}
# table FILE: the core benchmarks' lines ("what: figure (how)") shown and
# made the rows of a table.
table() {
	{ echo '| what | figure |'; echo '|---|---|'; } > "$1"
	while IFS= read -r line; do
		echo "$line"
		printf '| %s | %s |\n' "${line%%:*}" "$(echo "${line##*: }" | sed 's/^ *//')" >> "$1"
	done
}

{ echo "| what ($N in a row) | median | p99 |"; echo '|---|---|---|'; } > "$OUT/loop.md"
setup ""
measure "transaction, default argon2id cost" bencher 'Bench#Pass42'
measure "auth refused, known user, default cost" bencher 'Wrong#Pass42' --auth
measure "auth refused, unknown user, default cost" nosuchuser 'Wrong#Pass42' --auth
setup $'hash_opslimit = 1\nhash_memlimit = 8192\n'
measure "transaction, cheapest argon2id cost" bencher 'Bench#Pass42'

# Source-IP rules: one evaluation of 1,000 rules (no PAM, the core alone).
TOP=$(cd "$(dirname "$0")/.." && pwd)
{
	"$BUILD/bench/rules"
	"$BUILD/bench/geo" "$TOP/tests/data/geo-city-test.mmdb" "$TOP/tests/data/geo-asn-test.mmdb" 127.0.1.5
	"$BUILD/bench/geo" "$TOP/tests/data/geo-city-test.mmdb" "$TOP/tests/data/geo-asn-test.mmdb" 127.0.0.5
} | table "$OUT/core.md"
# The second factor in the core: a TOTP code, a replayed one, a recovery code.
"$BUILD/bench/mfa" | table "$OUT/mfa.md"
