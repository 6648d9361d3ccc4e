#!/bin/bash
# make bench: the cost of one PAM transaction (auth + account + session)
# with the default argon2id cost and with the cheapest one, and the cost of
# refusing a known and an unknown user (they must be equal), in a sandbox.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench.sh BUILD}" && pwd)
N=${BENCH_N:-50}
DRIVER="$BUILD/bench/pam_transaction"
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
	"$BUILD/crmpasswd" --conf "$dir/crmpolicy.conf" init >/dev/null
	printf 'Bench#Pass42\n' | "$BUILD/crmpasswd" --conf "$dir/crmpolicy.conf" \
		user add bencher --password-stdin >/dev/null
	sqlite3 "$dir/crmpolicy.db" "UPDATE accounts SET must_change = 0"
}

measure() {
	local label=$1 user=$2 pw=$3; shift 3
	printf '%-44s ' "$label:"
	printf '%s\n' "$pw" | "$DRIVER" "$dir/pam" bench "$user" "$N" "$@"
}

setup ""
measure "transaction, default argon2id cost" bencher 'Bench#Pass42'
measure "auth refused, known user, default cost" bencher 'Wrong#Pass42' auth
measure "auth refused, unknown user, default cost" nosuchuser 'Wrong#Pass42' auth
setup $'hash_opslimit = 1\nhash_memlimit = 8192\n'
measure "transaction, cheapest argon2id cost" bencher 'Bench#Pass42'

# Source-IP rules: one evaluation of 1,000 rules (no PAM, the core alone).
"$BUILD/bench/rules"
TOP=$(cd "$(dirname "$0")/.." && pwd)
"$BUILD/bench/geo" "$TOP/tests/data/geo-city-test.mmdb" "$TOP/tests/data/geo-asn-test.mmdb" 127.0.1.5
"$BUILD/bench/geo" "$TOP/tests/data/geo-city-test.mmdb" "$TOP/tests/data/geo-asn-test.mmdb" 127.0.0.5
# The second factor in the core: a TOTP code, a replayed one, a recovery code.
"$BUILD/bench/mfa"
