#!/bin/bash
# crmpolicy_helper: the module in a process without root (www-data, as
# Apache's mod_authnz_pam runs it) reaches the store only through the
# setuid helper, for the services helper_services binds to its user.
# Callers run as real unprivileged users in a private mount namespace
# where /etc/security holds this test's crmpolicy.conf (the helper reads
# no other); the built module, helper and driver are copied, the helper
# setuid root. Run as root.
#   usage: tests/pam/test_helper.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin helper crmhelper
t_need_tools sqlite3 unshare setpriv oathtool /usr/bin/python3
PW='Corr3ct!Horse' INIT='Init1al!Pw' WRONG='Wr0ng!Guess'
t_mail_sink
t_conf "$TMP/store/crmpolicy.db" '' \
	'helper_services = crm-web:www-data, crm-stacked:www-data' \
	'ip_deny = 4' "sendmail = $TMP/mail/sendmail" 'notify_new_ip = no' \
	"geoip_city_db = $TOP/tests/data/geo-city-test.mmdb" \
	"geoip_asn_db = $TOP/tests/data/geo-asn-test.mmdb"
C="$BUILD/crmpasswd --conf $CONF"
sql() { sqlite3 "$TMP/store/crmpolicy.db" "$1"; }
$C init > /dev/null 2>&1 || { echo "init failed"; exit 1; }

# The pieces the callers run, where any user can reach them.
mkdir -p "$TMP/bin" "$TMP/etc-security" "$TMP/pam.d"
cp "$BUILD/pam_crmpolicy.so" "$BUILD/tests/pamdrive" "$TMP/bin/"
cp "$BUILD/crmpolicy_helper" "$TMP/bin/crmpolicy_helper"
chmod 4755 "$TMP/bin/crmpolicy_helper"
HELPER=$TMP/bin/crmpolicy_helper
MOD="$TMP/bin/pam_crmpolicy.so helper=$HELPER"
for svc in crm-web crm-other; do
	for phase in auth account password; do
		echo "$phase required $MOD"
	done > "$TMP/pam.d/$svc"
done
# Stacked behind the helper, with a module that accepts any password in
# pam_unix's place (pam_set_items puts $PAM_AUTHTOK where pam_unix would
# leave the password): the helper must not take its word for it.
cat > "$TMP/pam.d/crm-stacked" <<EOF
auth requisite $MOD preauth
auth optional /usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so
auth [success=1 default=ignore] pam_permit.so
auth [default=die] $MOD authfail
auth required $MOD authsucc
EOF
# A caller that names its own policy in its own service file.
echo "auth required $MOD deny=1000" > "$TMP/pam.d/crm-web-deny"
echo "auth required $MOD conf=$CONF" > "$TMP/pam.d/crm-web-conf"
cp "$CONF" "$TMP/etc-security/crmpolicy.conf"

# drive_as USER [--rhost A] SERVICE USER OP...: pamdrive under pam_wrapper,
# whose libpam prints what the module logs on stderr; answers on stdin.
drive_as() {
	local u=$1
	shift
	t_as "$u" env PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$TMP/pam.d" \
		LD_PRELOAD=libpam_wrapper.so UID_WRAPPER_DISABLE_DEEPBIND=1 \
		"$TMP/bin/pamdrive" "$@"
}
# try NAME WANT USER ANSWERS DRIVE-ARGS...: one run, output in out/err.
try() {
	local name=$1 want=$2 u=$3 answers=$4
	shift 4
	printf '%b' "$answers" | drive_as "$u" "$@" > "$TMP/out" 2> "$TMP/err"
	local got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		echo "# exit $got, wanted $want"
		not_ok "$name"
	fi
}
failures() { sql "select failures from accounts where name = '$1'"; }

printf '%s\n' "$INIT" | $C user add alice --password-stdin > /dev/null 2>&1
printf '%s\n' "$INIT" | $C user add bob --password-stdin > /dev/null 2>&1

# ---- the bound caller gets the whole policy, prompts included ----
try "www-data logs alice in through the helper" 0 www-data "$INIT\n" \
	--rhost 127.0.1.5 crm-web alice auth
