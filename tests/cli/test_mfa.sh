#!/bin/bash
# crmpasswd's second-factor commands against a store in a temporary
# directory: totp enroll (QR code, otpauth:// URI, one valid code to
# activate, recovery codes), totp reset and disable, email verify and
# confirm, what status shows, and a login with a code from oathtool.
# Users' own commands run as real non-root users through a setuid copy of
# crmpasswd inside a private mount namespace, where the test's conf and
# PAM stack are bound over /etc/security and /etc/pam.d. Run as root.
#   usage: tests/cli/test_mfa.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin mfa crmmfa
t_need_tools oathtool sqlite3 unshare setpriv python3 zbarimg
t_mail_sink
t_conf "$TMP/store/crmpolicy.db" '12345Aa!' 'ip_deny = 0' \
	'totp_issuer = Example CRM' "sendmail = $TMP/mail/sendmail"
t_pamd login
PW='Corr3ct!Horse' INIT='Init1al!Pw'
C="$BUILD/crmpasswd --conf $CONF"
sql() { sqlite3 "$TMP/store/crmpolicy.db" "$1"; }

# The last code mailed: the line of digits the code mail indents.
mailed_code() {
	grep -E '^    [0-9]{6,10}$' "$MAIL" | tail -n 1 | tr -d ' '
}

# ---- set-up: alice has a store password; bob will get e-mail codes ----
expect 0 "init" $C init
printf '%s\n' "$INIT" | $C user add alice --email alice@example.com \
	--password-stdin > /dev/null
printf '%s\n%s\n' "$PW" "$PW" | drive login alice chauthtok > /dev/null 2>&1
check "alice's first password change" 0 "$?"

# ---- an administrator enrols alice ----
enroll "$TMP/enroll" - 1 $C totp enroll --user alice --password-stdin
check "enrol alice after one wrong code" 0 "$RC" "$(cat "$TMP/enroll")"
ALICE=$SECRET
case "$URI" in
otpauth://totp/Example%20CRM:alice\?secret=*\&issuer=Example%20CRM\&digits=6\&period=30)
	ok "the otpauth URI names issuer, user, digits and period" ;;
*) check "the otpauth URI names issuer, user, digits and period" \
	"otpauth://totp/Example%20CRM:alice?..." "$URI" ;;
esac
[ "${#ALICE}" = 32 ] && ok "the secret is 20 bytes of base32" ||
	check "the secret is 20 bytes of base32" 32 "${#ALICE}"
python3 "$TOP/tests/data/qr-to-pbm.py" < "$TMP/enroll" > "$TMP/qr.pbm"
qr=$(zbarimg -q --raw "$TMP/qr.pbm" 2>/dev/null)
check "the QR code drawn in the terminal reads as the URI" "$URI" "$qr"
grep -q "not right" "$TMP/enroll" && ok "the wrong code is refused first" ||
	not_ok "the wrong code is refused first"
n=$(grep -cE '^    [2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{2}$' "$TMP/enroll")
check "ten recovery codes are printed" 10 "$n"
RECOVERY=$(grep -m 1 -E '^    [2-9a-z]{4}-' "$TMP/enroll" | tr -d ' ')
check "enrolment is audited as by an admin" 1 \
	"$(sql "select count(*) from audit where event = 'mfa.enroll' and
		subject = 'alice' and details like '%by=admin%' and actor = 'root'")"
check "the secret is not stored in the clear" 0 \
	"$(sql "select count(*) from totp where instr(upper(secret), '$ALICE') > 0")"
check "recovery codes are stored hashed" 0 \
	"$(sql "select count(*) from recovery_codes
		where instr(hash, '$RECOVERY') > 0")"

expect 0 "status shows the enrolment" $C status alice
grep_out "status: TOTP enrolled, ten recovery codes" \
	"TOTP: .*enrolled .*10 recovery codes left"
expect 0 "status --json" $C status alice --json
json_is "status --json totp_enrolled" "json_extract(j, '\$.totp_enrolled')" 1
json_is "status --json recovery_codes_left" \
	"json_extract(j, '\$.recovery_codes_left')" 10

enroll "$TMP/enroll2" - 0 $C totp enroll --user alice --password-stdin
check "enrolling twice is refused" 1 "$RC"
grep -q "already has TOTP" "$TMP/enroll2" && ok "refusal says TOTP is there" ||
	not_ok "refusal says TOTP is there"
grep -q '^otpauth://' "$TMP/enroll2" && not_ok "no secret shown in vain" ||
	ok "no secret shown in vain"

