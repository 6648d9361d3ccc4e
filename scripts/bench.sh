#!/bin/bash
# make bench: the cost of one PAM transaction (auth + account + session)
# with the default argon2id cost and with the cheapest one, in a sandbox.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench.sh BUILD}" && pwd)
N=${BENCH_N:-50}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 700 "$dir"
run() {
	local label=$1 cost=$2
	rm -f "$dir"/crmpolicy.db*
	printf 'db = %s/crmpolicy.db\nkey_file = %s/crmpolicy.key\nbadwords_file = %s/none\n%s' \
		"$dir" "$dir" "$dir" "$cost" > "$dir/crmpolicy.conf"
	mkdir -p "$dir/pam"
	for t in auth account password session; do
		echo "$t required $BUILD/pam_crmpolicy.so conf=$dir/crmpolicy.conf"
	done > "$dir/pam/bench"
	"$BUILD/crmpasswd" --conf "$dir/crmpolicy.conf" init >/dev/null
	printf 'Bench#Pass42\n' | "$BUILD/crmpasswd" --conf "$dir/crmpolicy.conf" \
		user add bencher --password-stdin >/dev/null
	sqlite3 "$dir/crmpolicy.db" "UPDATE accounts SET must_change = 0"
	printf '%-42s ' "$label:"
	printf 'Bench#Pass42\n' | "$BUILD/bench/pam_transaction" "$dir/pam" bench bencher "$N"
}
run "default argon2id cost (INTERACTIVE)" ""
run "cheapest argon2id cost (opslimit 1, 8 KiB)" $'hash_opslimit = 1\nhash_memlimit = 8192\n'