grep_out "the password prompt is relayed" "Password:"
check "the login is audited with the caller's uid" 1 \
	"$(sql "select count(*) from audit where event = 'login.success' and
		subject = 'alice' and actor = 'pam:crm-web uid=33'")"
check "the login is in the history with its place" 1 \
	"$(sql "select count(*) from logins where user = 'alice' and
		success = 1 and rhost = '127.0.1.5' and country_code = 'CZ'")"
try "account management through the helper asks for the first change" \
	12 www-data "" crm-web alice acct
grep_out "its message reaches the caller's conversation" \
	"You must change your password now"
try "the forced change runs through the helper" 0 www-data \
	"$INIT\n$PW\n$PW\n" crm-web alice chauthtok
grep_out "the current password is asked through the caller" "Current password"
try "the new password works through the helper" 0 www-data "$PW\n" \
	crm-web alice auth acct
try "a weak new password is refused with its reason" 20 www-data \
	"$PW\nshort\nshort\n" crm-web alice chauthtok
grep_out "the rule is named" "at least 8 characters"

# ---- every attempt counts as one in-process does ----
try "a wrong password through the helper" 7 www-data "$WRONG\n" \
	--rhost 127.0.2.5 crm-web bob auth
check "it counts toward lockout" 1 "$(failures bob)"
try "a second" 7 www-data "$WRONG\n" --rhost 127.0.2.5 crm-web bob auth
try "a third locks" 7 www-data "$WRONG\n" --rhost 127.0.2.5 crm-web bob auth
check "bob is locked" 1 \
	"$(sql "select locked_at > 0 from accounts where name = 'bob'")"
try "the right password is refused while locked" 7 www-data "$INIT\n" \
	--rhost 127.0.3.5 crm-web bob auth
try "a fourth wrong guess from the same address" 10 www-data "$WRONG\n" \
	--rhost 127.0.2.5 crm-web nosuchuser auth
check "the address is throttled after ip_deny guesses" 1 \
	"$(sql "select count(*) from ip_blocks where ip = '127.0.2.5'")"
try "a throttled address is refused before the password" 7 www-data "" \
	--rhost 127.0.2.5 crm-web alice auth
hasnt "no prompt for a throttled address" "Password:" "$(cat "$TMP/out")"
$C user unlock bob > /dev/null 2>&1
$C blocked clear 127.0.2.5 > /dev/null 2>&1

# 32 callers at once, each through its own helper, all wrong.
for i in $(seq 32); do
	printf '%s\n' "$WRONG" | drive_as www-data --rhost "127.0.4.$i" crm-web \
		bob auth > /dev/null 2>&1 &
done
wait
check "32 racing helpers verify no more than deny" 3 "$(failures bob)"
$C user unlock bob > /dev/null 2>&1

# ---- stacked: authsucc's word is checked against /etc/shadow ----
U=crmh$$u
useradd -M -s /usr/sbin/nologin "$U" && echo "$U:$INIT" | chpasswd ||
	not_ok "cannot add the test user"
trap 'userdel "$U" 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
PAM_AUTHTOK=$INIT try "stacked through the helper with the shadow password" \
	0 www-data "" crm-stacked "$U" auth
check "the login is recorded" 1 \
	"$(sql "select count(*) from audit where event = 'login.success' and
		subject = '$U'")"
PAM_AUTHTOK=$WRONG try \
	"a module before that accepts a wrong password is not believed" 7 \
	www-data "" crm-stacked "$U" auth
check "the refusal is audited" 1 \
	"$(sql "select count(*) from audit where event = 'login.failure' and
		subject = '$U' and details like 'reason=wrong password%'")"
try "nor one that accepts no password at all" 7 www-data "" crm-stacked \
	"$U" auth
check "the wrong password is counted" 1 "$(failures "$U")"
userdel "$U" 2>/dev/null

