#!/bin/bash
# A user changes their own password with crmpasswd, through the shipped
# etc/pam.d/crmpasswd, whichever side owns it: a password in the store
# (an account added with "crmpasswd user add") or one in /etc/shadow
# (pam_unix). Real throwaway users run a setuid copy of crmpasswd in a
# private mount namespace whose /etc/security and /etc/pam.d hold this
# test's conf and the shipped stack pointed at the built module. Run as
# root.
#   usage: tests/cli/test_own_change.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin own-change crmown
t_need_tools sqlite3 unshare setpriv useradd userdel chpasswd
S=crmo$$s H=crmo$$h
trap 'userdel "$S" 2>/dev/null; userdel "$H" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
useradd -M -s /usr/sbin/nologin "$S" && useradd -M -s /usr/sbin/nologin "$H" ||
	{ echo "cannot add test users"; exit 1; }
INIT='Init1al!Pw' PW='Corr3ct!Horse' PW2='An0ther#Pass' WRONG='Wr0ng!Guess'
echo "$H:$INIT" | chpasswd

mkdir -p "$TMP/bin" "$TMP/etc-security" "$TMP/etc-pamd"
t_conf "$TMP/store/crmpolicy.db" '' 'ip_deny = 0'
cp "$CONF" "$TMP/etc-security/crmpolicy.conf"
sed "s|pam_crmpolicy.so|$BUILD/pam_crmpolicy.so|" "$TOP/etc/pam.d/crmpasswd" \
	> "$TMP/etc-pamd/crmpasswd"
cp "$BUILD/crmpasswd" "$TMP/bin/crmpasswd"
chmod 4755 "$TMP/bin/crmpasswd"
C="$BUILD/crmpasswd --conf $CONF"
sql() { sqlite3 "$TMP/store/crmpolicy.db" "$1"; }
# own NAME WANT USER CURRENT NEW: the user's own change, answers on stdin.
own() {
	printf '%s\n%s\n%s\n' "$4" "$5" "$5" |
		t_as "$3" "$TMP/bin/crmpasswd" --password-stdin > "$TMP/out" 2> "$TMP/err"
	check "$1" "$2" "$?"
}
failures() { sql "select failures from accounts where name = '$1'"; }
shadow() { getent shadow "$1" | cut -d: -f2; }

$C init > /dev/null 2>&1
printf '%s\n' "$INIT" | $C user add "$S" --password-stdin > /dev/null 2>&1

# ---- a password the store owns ----
own "store account: the right current password changes it" 0 "$S" "$INIT" "$PW"
check "the change is audited as the user's own" 1 \
	"$(sql "select count(*) from audit where event = 'password.change' and
		subject = '$S' and details = 'by=self'")"
check "the forced first change is cleared" 0 \
	"$(sql "select must_change from accounts where name = '$S'")"
own "store account: a wrong current password is refused" 3 "$S" "$WRONG" "$PW2"
check "and counted toward lockout" 1 "$(failures "$S")"
own "store account: a weak new password is refused" 4 "$S" "$PW" "weakpass"
grep_err "with its reason" "must contain a digit"
own "store account: the next right change clears the count" 0 "$S" "$PW" "$PW2"
check "no failures left" 0 "$(failures "$S")"
for i in 1 2 3; do
	own "store account: wrong current password $i" 3 "$S" "$WRONG" "$PW"
done
own "store account: locked after deny, the right password is refused" 3 \
	"$S" "$PW2" "$PW"
$C user unlock "$S" > /dev/null 2>&1

# ---- a password in /etc/shadow ----
before=$(shadow "$H")
own "shadow account: the right current password changes it" 0 "$H" "$INIT" "$PW"
after=$(shadow "$H")
[ -n "$after" ] && [ "$after" != "$before" ] && ok "pam_unix stored the new hash" ||
	not_ok "pam_unix stored the new hash"
check "the store recorded the change" 1 \
	"$(sql "select count(*) from audit where event = 'password.change' and
		subject = '$H'")"
own "shadow account: a wrong current password is refused" 3 "$H" "$WRONG" "$PW2"
check "and counted toward lockout" 1 "$(failures "$H")"
check "the shadow hash is untouched" "$after" "$(shadow "$H")"
own "shadow account: a weak new password is refused" 4 "$H" "$PW" "weakpass"
grep_err "with its reason" "must contain a digit"
check "the shadow hash is still untouched" "$after" "$(shadow "$H")"
own "shadow account: the right current password clears the count" 0 "$H" \
	"$PW" "$PW2"
check "no failures left" 0 "$(failures "$H")"
for i in 1 2 3; do
	own "shadow account: wrong current password $i" 3 "$H" "$WRONG" "$PW"
done
own "shadow account: locked after deny, refused before pam_unix asks" 3 \
	"$H" "$PW2" "$PW"
hasnt "the current password is not even asked" "Current password" \
	"$(cat "$TMP/out" "$TMP/err")"

t_end
