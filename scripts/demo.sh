#!/bin/bash
# The sandboxed walk-through of `make demo`: a store, key, conf and PAM
# service in a temporary directory (nothing in /etc is touched), and the
# real module driven through libpam under pam_wrapper (which reads the
# service file from the temporary directory) by build/tests/pamdrive with
# scripted answers. Usage: demo.sh BUILD
set -u
BUILD=$(cd "${1:?usage: demo.sh BUILD}" && pwd)
DIR=$(mktemp -d /tmp/crmdemo.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
CONF=$DIR/crmpolicy.conf
FIRST='Welcome-2026' GOOD='Blue!Harbour7' NEXT='Quiet#River42' LATER='Amber%Falcon9'

for f in pam_crmpolicy.so crmpasswd tests/pamdrive; do
	[ -e "$BUILD/$f" ] || { echo "demo: $BUILD/$f is missing; run make first" >&2; exit 1; }
done

if [ -t 1 ]; then B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'; else B='' D='' R=''; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$R"; }
say() { printf '%s\n' "$*"; }
# show CMD...: prints the command as an admin would type it, runs it.
show() { printf '%s$ %s%s\n' "$D" "$*" "$R"; }

CRM=("$BUILD/crmpasswd" --conf "$CONF")
PAM_WRAPPER_LIB=$(pkg-config --variable=libdir pam_wrapper 2>/dev/null)/libpam_wrapper.so
[ -e "$PAM_WRAPPER_LIB" ] || PAM_WRAPPER_LIB=libpam_wrapper.so
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
# drive [OFFSET] -- ARGS: pamdrive under pam_wrapper (and libfaketime at
# now + OFFSET), so the service file comes from $DIR/pam.d.
drive() {
	local preload=$PAM_WRAPPER_LIB fake=()
	if [ "$1" != "now" ]; then
		preload="$preload:$FAKETIME_LIB"
		fake=(FAKETIME="$1" FAKETIME_DONT_FAKE_MONOTONIC=1)
	fi
	shift
	env LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$DIR/pam.d" \
		"${fake[@]}" "$BUILD/tests/pamdrive" "$@"
}
crm() { show "crmpasswd $*"; "${CRM[@]}" "$@" 2>&1 | sed 's/^/  /'; return "${PIPESTATUS[0]}"; }
# login DESCRIPTION ANSWERS OFFSET OPS...: a PAM conversation for alice,
# answering the prompts with the lines of ANSWERS, at now + OFFSET.
login() {
	local what=$1 answers=$2 off=$3
	shift 3
	say "$what"
	printf '%s' "$answers" | drive "$off" --rhost 192.0.2.10 crmdemo alice "$@" \
		2>&1 | sed 's/^/  /'
	return "${PIPESTATUS[1]}"
}
# expect CODE STATUS: stops the demo if a step did not end as narrated.
expect() { [ "$2" -eq "$1" ] || { echo "demo: unexpected result $2 (wanted $1)" >&2; exit 1; }; }

cat >"$CONF" <<EOF
# the demo's policy: the defaults (minlen 8, four classes, history 3,
# 90 days, lock after 3 failures until an admin unlocks), cheap hashing
db = $DIR/crmpolicy.db
key_file = $DIR/crmpolicy.key
badwords_file = $DIR/badwords
hash_opslimit = 1
hash_memlimit = 8192
EOF
printf '12345Aa!\nPassw0rd!\nWelcome1!\n' >"$DIR/badwords"
chmod 0644 "$CONF" "$DIR/badwords"
mkdir "$DIR/pam.d"
for phase in auth account password session; do
	echo "$phase required $BUILD/pam_crmpolicy.so conf=$CONF"
done >"$DIR/pam.d/crmdemo"
# Any other service name is refused, as in a real /etc/pam.d/other.
for phase in auth account password session; do
	echo "$phase required pam_deny.so"
done >"$DIR/pam.d/other"

say "${B}crmpolicy demo${R}: everything lives in $DIR and is removed at the end."
say "The PAM service 'crmdemo' uses pam_crmpolicy.so in standalone mode:"
sed 's/^/  /' "$DIR/pam.d/crmdemo"

step "1. The administrator creates the store and its key"
crm init; expect 0 $?

step "2. The administrator adds alice with a first password"
say "(a first password must be changed at the first login)"
show "echo '$FIRST' | crmpasswd user add alice --email alice@example.com --password-stdin"
printf '%s\n' "$FIRST" | "${CRM[@]}" user add alice --email alice@example.com --password-stdin 2>&1 | sed 's/^/  /'
expect 0 "${PIPESTATUS[1]}"

step "3. alice logs in and must choose a new password"
login "She types '$FIRST', then tries '12345Aa!' (a known vendor default):" \
	"$FIRST"$'\n''12345Aa!'$'\n''12345Aa!'$'\n' now auth acct chauthtok
expect 20 $?
login "Then 'short':" "$FIRST"$'\n''short'$'\n''short'$'\n' now auth acct chauthtok
expect 20 $?
login "Then 'NoDigitsHere!':" \
	"$FIRST"$'\n''NoDigitsHere!'$'\n''NoDigitsHere!'$'\n' now auth acct chauthtok
expect 20 $?
login "Then 'alice-2026X' (her own name):" \
	"$FIRST"$'\n''alice-2026X'$'\n''alice-2026X'$'\n' now auth acct chauthtok
expect 20 $?
login "Then '$GOOD', which meets every rule:" \
	"$FIRST"$'\n'"$GOOD"$'\n'"$GOOD"$'\n' now auth acct chauthtok
expect 0 $?
login "Her next login goes straight through:" "$GOOD"$'\n' now auth acct open close
expect 0 $?

step "4. A recent password cannot be used again"
say "(the changes run as root, so no current password is asked for)"
login "alice changes to '$NEXT':" "$NEXT"$'\n'"$NEXT"$'\n' now chauthtok
expect 0 $?
login "Then she tries to go back to '$GOOD':" "$GOOD"$'\n'"$GOOD"$'\n' now chauthtok
expect 20 $?

step "5. Three wrong passwords lock the account"
for i in 1 2 3; do
	login "Wrong password #$i:" 'guess-'$i$'\n' now auth
	expect 7 $?
done
login "Now even the right password is refused, with no prompt at all:" "$NEXT"$'\n' now auth acct
expect 7 $?
crm status alice
crm user unlock alice; expect 0 $?
login "After the unlock alice is back, and told about the failures:" "$NEXT"$'\n' now auth acct open close
expect 0 $?

step "6. Ninety-one days later the password has expired"
say "(alice's inactivity limit is lifted first, so that only the password's age counts)"
crm policy set --user alice inactive_days=0; expect 0 $?
if [ -n "$FAKETIME_LIB" ]; then
	login "At now + 85 days alice is warned:" "$NEXT"$'\n' +85d auth acct
	expect 0 $?
	login "At now + 91 days she must change it before she gets in:" \
		"$NEXT"$'\n'"$LATER"$'\n'"$LATER"$'\n' +91d auth acct chauthtok
	expect 0 $?
else
	say "(faketime is not installed: the administrator expires the password instead)"
	crm user expire alice; expect 0 $?
	login "alice must change it before she gets in:" \
		"$NEXT"$'\n'"$LATER"$'\n'"$LATER"$'\n' now auth acct chauthtok
	expect 0 $?
fi

step "7. Everything above is in the audit trail"
if command -v sqlite3 >/dev/null; then
	sqlite3 -separator '  ' "$DIR/crmpolicy.db" \
		"SELECT datetime(time, 'unixepoch'), event, subject, details FROM audit ORDER BY id" |
		sed 's/^/  /'
fi

printf '\n%sDone.%s The sandbox %s is removed now.\n' "$B" "$R" "$DIR"
exit 0