# ---- the second factor's prompts are relayed too ----
printf '%s\n' "$PW" | $C passwd bob --password-stdin > /dev/null 2>&1
sql "update accounts set must_change = 0 where name = 'bob'"
SECRET=""
enroll "$TMP/enrol" - 0 $C totp enroll --user bob --password-stdin
$C user set bob --mfa totp > /dev/null 2>&1
if [ -n "$SECRET" ]; then
	try "a TOTP code through the helper" 0 www-data \
		"$PW\n$(oathtool --totp -b -N '+30 seconds' "$SECRET")\n" \
		crm-web bob auth
	grep_out "the code prompt is relayed" "Verification code:"
	try "the same code again is refused" 7 www-data \
		"$PW\n$(oathtool --totp -b -N '+30 seconds' "$SECRET")\n" \
		crm-web bob auth
else
	not_ok "bob could not be enrolled"
fi

# ---- anyone else gains nothing ----
N0=$(sql "select count(*) from audit")
try "a caller not in helper_services is refused" 7 nobody "$PW\n" \
	crm-web alice auth
hasnt "it is not even asked for a password" "Password:" "$(cat "$TMP/out")"
grep_err "the refusal is logged" "not bound to it in helper_services"
check "the refusal is audited with its uid" 1 \
	"$(sql "select count(*) from audit where event = 'helper.refused' and
		details like 'uid=65534 caller=nobody%'")"
check "nothing else is written" 1 "$(( $(sql "select count(*) from audit") - N0 ))"
try "the bound user on a service not bound to it is refused" 7 www-data \
	"$PW\n" crm-other alice auth
check "that refusal is audited too" 1 \
	"$(sql "select count(*) from audit where event = 'helper.refused' and
		service = 'crm-other'")"
try "a caller's own policy arguments are refused" 9 www-data "$WRONG\n" \
	crm-web-deny alice auth
grep_err "the log says where settings come from" \
	"takes its settings from /etc/security/crmpolicy.conf only"
try "a caller's own conf= is refused" 9 www-data "$WRONG\n" \
	crm-web-conf alice auth
check "neither counted anything" 0 "$(failures alice)"

# Run by hand, from a terminal or a pipe, the helper does nothing.
t_as nobody "$HELPER" < /dev/null > "$TMP/out" 2>&1
check "the helper run by hand with no socket exits 1" 1 "$?"
check "and prints nothing" "" "$(cat "$TMP/out")"
# A hand-made client on the socket: malformed and hostile requests.
cat > "$TMP/client.py" <<'EOF'
import socket, struct, subprocess, sys
def msg(op, a=0, b=0, strs=()):
    out = struct.pack('<BiiB', op, a, b, len(strs))
    for s in strs:
        out += struct.pack('<I', len(s)) + s
    return out
def run(packets):
    me, it = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    p = subprocess.Popen([sys.argv[1]], stdin=it, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    it.close()
    for pkt in packets:
        me.send(pkt)
    got = []
    me.settimeout(10)
    try:
        while True:
            r = me.recv(70000)
            if not r:
                break
            got.append(r[0])
            if r[0] == 13:          # DONE
                break
            if r[0] != 12:          # a request: answer it with an error
                me.send(msg(2, 19))
    except socket.timeout:
        got.append('timeout')
    me.close()
    p.wait()
    return got
print(run([b'\x01garbage']))                      # malformed START
print(run([msg(1, 99, 0)]))                       # no such entry point
print(run([msg(1, 0, 0, [b'a\x00b'])]))           # NUL inside an argument
print(run([msg(1, 0, 0, [b'deny=99'])]))          # a policy argument: one log line
EOF
t_as nobody /usr/bin/python3 "$TMP/client.py" "$HELPER" \
	> "$TMP/out" 2> "$TMP/err"
check "malformed and hostile requests end without an answer or a refusal" \
	"[] [] [] [12, 13]" "$(tr '\n' ' ' < "$TMP/out" | sed 's/ $//')"
check "and leave the store as it was" 0 "$(failures alice)"

# ---- the helper missing or not setuid: refused, never allowed ----
chmod 0755 "$HELPER"
try "a helper that is not setuid refuses" 9 www-data "$PW\n" crm-web alice auth
grep_err "the log names the cause" "not setuid root"
mv "$HELPER" "$HELPER.gone"
try "a missing helper refuses" 9 www-data "$PW\n" crm-web alice auth
grep_err "the log names the helper" "cannot run $HELPER"
mv "$HELPER.gone" "$HELPER"
chmod 4755 "$HELPER"

t_end
