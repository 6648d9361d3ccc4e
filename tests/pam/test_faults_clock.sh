#!/bin/bash
# Fault injection, the clock: the module under libfaketime with the clock
# jumping back and forth across a lock (unlock_time), an expiry
# (max_age_days) and TOTP steps (oathtool computes the codes at the faked
# time). A jump back must never lift a lock early, never make an expired
# password valid again, and never let a TOTP code in twice; a jump forward
# may lift a lock or expire a password, as time passing would.
#
# What the module did (pamdrive's exit code, then its syslog lines: at
# NOTICE level, each the audit event of a row the refusal committed):
#  lock (deny 3, unlock_time 600; locked at T by three wrong passwords):
#    T-1h, the right password   7  login.failure ... reason=locked
#                                  (the user is told "It unlocks in 70
#                                  minutes.")
#    T-1d (FAKETIME=@date)      7  login.failure ... reason=locked
#    T+300                      7  login.failure ... reason=locked
#    T+601                      0  lifted by its time, count cleared
#  expiry (max_age_days 90; the password changed at T; account phase):
#    T+91d                     12  password.expired ... max_age_days=90
#    T+10d, T-1d               12  no line (the change recorded at T+91d
#                                  is still due)
#    T+10d, the change          0  then the old password 7; the new one 0
#                                  at T+10d and T+91d, 12 at T+101d
#    Before the fix of commit 'An expired store password stays expired
#    when the clock is set back', T+10d and T-1d answered 0: the expired
#    password was valid again.
#  TOTP (30 s steps; the code computed by oathtool for the faked time):
#    T+90, its code             0
#    T+90, the same code again  7  mfa.failure ... factor=totp reason=code
#                                  already used; login.failure ...
#                                  reason=code already used failures=1
#    T-90, that time's code     7  the same two lines (failures=2)
#    T+300, its code            0
#    T+180, its code (never used, older than the last used)
#                               7  the same two lines
#    T+90, the first code       7  the same two lines
# Usage: tests/pam/test_faults_clock.sh BUILD_DIR    (as root)
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"
t_need_root
t_begin test_faults_clock crmclock
t_need_tools faketime oathtool sqlite3
START=$SECONDS
FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2> /dev/null | head -n 1)
INIT='Init1al!Pw' PW='Corr3ct!Horse' PW2='An0ther#Pass' WRONG='Wr0ng!Guess'
t_conf "$TMP/crmpolicy.db" '' 'ip_deny = 0' 'deny = 3' 'unlock_time = 600' \
	'max_age_days = 90' 'inactive_days = 0'
t_pamd crmclock
sql() { sqlite3 "$TMP/crmpolicy.db" "$1"; }

# fdrive OFFSET ARGS...: pamdrive under pam_wrapper (the module's syslog
# lines on stderr, NOTICE included) with the clock at OFFSET (libfaketime's
# FAKETIME: "+600", "-3600", "+91d", or "@YYYY-MM-DD HH:MM:SS").
# UID_WRAPPER_DISABLE_DEEPBIND: the name pam_wrapper 1.1.4 reads for not
# loading libpam with RTLD_DEEPBIND, which the sanitizers refuse.
fdrive() {
	local off=$1
	shift
	env PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=2 \
		PAM_WRAPPER_SERVICE_DIR="$TMP/pam.d" \
		LD_PRELOAD="libpam_wrapper.so:$FAKETIME_LIB" FAKETIME="$off" \
		FAKETIME_DONT_FAKE_MONOTONIC=1 UID_WRAPPER_DISABLE_DEEPBIND=1 \
		"$BUILD/tests/pamdrive" "$@"
}

# at NAME WANT OFFSET ANSWERS ARGS...: one run at OFFSET.
at() {
	local name=$1 want=$2 off=$3 answers=$4
	shift 4
	R0=$(audit_rows)
	printf '%b' "$answers" | fdrive "$off" "$@" > "$TMP/out" 2> "$TMP/err"
	check "$name: exit $want" "$want" "$?" "$(cat "$TMP/out")"
}

# The module's syslog lines of the last run, without libpam's own.
lines() {
	grep -a 'SYSLOG(' "$TMP/err" | grep -v '_pam_init_handlers' |
		sed 's/.*SYSLOG([0-9]): //'
}

audit_rows() { sql "select count(*) from audit"; }

# events NAME N NEEDLE: the last run logged N lines, each holding NEEDLE,
# and they are the N audit rows it added (R0: the count before it).
events() {
	local got n
	got=$(lines)
	echo "# syslog: $(printf '%s' "$got" | tr '\n' '|')"
	if [ "$(printf '%s' "$got" | grep -c '')" = "$2" ] &&
			[ "$(printf '%s' "$got" | grep -c -- "$3")" = "$2" ] &&
			[ "$(( $(audit_rows) - R0 ))" = "$2" ]; then
		ok "$1: $2 syslog line(s), each an audit row, with '$3'"
	else
		n=$(printf '%s' "$got" | grep -c -- "$3")
		check "$1: $2 syslog line(s) with '$3', as many audit rows" \
			"$2 and $2" "$n and $(( $(audit_rows) - R0 ))" "$got"
	fi
}

no_line() {
	check "$1: no syslog line" "" "$(lines)"
}

add_user() {
	crm user add "$1" --password-stdin <<< "$INIT" > /dev/null 2>&1
	printf '%s\n%s\n' "$PW" "$PW" | drive crmclock "$1" chauthtok \
		> /dev/null 2>&1
	check "$1: added, first change" 0 "$?"
}

crm init > /dev/null 2>&1 || { echo "init failed"; exit 1; }