# ---- a login with the code, the code once only, a recovery code ----
expect 0 "policy asks alice for TOTP" $C user set alice --mfa totp
code=$(oathtool --totp -b "$ALICE" -N "now + 30 seconds")
out=$(printf '%s\n%s\n' "$PW" "$code" | drive --rhost 127.0.1.5 login alice auth 2>&1)
check "password and code from oathtool log in" 0 "$?" "$out"
has "the code is asked after the password" "[prompt] Verification code:" "$out"
out=$(printf '%s\n%s\n' "$PW" "$code" | drive --rhost 127.0.1.5 login alice auth 2>&1)
check "the same code does not log in twice" 7 "$?" "$out"
out=$(printf '%s\n%s\n' "$PW" "$RECOVERY" | drive --rhost 127.0.1.5 login alice auth 2>&1)
check "a recovery code logs in" 0 "$?" "$out"
has "the login says how many recovery codes are left" "9 left" "$out"
out=$(printf '%s\n%s\n' "$PW" "$RECOVERY" | drive --rhost 127.0.1.5 login alice auth 2>&1)
check "a recovery code works once" 7 "$?" "$out"
expect 0 "unlock alice after the refused codes" $C user unlock alice
expect 0 "logins list" $C logins alice
grep_out "logins show the factor" "password+totp"
grep_out "logins show a recovery code" "password+recovery"

# ---- three wrong enrolment codes: nothing is stored ----
printf '%s\n' "$INIT" | $C user add carol --password-stdin > /dev/null
enroll "$TMP/enroll3" - 3 $C totp enroll --user carol --password-stdin
check "three wrong codes end the enrolment" 3 "$RC" "$(cat "$TMP/enroll3")"
check "carol has no TOTP after it" 0 \
	"$(sql "select count(*) from totp t join accounts a on a.id = t.account_id
		where a.name = 'carol'")"

# ---- reset by an administrator ----
expect 0 "totp reset" $C totp reset alice
check "reset removes secret and recovery codes" 0 \
	"$(sql "select (select count(*) from totp) + (select count(*) from
		recovery_codes)")"
check "reset is audited" 1 \
	"$(sql "select count(*) from audit where event = 'mfa.reset' and subject = 'alice'")"
expect 1 "reset of a user without TOTP" $C totp reset alice
expect 1 "reset of an unknown user" $C totp reset ghost
expect 2 "totp needs a subcommand" $C totp
expect 2 "unknown totp subcommand" $C totp frob

# ---- e-mail address verification ----
expect 0 "email verify sends a code" $C email verify --user alice
grep_out "the output names the masked address" "a…@example.com"
grep_out "without a terminal the code waits for email confirm" "email confirm --user alice"
grep -q '^To: alice@example.com' "$MAIL" && ok "the code mail goes to alice" ||
	not_ok "the code mail goes to alice"
code=$(mailed_code)
check "the mailed code has otp_digits digits" 6 "${#code}"
printf '%s\n\n' "$(wrong_of "$code")" | $C email confirm --user alice \
	--password-stdin > "$TMP/out" 2> "$TMP/err"
check "a wrong code, then nothing: not verified" 1 "$?"
grep_err "the wrong code is reported with tries left" "2 tries left"
printf '%s\n' "$code" | $C email confirm --user alice --password-stdin \
	> "$TMP/out" 2> "$TMP/err"
check "the right code verifies the address" 0 "$?"
check "alice's address is verified" 1 \
	"$(sql "select email_verified from accounts where name = 'alice'")"
check "verification is audited" 1 \
	"$(sql "select count(*) from audit where event = 'email.verify' and subject = 'alice'")"
printf '%s\n' "$code" | $C email confirm --user alice --password-stdin \
	> "$TMP/out" 2> "$TMP/err"
check "the code works once" 1 "$?"
expect 0 "a new address" $C user set alice --email alice2@example.com
check "a changed address is not verified" 0 \
	"$(sql "select email_verified from accounts where name = 'alice'")"
expect 0 "an admin may mark it verified" $C user set alice --email \
	alice2@example.com --verified
check "marked verified" 1 \
	"$(sql "select email_verified from accounts where name = 'alice'")"
expect 2 "email verify of a user without address" $C email verify --user carol

# ---- a login with an e-mailed code ----
expect 0 "policy asks alice for an e-mailed code" $C user set alice --mfa email
rm -f "$TMP/answers"
mkfifo "$TMP/answers"
drive --rhost 127.0.2.5 login alice auth < "$TMP/answers" > "$TMP/login" 2>&1 &
pid=$!
exec 7> "$TMP/answers"
before=$(grep -c '^=====END=====$' "$MAIL")
printf '%s\n' "$PW" >&7
for i in $(seq 100); do
	grep -q 'A code was sent to' "$TMP/login" && break
	sleep 0.1
done
after=$(grep -c '^=====END=====$' "$MAIL")
check "the code mail is sent before the prompt" $((before + 1)) "$after"
mailed_code >&7
exec 7>&-
wait "$pid"
check "the e-mailed code logs in" 0 "$?" "$(cat "$TMP/login")"
grep -q 'A code was sent to a…@example.com. Code:' "$TMP/login" &&
	ok "the prompt shows the masked address" ||
	not_ok "the prompt shows the masked address"

