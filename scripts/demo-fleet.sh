#!/bin/bash
# The second act of the demo (`make demo-fleet`): two hosts, bastion-a and
# bastion-b, each with its own crmpolicy.conf and PAM service, share one
# store in a throwaway PostgreSQL 15 cluster (scripts/pg-cluster.sh, in a
# temporary directory, run as an unprivileged user). Wrong passwords typed
# on either host count together, so the third locks alice everywhere.
# The module is driven through libpam by build/tests/pamdrive with the
# service files of the temporary directory (pam_start_confdir); nothing
# in /etc is touched. Usage: demo-fleet.sh BUILD
set -u
BUILD=$(cd "${1:?usage: demo-fleet.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
DIR=$(mktemp -d /tmp/crmfleet.XXXXXX)
# The cluster's own user must reach its directory inside this one.
chmod 0711 "$DIR"
trap '"$TOP/scripts/pg-cluster.sh" stop "$DIR/pg" >/dev/null 2>&1; rm -rf "$DIR"' EXIT
FIRST='Welcome-2026' GOOD='Blue!Harbour7' WRONG='blue!harbour7'

for f in pam_crmpolicy.so crmpasswd tests/pamdrive; do
	[ -e "$BUILD/$f" ] || { echo "demo-fleet: $BUILD/$f is missing; run make first" >&2; exit 1; }
done
command -v /usr/lib/postgresql/15/bin/initdb >/dev/null ||
	{ echo "demo-fleet: needs postgresql-15 (make deps installs it)" >&2; exit 1; }

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'; else B='' D='' R=''; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }
say() { printf '%s\n' "$*"; }
show() { printf '%s$ %s%s\n' "$D" "$*" "$R"; }
# on HOST crmpasswd ARGS...: the command as an admin of HOST types it.
on() {
	local h=$1; shift
	show "[$h] crmpasswd $*"
	"$BUILD/crmpasswd" --conf "$DIR/$h.conf" "$@" 2>&1 | sed 's/^/  /'
	return "${PIPESTATUS[0]}"
}
# login HOST DESCRIPTION ANSWERS OPS...: alice through HOST's service.
login() {
	local h=$1 what=$2 answers=$3
	shift 3
	say "[$h] $what"
	printf '%s' "$answers" | "$BUILD/tests/pamdrive" --confdir "$DIR/pam.d" \
		--rhost 192.0.2.10 "$h" alice "$@" 2>&1 | sed 's/^/  /'
	return "${PIPESTATUS[1]}"
}
expect() { [ "$2" -eq "$1" ] || { echo "demo-fleet: unexpected result $2 (wanted $1)" >&2; exit 1; }; }

step "0. A PostgreSQL 15 cluster for the fleet (throwaway, in $DIR/pg)"
env=$("$TOP/scripts/pg-cluster.sh" start "$DIR/pg" auto) ||
	{ echo "demo-fleet: the cluster did not start" >&2; exit 1; }
eval "$env"
say "  db = $PGSOCK_URL"

mkdir "$DIR/pam.d"
printf '12345Aa!\nPassw0rd!\n' >"$DIR/badwords"
chmod 0644 "$DIR/badwords"
for h in bastion-a bastion-b; do
	cat >"$DIR/$h.conf" <<CONF
# $h: its own conf, the fleet's store and the fleet's key
db = $PGSOCK_URL
key_file = $DIR/crmpolicy.key
host_name = $h
badwords_file = $DIR/badwords
hash_opslimit = 1
hash_memlimit = 8192
notify_new_ip = no
backup_dir = $DIR/backups
backup_warn_days = 0
CONF
	chmod 0644 "$DIR/$h.conf"
	for phase in auth account password session; do
		echo "$phase required $BUILD/pam_crmpolicy.so conf=$DIR/$h.conf"
	done >"$DIR/pam.d/$h"
done
say "Two hosts, each with its own conf naming the same store:"
grep -H '^db\|^host_name' "$DIR"/bastion-*.conf | sed "s|$DIR/||; s/^/  /"

step "1. The administrator of bastion-a creates the fleet's store and key"
on bastion-a init; expect 0 $?
say "(every host of a fleet gets a copy of the key file)"

step "2. alice is added once, for every host"
show "[bastion-a] echo '$FIRST' | crmpasswd user add alice --password-stdin"
printf '%s\n' "$FIRST" | "$BUILD/crmpasswd" --conf "$DIR/bastion-a.conf" \
	user add alice --password-stdin 2>&1 | sed 's/^/  /'
expect 0 "${PIPESTATUS[1]}"
login bastion-b "She logs in on bastion-b and chooses '$GOOD':" \
	"$FIRST"$'\n'"$GOOD"$'\n'"$GOOD"$'\n' auth acct chauthtok
expect 0 $?

step "3. Wrong passwords on either host count together (deny = 3)"
login bastion-a "A guess on bastion-a:" "$WRONG"$'\n' auth
expect 7 $?
login bastion-b "One on bastion-b:" "$WRONG"$'\n' auth
expect 7 $?
login bastion-a "The third, on bastion-a again, locks her:" "$WRONG"$'\n' auth
expect 7 $?
login bastion-b "Now even her right password is refused on bastion-b:" \
	"$GOOD"$'\n' auth
expect 7 $?
on bastion-b status alice | grep -E 'State|Failures' ; true

step "4. One audit trail, each row naming its host"
show "[bastion-b] crmpasswd audit --user alice --json | (host, event)"
"$BUILD/crmpasswd" --conf "$DIR/bastion-b.conf" --json audit --user alice |
	python3 -c 'import json,sys
for r in json.load(sys.stdin): print("  %-10s %s" % (r.get("host") or "-", r["event"]))'
on bastion-a audit verify; expect 0 $?

step "5. An unlock on bastion-b lets her in on bastion-a"
on bastion-b user unlock alice; expect 0 $?
login bastion-a "She logs in on bastion-a:" "$GOOD"$'\n' auth acct open close
expect 0 $?

step "Done"
say "The cluster is stopped and $DIR removed."
