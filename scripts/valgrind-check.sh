#!/bin/bash
# Runs 1,000 PAM transactions (auth with a password and an e-mailed code,
# account, session open/close, password changes, with wrong passwords,
# wrong TOTP codes and unknown users mixed in) through the real module in
# one process under valgrind, then 200 more in a process without root,
# where the module relays every phase to crmpolicy_helper, and fails on
# any definite or indirect leak or memory error.
# Usage: valgrind-check.sh BUILD   (CRM_VG_N=N runs N transactions in the
# first loop instead of 1,000: make valgrind-long runs 10,000)
set -u
BUILD=$(cd "${1:?usage: valgrind-check.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=${CRM_VG_N:-1000}
N_RELAY=200
DIR=$(mktemp -d /tmp/crmvg.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
CONF=$DIR/crmpolicy.conf
INIT='Init1al!Pw' PW='Corr3ct!Horse' WRONG='Wr0ng!Guess'

die() { echo "valgrind: $*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind is not installed"
for f in pam_crmpolicy.so crmpasswd tests/pamdrive; do
	[ -x "$BUILD/$f" ] || [ -f "$BUILD/$f" ] || die "$BUILD/$f is missing (run make tests)"
done

cat >"$CONF" <<EOF
db = $DIR/crmpolicy.db
key_file = $DIR/crmpolicy.key
badwords_file = $DIR/badwords
hash_opslimit = 1
hash_memlimit = 8192
ip_deny = 0
sendmail = $DIR/sendmail
EOF
cp "$TOP/tests/data/fake-sendmail" "$DIR/sendmail"
chmod 0755 "$DIR/sendmail"
printf '12345Aa!\n' >"$DIR/badwords"
chmod 0644 "$CONF" "$DIR/badwords"
mkdir "$DIR/pam.d"
for phase in auth account password session; do
	echo "$phase required $BUILD/pam_crmpolicy.so conf=$CONF"
done >"$DIR/pam.d/crmvalgrind"

crm() { "$BUILD/crmpasswd" --conf "$CONF" "$@"; }
crm init >/dev/null || die "crmpasswd init failed"
printf '%s\n' "$INIT" | crm user add vguser --password-stdin >/dev/null ||
	die "crmpasswd user add failed"
# Satisfy the first-login change through the module itself.
for u in vgtotp vgchange; do
	printf '%s\n' "$INIT" | crm user add "$u" --password-stdin >/dev/null ||
		die "crmpasswd user add failed"
done
for u in vguser vgtotp vgchange; do
	printf '%s\n%s\n' "$PW" "$PW" |
		"$BUILD/tests/pamdrive" --confdir "$DIR/pam.d" crmvalgrind "$u" chauthtok >/dev/null ||
		die "the first password change of $u failed"
done
# vguser logs in with e-mailed codes; vgtotp has TOTP and never locks.
crm user set vguser --email vguser@example.com --verified --mfa email >/dev/null ||
	die "crmpasswd user set failed"
mkfifo "$DIR/answers"
crm totp enroll --user vgtotp --password-stdin <"$DIR/answers" >"$DIR/enroll" 2>&1 &
pid=$!
exec 7>"$DIR/answers"
for _ in $(seq 100); do
	grep -q '^otpauth://' "$DIR/enroll" && break
	sleep 0.1
done
secret=$(sed -n 's/^otpauth:.*secret=\([A-Z2-7]*\).*/\1/p' "$DIR/enroll")
oathtool --totp -b "$secret" >&7
exec 7>&-
wait "$pid" || { cat "$DIR/enroll" >&2; die "the TOTP enrolment failed"; }
crm user set vgtotp --mfa totp >/dev/null && crm policy set --user vgtotp deny=0 >/dev/null ||
	die "the TOTP user's policy could not be set"
# vgchange's password goes back and forth between two: no history.
crm policy set --user vgchange history=0 >/dev/null ||
	die "the changing user's policy could not be set"

SUPP=()
[ -f "$TOP/tests/pam/valgrind.supp" ] && SUPP=(--suppressions="$TOP/tests/pam/valgrind.supp")
LOG=$DIR/valgrind.log
# pamdrive uses pam_start_confdir: no pam_wrapper (and no RTLD_DEEPBIND)
# in this process; the variable is set for runs that preload it anyway.
printf '%s\n%s\n' "$PW" "$WRONG" |
	PAM_WRAPPER_DISABLE_DEEPBIND=1 valgrind --quiet --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--error-exitcode=1 --log-file="$LOG" "${SUPP[@]}" \
	"$BUILD/tests/pamdrive" --confdir "$DIR/pam.d" --rhost 127.0.20.5 \
	--preload "$BUILD/pam_crmpolicy.so" --code-file "$DIR/sendmail.out" \
	--totp-user vgtotp --chpw-user vgchange --loop "$N" crmvalgrind vguser \
	>"$DIR/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	cat "$DIR/out" "$LOG" >&2
	die "failed (exit $rc)"
fi
grep -q "pamdrive: $N transactions" "$DIR/out" || { cat "$DIR/out" >&2; die "the loop did not finish"; }
if grep -qE 'definitely lost|indirectly lost|Invalid (read|write)|uninitialised' "$LOG"; then
	cat "$LOG" >&2
	die "errors reported"
fi
# What the store saw of the loop.
n=$(sqlite3 "$DIR/crmpolicy.db" "SELECT count(*) FROM audit WHERE event = 'login.success' AND subject = 'vguser' AND details LIKE '%factor=email%'" 2>/dev/null || echo "?")
m=$(sqlite3 "$DIR/crmpolicy.db" "SELECT count(*) FROM audit WHERE event = 'mfa.failure' AND subject = 'vgtotp'" 2>/dev/null || echo "?")
c=$(sqlite3 "$DIR/crmpolicy.db" "SELECT count(*) FROM audit WHERE event = 'password.change' AND subject = 'vgchange'" 2>/dev/null || echo "?")
echo "valgrind: $n logins with an e-mailed code, $m wrong TOTP codes and $c password changes recorded"
echo "valgrind: $N transactions, 0 leaks"

# The same loop as www-data: the module relays to a setuid copy of the
# helper, which reads the conf bound over /etc/security in a private
# mount namespace. valgrind watches the caller's process (the relay).
chmod 0755 "$DIR"
mkdir -p "$DIR/bin" "$DIR/etc-security"
cp "$BUILD/pam_crmpolicy.so" "$BUILD/tests/pamdrive" "$DIR/bin/"
cp "$BUILD/crmpolicy_helper" "$DIR/bin/" && chmod 4755 "$DIR/bin/crmpolicy_helper"
{ cat "$CONF"; echo "helper_services = crmrelay:www-data"; } \
	>"$DIR/etc-security/crmpolicy.conf"
for phase in auth account password session; do
	echo "$phase required $DIR/bin/pam_crmpolicy.so helper=$DIR/bin/crmpolicy_helper"
done >"$DIR/pam.d/crmrelay"
chmod -R a+rX "$DIR/bin" "$DIR/pam.d"
touch "$DIR/sendmail.out"
chmod 0644 "$DIR/sendmail.out"
mkdir -m 1777 "$DIR/relay"
LOG2=$DIR/relay/valgrind.log
printf '%s\n%s\n' "$PW" "$WRONG" |
	unshare -m sh -c 'mount --bind "$0/etc-security" /etc/security && exec "$@"' "$DIR" \
	setpriv --reuid=www-data --regid=www-data --clear-groups \
	valgrind --quiet --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--error-exitcode=1 --log-file="$LOG2" "${SUPP[@]}" \
	"$DIR/bin/pamdrive" --confdir "$DIR/pam.d" --rhost 127.0.21.5 \
	--preload "$DIR/bin/pam_crmpolicy.so" --code-file "$DIR/sendmail.out" \
	--totp-user vgtotp --loop "$N_RELAY" crmrelay vguser >"$DIR/out2" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	cat "$DIR/out2" "$LOG2" >&2
	die "the relay loop failed (exit $rc)"
fi
grep -q "pamdrive: $N_RELAY transactions" "$DIR/out2" ||
	{ cat "$DIR/out2" >&2; die "the relay loop did not finish"; }
if grep -qE 'definitely lost|indirectly lost|Invalid (read|write)|uninitialised' "$LOG2"; then
	cat "$LOG2" >&2
	die "errors reported in the relay"
fi
r=$(sqlite3 "$DIR/crmpolicy.db" "SELECT count(*) FROM audit WHERE event = 'login.success' AND actor = 'pam:crmrelay uid=33'" 2>/dev/null || echo "?")
echo "valgrind: $N_RELAY transactions through the helper ($r logins), 0 leaks"
