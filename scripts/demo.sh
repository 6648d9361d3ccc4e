#!/bin/bash
# The sandboxed walk-through of `make demo`: a store, key, conf and PAM
# service in a temporary directory (nothing in /etc is touched), and the
# real module driven through libpam under pam_wrapper (which reads the
# service file from the temporary directory) by build/tests/pamdrive with
# scripted answers. Usage: demo.sh BUILD
set -u
BUILD=$(cd "${1:?usage: demo.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
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
# The catalogs as make built them (an installed package reads
# /usr/share/locale); the demo itself runs in the C locale, as sshd does.
export CRMPOLICY_LOCALEDIR=$BUILD/locale
export LC_ALL=C.UTF-8
unset LANGUAGE
# login_from RHOST DESCRIPTION ANSWERS OFFSET OPS...: a PAM conversation
# for alice from RHOST, answering the prompts with the lines of ANSWERS,
# at now + OFFSET.
login_from() {
	local rhost=$1 what=$2 answers=$3 off=$4
	shift 4
	say "$what"
	printf '%s' "$answers" | drive "$off" --rhost "$rhost" crmdemo alice "$@" \
		2>&1 | sed 's/^/  /'
	return "${PIPESTATUS[1]}"
}
# login DESCRIPTION ANSWERS OFFSET OPS...: the same from 192.0.2.10.
login() { login_from 192.0.2.10 "$@"; }
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
# geolocation from the test databases (127.0.1.x Prague, 127.0.2.x Tokyo),
# and mail captured by a test sendmail in the sandbox
geoip_city_db = $TOP/tests/data/geo-city-test.mmdb
geoip_asn_db = $TOP/tests/data/geo-asn-test.mmdb
sendmail = $DIR/sendmail
# backups stay in the sandbox; no timer runs them here, so no warning
backup_dir = $DIR/backups
backup_warn_days = 0
EOF
# The test sendmail appends each message to $DIR/sendmail.out.
cp "$TOP/tests/data/fake-sendmail" "$DIR/sendmail"
chmod 0755 "$DIR/sendmail"
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
login "Now even the right password is refused, and the module says why:" "$NEXT"$'\n' now auth acct
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
crm audit; expect 0 $?

step "8. Source-IP rules, login history with places, new-address alerts"
say "(the call centre may not log in from the Japanese test network 127.0.2.0/24)"
crm user set alice --email alice@example.com --verified; expect 0 $?
crm group add callcentre; expect 0 $?
crm group member add callcentre alice; expect 0 $?
crm rule add callcentre-japan --network 127.0.2.0/24 --action deny --scope group:callcentre
expect 0 $?
crm rule list; expect 0 $?
crm rule test alice 127.0.2.5; expect 0 $?
login_from 127.0.2.5 "alice from 127.0.2.5 (Tokyo) is refused before any password prompt:" \
	"$LATER"$'\n' now auth acct
expect 7 $?
login_from 127.0.1.5 "From 127.0.1.5 (Prague) she gets in (told of her last login, the one at now + 91 days above when faketime ran it):" "$LATER"$'\n' now auth acct open close
expect 0 $?
crm logins alice; expect 0 $?
say "Prague is a new address for alice, so an alert goes to her verified address."
say "The mail as the test sendmail received it:"
for _ in $(seq 50); do
	grep -q '^=====END=====$' "$DIR/sendmail.out" 2>/dev/null && break
	sleep 0.1
done
if [ -f "$DIR/sendmail.out" ]; then
	grep -v '^=====END=====$' "$DIR/sendmail.out" | sed 's/^/  | /'
else
	say "  (no mail arrived within 5 seconds)"
fi

step "9. A second factor: TOTP"
say "(alice's policy now asks for a TOTP code after her password)"
crm user set alice --mfa totp; expect 0 $?
if command -v oathtool >/dev/null; then
	say "The administrator enrols alice. Her phone scans the QR code (or takes the"
	say "otpauth:// address); the enrolment is active once a code from it is typed,"
	say "here computed by oathtool from the secret the address holds:"
	show "crmpasswd totp enroll --user alice"
	mkfifo "$DIR/answers"
	"${CRM[@]}" totp enroll --user alice --password-stdin <"$DIR/answers" >"$DIR/enroll" 2>&1 &
	pid=$!
	exec 7>"$DIR/answers"
	uri=""
	for _ in $(seq 100); do
		uri=$(grep -m 1 '^otpauth://' "$DIR/enroll")
		[ -n "$uri" ] && break
		sleep 0.1
	done
	secret=${uri#*secret=}
	secret=${secret%%&*}
	oathtool --totp -b "$secret" >&7
	exec 7>&-
	wait "$pid"; rc=$?
	sed 's/^/  /' "$DIR/enroll"
	expect 0 "$rc"
	recovery=$(grep -m 1 -E '^    [2-9a-z]{4}-' "$DIR/enroll" | tr -d ' ')
	say "The code used to enrol is spent, so her login takes the next 30-second step's code:"
	show "oathtool --totp -b $secret -N 'now + 30 seconds'"
	code=$(oathtool --totp -b "$secret" -N 'now + 30 seconds')
	say "  $code"
	login_from 127.0.1.5 "alice logs in with her password, then that code:" \
		"$LATER"$'\n'"$code"$'\n' now auth acct open close
	expect 0 $?
	login_from 127.0.1.5 "The same code a second time is refused (each code works once):" \
		"$LATER"$'\n'"$code"$'\n' now auth
	expect 7 $?
	login_from 127.0.1.5 "Without her phone she can use a recovery code, once:" \
		"$LATER"$'\n'"$recovery"$'\n' now auth acct
	expect 0 $?
	crm status alice; expect 0 $?
	crm logins alice; expect 0 $?
else
	say "(oathtool is not installed: no codes can be computed here)"
fi

step "10. A tampered audit row is found; a verified backup puts the store back"
crm backup; expect 0 $?
backup=$(ls "$DIR"/backups/crmpolicy-*.db | head -n 1)
crm backup verify "$backup"; expect 0 $?
crm audit verify; expect 0 $?
row=$(sqlite3 "$DIR/crmpolicy.db" "SELECT min(id) FROM audit WHERE event = 'lock'")
say "Someone with the sqlite3 shell tries to hide alice's lock (row $row) from the trail."
say "The table refuses changes:"
show "sqlite3 crmpolicy.db \"UPDATE audit SET event = 'login.success' WHERE id = $row\""
sqlite3 "$DIR/crmpolicy.db" "UPDATE audit SET event = 'login.success' WHERE id = $row" 2>&1 | sed 's/^/  /'
say "They drop the trigger first and try again; the chain of keyed hashes gives it away:"
show "sqlite3 crmpolicy.db \"DROP TRIGGER audit_no_update; UPDATE audit SET event = 'login.success' WHERE id = $row\""
sqlite3 "$DIR/crmpolicy.db" "DROP TRIGGER audit_no_update; UPDATE audit SET event = 'login.success' WHERE id = $row" 2>&1 | sed 's/^/  /'
crm audit verify; expect 1 $?
say "The administrator restores the last backup (it is verified first, and the"
say "tampered store is kept aside as a pre-restore copy):"
crm restore "$backup"; expect 0 $?
crm audit verify; expect 0 $?
crm audit --event restore; expect 0 $?

step "11. Each user in their own language"
say "(the application runs in the C locale, as sshd does; the module speaks the"
say "user's language with a locale of its own for the call, and crmpasswd the caller's)"
show "echo '$FIRST' | crmpasswd user add jana --password-stdin"
printf '%s\n' "$FIRST" | "${CRM[@]}" user add jana --password-stdin 2>&1 | sed 's/^/  /'
expect 0 "${PIPESTATUS[1]}"
crm user set jana --lang cs; expect 0 $?
say "Jana, a receptionist in Brno, must change her first password; she tries"
say "'heslo' first, then '$GOOD':"
printf '%s\n%s\n%s\n' "$FIRST" heslo heslo |
	drive now --rhost 127.0.1.20 crmdemo jana auth acct chauthtok 2>&1 | sed 's/^/  /'
printf '%s\n%s\n%s\n' "$FIRST" "$GOOD" "$GOOD" |
	drive now --rhost 127.0.1.20 crmdemo jana auth acct chauthtok 2>&1 | sed 's/^/  /'
expect 0 "${PIPESTATUS[1]}"
show "echo '$FIRST' | crmpasswd user add kenji --password-stdin"
printf '%s\n' "$FIRST" | "${CRM[@]}" user add kenji --password-stdin 2>&1 | sed 's/^/  /'
expect 0 "${PIPESTATUS[1]}"
crm user set kenji --lang ja; expect 0 $?
say "Kenji, an agent in Osaka, mistypes his password three times, then types it right:"
for i in 1 2 3; do
	printf 'guess-%s\n' "$i" | drive now --rhost 127.0.2.20 crmdemo kenji auth > /dev/null 2>&1
done
printf '%s\n' "$FIRST" | drive now --rhost 127.0.2.20 crmdemo kenji auth 2>&1 | sed 's/^/  /'
expect 7 "${PIPESTATUS[1]}"
say "The administrator looks, in Czech:"
show "LANG=cs_CZ.UTF-8 crmpasswd status kenji"
LC_ALL=cs_CZ.UTF-8 "${CRM[@]}" status kenji 2>&1 | sed 's/^/  /'

printf '\n%sDone.%s The sandbox %s is removed now.\n' "$B" "$R" "$DIR"
exit 0