# ---- a lock and the clock ----
# Expected: a jump back keeps the lock (and says it lasts longer); only
# unlock_time past the lock, by the clock, lifts it.
add_user alice
for i in 1 2 3; do
	at "alice: wrong password $i" 7 +0 "$WRONG\n" --rhost 127.0.8.5 \
		crmclock alice auth
done
L0=$(sql "select locked_at from accounts where name = 'alice'")
check "alice is locked" 1 "$([ "$L0" -gt 0 ] && echo 1)"
at "lock, clock back 1 h: the right password refused" 7 -3600 "$PW\n" \
	--rhost 127.0.8.5 crmclock alice auth
events "lock, clock back 1 h" 1 "login.failure user=alice .*reason=locked"
has "lock, clock back 1 h: the user is told it lasts longer" \
	"It unlocks in 70 minutes." "$(cat "$TMP/out")"
at "lock, clock back to yesterday: refused" 7 \
	"@$(date -d '-1 day' '+%Y-%m-%d %H:%M:%S')" "$PW\n" \
	--rhost 127.0.8.5 crmclock alice auth
events "lock, clock back to yesterday" 1 "reason=locked"
at "lock, clock forward 300 s: still locked" 7 +300 "$PW\n" \
	--rhost 127.0.8.5 crmclock alice auth
events "lock, clock forward 300 s" 1 "reason=locked"
check "lock: the lock is as it was" "$L0/3" \
	"$(sql "select locked_at || '/' || failures from accounts where name = 'alice'")"
check "lock: no success recorded" 0 \
	"$(sql "select count(*) from audit where event = 'login.success' and
		subject = 'alice'")"
at "lock, clock forward 601 s: lifted by its time" 0 +601 "$PW\n" \
	--rhost 127.0.8.5 crmclock alice auth
check "lock: lifted and cleared" "0/0" \
	"$(sql "select locked_at || '/' || failures from accounts where name = 'alice'")"

# ---- an expiry and the clock ----
# Expected: once found expired, the password must be changed whatever the
# clock says later; the change clears it and its age counts from then.
add_user dave
at "expiry, clock +91 d: a change is required" 12 +91d "" \
	crmclock dave acct
events "expiry, clock +91 d" 1 "password.expired user=dave"
has "expiry, clock +91 d: the user is told" \
	"You must change your password now." "$(cat "$TMP/out")"
check "expiry: the forced change is recorded" 1 \
	"$(sql "select must_change from accounts where name = 'dave'")"
at "expiry, clock back to +10 d: still required" 12 +10d "" \
	crmclock dave acct
no_line "expiry, clock back to +10 d"
at "expiry, clock back to -1 d: still required" 12 -1d "" \
	crmclock dave acct
no_line "expiry, clock back to -1 d"
at "expiry, clock +10 d: the change" 0 +10d "$PW\n$PW2\n$PW2\n" \
	--rhost 127.0.9.5 crmclock dave auth acct chauthtok
at "expiry: the old password is refused" 7 +10d "$PW\n" \
	--rhost 127.0.9.5 crmclock dave auth
at "expiry: the new password at +10 d" 0 +10d "$PW2\n" \
	--rhost 127.0.9.5 crmclock dave auth acct
at "expiry: the new password at +91 d (81 days old)" 0 +91d "$PW2\n" \
	--rhost 127.0.9.5 crmclock dave auth acct
at "expiry: the new password at +101 d (91 days old)" 12 +101d "$PW2\n" \
	--rhost 127.0.9.5 crmclock dave auth acct

# ---- TOTP steps and the clock ----
# Expected: a code is accepted once, and only for a step after the last
# one used: a jump back refuses codes of earlier steps, used or not.
add_user erin
crm policy set --user erin deny=20 > /dev/null 2>&1
SECRET=""
enroll "$TMP/enrol" - 0 "$BUILD/crmpasswd" --conf "$CONF" totp enroll \
	--user erin --password-stdin
crm user set erin --mfa totp > /dev/null 2>&1
check "erin: enrolled" 1 "$([ -n "$SECRET" ] && echo 1)"
# code SECONDS: the code at now + SECONDS.
code() {
	oathtool --totp -b -N "@$(( $(date +%s) + $1 ))" "$SECRET"
}
# totp NAME WANT SECONDS: erin's login at now + SECONDS with its code.
totp() {
	local c
	c=$(code "$3")
	at "$1" "$2" "$(printf '%+d' "$3")" "$PW\n$c\n" --rhost 127.0.10.5 \
		crmclock erin auth
}
totp "totp, +90 s: its code" 0 90
C90=$(code 90)
at "totp, +90 s: the same code again" 7 +90 "$PW\n$C90\n" \
	--rhost 127.0.10.5 crmclock erin auth
events "totp, the same code again" 2 "user=erin .*reason=code already used"
totp "totp, clock back to -90 s: that time's code" 7 -90
events "totp, clock back to -90 s" 2 "user=erin .*reason=code already used"
totp "totp, +300 s: its code" 0 300
totp "totp, clock back to +180 s: a code never used, but older" 7 180
events "totp, clock back to +180 s" 2 "user=erin .*reason=code already used"
at "totp, clock back to +90 s: the first code again" 7 +90 "$PW\n$C90\n" \
	--rhost 127.0.10.5 crmclock erin auth
events "totp, clock back to +90 s" 2 "user=erin .*reason=code already used"
check "totp: two logins succeeded" 2 \
	"$(sql "select count(*) from audit where event = 'login.success' and
		subject = 'erin'")"

check "integrity_check" ok "$(sql 'pragma integrity_check')"
crm audit verify > /dev/null 2>&1
check "audit verify" 0 "$?"
echo "# run time: $((SECONDS - START)) s"
t_end
