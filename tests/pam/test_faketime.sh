#!/bin/bash
# Time-dependent behaviour through the real module, with the clock moved by
# faketime: password expiry and its warning, inactivity disabling an
# account (and an admin enable restoring it), root never disabled.
# Usage: test_faketime.sh BUILD    (ends with "test_faketime: N passed, M failed")
set -u
BUILD=$(cd "${1:-build}" && pwd)
NAME=test_faketime
. "$(dirname "$0")/../lib.sh"
t_begin "$NAME" crmft
t_need_tools faketime sqlite3
INIT='Init1al!Pw' PW1='Corr3ct!Horse' PW2='An0ther#Pass'
t_conf "$TMP/crmpolicy.db" '12345Aa! password' \
	'ip_deny = 0'
t_pamd crmtest

sql() { sqlite3 "$TMP/crmpolicy.db" "$1"; }

# A standalone account whose must-change was satisfied by a real change.
add_user() {
	local out
	printf '%s\n' "$INIT" | crm user add "$1" --password-stdin >/dev/null 2>&1
	out=$(printf '%s\n%s\n' "$PW1" "$PW1" | drive crmtest "$1" chauthtok 2>&1)
	check "$1: first change" 0 $? "$out"
}

crm init >/dev/null 2>&1
check "init" 0 $?

# Expiry: alice logs in now, then the clock moves; inactivity is off for
# her so that only the password's age counts.
add_user alice
crm policy set --user alice inactive_days=0 >/dev/null 2>&1
check "alice: inactive_days=0" 0 $?
out=$(printf '%s\n' "$PW1" | at +0d drive crmtest alice auth acct 2>&1)
check "alice: login now" 0 $? "$out"
out=$(printf '%s\n' "$PW1" | at +85d drive crmtest alice auth acct 2>&1)
check "alice: login at +85 days" 0 $? "$out"
case "$out" in
*"Password expires in 5 days."* | *"Password expires in 4 days."*) check "alice: warned at +85 days" yes yes ;;
*) check "alice: warned at +85 days" "Password expires in 5 days." "no warning" "$out" ;;
esac
out=$(printf '%s\n' "$PW1" | at +85d drive --silent crmtest alice auth acct 2>&1)
check "alice: silent login at +85 days" 0 $? "$out"
hasnt "alice: no warning under PAM_SILENT" "expires" "$out"
out=$(printf '%s\n' "$PW1" | at +80d drive crmtest alice auth acct 2>&1)
check "alice: login at +80 days" 0 $? "$out"
hasnt "alice: no warning at +80 days" "expires" "$out"
out=$(printf '%s\n' "$PW1" | at +91d drive crmtest alice auth acct 2>&1)
check "alice: expired at +91 days" 12 $? "$out"
has "alice: told to change" "You must change your password now." "$out"
out=$(printf '%s\n%s\n%s\n' "$PW1" "$PW2" "$PW2" | at +91d drive crmtest alice auth acct chauthtok 2>&1)
check "alice: changes the expired password" 0 $? "$out"
out=$(printf '%s\n' "$PW2" | at +91d drive crmtest alice auth acct 2>&1)
check "alice: logs in with the new one at +91 days" 0 $? "$out"

# Inactivity: bob logs in now, then nothing for 31 days.
add_user bob
out=$(printf '%s\n' "$PW1" | drive crmtest bob auth acct 2>&1)
check "bob: login now" 0 $? "$out"
out=$(printf '%s\n' "$PW1" | at +29d drive crmtest bob auth acct 2>&1)
check "bob: login at +29 days" 0 $? "$out"
out=$(printf '%s\n' "$PW1" | at +60d drive crmtest bob auth 2>&1)
check "bob: auth refused at +60 days (31 days after the last login)" 7 $? "$out"
has "bob: asked for the password all the same (the prompt tells nothing)" "[prompt]" "$out"
out=$(at +60d drive crmtest bob acct 2>&1)
check "bob: account expired at +60 days" 13 $? "$out"
check "bob: audit has 'inactive'" 1 "$(sql "SELECT count(*) FROM audit WHERE event = 'inactive' AND subject = 'bob'")"
check "bob: disabled as inactive" "1|inactive" "$(sql "SELECT disabled, disabled_reason FROM accounts WHERE name = 'bob'")"
at +60d crm user enable bob >/dev/null 2>&1
check "bob: admin enable" 0 $?
out=$(printf '%s\n' "$PW1" | at +60d drive crmtest bob auth acct 2>&1)
check "bob: logs in after enable" 0 $? "$out"

# Never logged in: the inactivity counts from the creation.
add_user carol
out=$(at +31d drive crmtest carol acct 2>&1)
check "carol: never logged in, account expired at +31 days" 13 $? "$out"
out=$(at +29d drive crmtest dave acct 2>&1)
check "dave: unknown user" 10 $? "$out"

# root is never disabled for inactivity.
add_user root
out=$(printf '%s\n' "$PW1" | drive crmtest root auth acct 2>&1)
check "root: login now" 0 $? "$out"
out=$(printf '%s\n' "$PW1" | at +45d drive crmtest root auth acct 2>&1)
check "root: still enabled at +45 days" 0 $? "$out"
check "root: not disabled" 0 "$(sql "SELECT disabled FROM accounts WHERE name = 'root'")"

t_end