# ---- users' own commands, as non-root users ----
# A setuid copy of crmpasswd, and a namespace where /etc/security holds
# this test's conf and /etc/pam.d a crmpasswd stack on pam_matrix.
mkdir -p "$TMP/bin" "$TMP/etc-security" "$TMP/etc-pamd"
cp "$BUILD/crmpasswd" "$TMP/bin/crmpasswd"
chmod 4755 "$TMP/bin/crmpasswd"
cp "$CONF" "$TMP/etc-security/crmpolicy.conf"
echo "daemon:Daem0n!Pass:crmpasswd" > "$TMP/passdb"
chmod 0644 "$TMP/passdb"
echo "auth required /usr/lib/x86_64-linux-gnu/pam_wrapper/pam_matrix.so passdb=$TMP/passdb" \
	> "$TMP/etc-pamd/crmpasswd"
as() { u=$1; shift; t_as "$u" "$TMP/bin/crmpasswd" "$@"; }
printf '%s\n' "$INIT" | $C user add nobody --password-stdin > /dev/null
expect 0 "a user runs status through the namespace" as nobody status
grep_out "it is the user's own status" "User: *nobody"

enroll "$TMP/own" "Wr0ng!Guess" 0 as nobody totp enroll --password-stdin
check "own enrolment with a wrong password is refused" 3 "$RC"
grep -q '^otpauth://' "$TMP/own" && not_ok "no secret after a wrong password" ||
	ok "no secret after a wrong password"
check "the wrong password counts toward lockout" 1 \
	"$(sql "select failures from accounts where name = 'nobody'")"
enroll "$TMP/own" "$INIT" 0 as nobody totp enroll --password-stdin
check "own enrolment after the current password" 0 "$RC" "$(cat "$TMP/own")"
NOBODY=$SECRET
check "own enrolment is audited as by self, by the user" 1 \
	"$(sql "select count(*) from audit where event = 'mfa.enroll' and
		subject = 'nobody' and actor = 'nobody' and details like '%by=self%'")"
expect 0 "own status" as nobody status
grep_out "own status shows the enrolment" "TOTP: .*enrolled"
enroll "$TMP/own2" - 0 as nobody totp enroll --user alice --password-stdin
check "a user may not enrol someone else" 3 "$RC"
expect 3 "a user may not reset TOTP" as nobody totp reset alice

code=$(oathtool --totp -b "$NOBODY" -N "now + 30 seconds")
printf '%s\n' "$(wrong_of "$code")" | as nobody totp disable \
	--password-stdin > "$TMP/out" 2> "$TMP/err"
check "disable with a wrong code is refused" 3 "$?"
check "the wrong code counts toward lockout" 1 \
	"$(sql "select failures from accounts where name = 'nobody'")"
printf '%s\n' "$code" | as nobody totp disable --password-stdin \
	> "$TMP/out" 2> "$TMP/err"
check "disable with the right code" 0 "$?"
check "disable removed the enrolment" 0 \
	"$(sql "select count(*) from totp t join accounts a on a.id = t.account_id
		where a.name = 'nobody'")"
check "disable is audited" 1 \
	"$(sql "select count(*) from audit where event = 'mfa.disable' and subject = 'nobody'")"
printf '%s\n' "$code" | as nobody totp disable --password-stdin \
	> "$TMP/out" 2> "$TMP/err"
check "disable without TOTP says so" 1 "$?"

# daemon's password is not the store's: PAM's crmpasswd service checks it.
expect 0 "daemon in the store without a password" $C user add daemon
enroll "$TMP/pam" "wrong" 0 as daemon totp enroll --password-stdin
check "a password PAM refuses ends the enrolment" 3 "$RC"
enroll "$TMP/pam" "Daem0n!Pass" 0 as daemon totp enroll --password-stdin
check "a password PAM accepts lets daemon enrol" 0 "$RC" "$(cat "$TMP/pam")"

expect 0 "nobody gets an address" $C user set nobody --email nobody@example.com
rm -f "$TMP/answers"
mkfifo "$TMP/answers"
as nobody email verify --password-stdin < "$TMP/answers" > "$TMP/out" 2>&1 &
pid=$!
exec 7> "$TMP/answers"
for i in $(seq 100); do
	grep -q '^To: nobody@example.com' "$MAIL" && break
	sleep 0.1
done
mailed_code >&7
exec 7>&-
wait "$pid"
check "a user verifies their own address" 0 "$?" "$(cat "$TMP/out")"
check "nobody's address is verified" 1 \
	"$(sql "select email_verified from accounts where name = 'nobody'")"
expect 3 "a user may not verify someone else's address" \
	as nobody email verify --user alice

t_end
