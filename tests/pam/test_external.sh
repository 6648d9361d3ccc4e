#!/bin/bash
# Logins that skip the auth phase (sshd with a public key): account
# management records them in the login history with their type and place,
# applies the source-IP rules and inactivity, keeps the address and sends
# the new-address alert, and merges repeats; local uses without auth (cron,
# su by root) are not logins. Through the real module and libpam.
#   usage: tests/pam/test_external.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"

t_begin external crmext
t_need_tools sqlite3 faketime
INIT='Init1al!Pw' PW='Corr3ct!Horse'
cp "$TOP/tests/data/fake-sendmail" "$TMP/sendmail"
chmod 0755 "$TMP/sendmail"
OUT=$TMP/sendmail.out
t_conf "$TMP/crmpolicy.db" '' 'ip_deny = 0' \
	"geoip_city_db = $TOP/tests/data/geo-city-test.mmdb" \
	"geoip_asn_db = $TOP/tests/data/geo-asn-test.mmdb" \
	"sendmail = $TMP/sendmail"
t_pamd sshd
sql() { sqlite3 "$TMP/crmpolicy.db" "$1"; }
mails() { [ -f "$OUT" ] && grep -c '^=====END=====$' "$OUT" || echo 0; }
rows() {
	sql "select count(*) from logins where user = '$1' and type = '$2'
		and success = 1"
}
KEY='publickey ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'

crm init > /dev/null 2>&1
printf '%s\n' "$INIT" | crm user add alice --email alice@example.com \
	--password-stdin > /dev/null 2>&1
crm user set alice --verified > /dev/null 2>&1
printf '%s\n%s\n' "$PW" "$PW" | drive sshd alice chauthtok > /dev/null 2>&1
sql "update accounts set must_change = 0 where name = 'alice'"

# ---- an SSH key login: account management and session, no auth ----
# sshd sets SSH_AUTH_INFO_0 (ExposeAuthInfo) after account management,
# before the session: account records the login, the session its method.
drive --rhost 127.0.1.5 sshd alice acct "env:SSH_AUTH_INFO_0=$KEY" open \
	> "$TMP/out" 2>&1
check "a key login passes account management" 0 "$?"
check "it is in the history as publickey" 1 "$(rows alice publickey)"
check "and not as external too" 0 "$(rows alice external)"
check "with its place" "CZ" \
	"$(sql "select country_code from logins where type = 'publickey'")"
check "it is the last login" "127.0.1.5" \
	"$(sql "select last_rhost from accounts where name = 'alice'")"
check "the address is known now" 1 \
	"$(sql "select count(*) from known_ips where ip = '127.0.1.5'")"
check "it is audited as a login at account management" 1 \
	"$(sql "select count(*) from audit where event = 'login.success' and
		details like 'type=external%new_ip=1'")"
check "and its method at session open" 1 \
	"$(sql "select count(*) from audit where event = 'login.method' and
		details = 'type=publickey'")"
for i in $(seq 50); do [ "$(mails)" -ge 1 ] && break; sleep 0.1; done
check "the new-address alert is sent" 1 "$(mails)"
drive --rhost 127.0.1.5 sshd alice acct "env:SSH_AUTH_INFO_0=$KEY" open \
	> "$TMP/out" 2>&1
check "a repeat within history_merge_seconds merges" "1|2" \
	"$(sql "select count(*), sum(count) from logins where type = 'publickey'")"
grep_out "the greeting names the last login's place" \
	"Last login: .* from 127.0.1.5 (.*Czech"
check "a repeat from a known address sends no alert" 1 "$(mails)"
drive --rhost 127.0.1.5 sshd alice "env:SSH_AUTH_INFO_0=$KEY" acct \
	> /dev/null 2>&1
check "a method named before account management is taken there" "1|3" \
	"$(sql "select count(*), sum(count) from logins where type = 'publickey'")"
drive --rhost 127.0.1.5 sshd alice acct open > /dev/null 2>&1
check "without sshd's method name the type stays external" 1 \
	"$(rows alice external)"
drive --rhost 127.0.1.5 sshd alice acct "env:SSH_AUTH_INFO_0=$KEY" open \
	> /dev/null 2>&1
check "a retyped login merges into the row of its method" "1|4" \
	"$(sql "select count(*), sum(count) from logins where type = 'publickey'")"
check "leaving the external row as it was" "1|1" \
	"$(sql "select count(*), sum(count) from logins where type = 'external'")"

# ---- a login that went through auth is recorded once ----
n=$(sql "select count(*) from logins")
printf '%s\n' "$PW" | drive --rhost 127.0.3.5 sshd alice auth acct open \
	> /dev/null 2>&1
check "auth and account in one handle: one row" $((n + 1)) \
	"$(sql "select count(*) from logins")"
check "of the password type" 1 "$(rows alice password)"

# ---- local uses without auth are not logins ----
last=$(sql "select last_login from accounts where name = 'alice'")
drive sshd alice acct > /dev/null 2>&1
check "account management without an address passes" 0 "$?"
check "and records no login" $((n + 1)) "$(sql "select count(*) from logins")"
check "nor moves the last login" "$last" \
	"$(sql "select last_login from accounts where name = 'alice'")"

# ---- the rules and inactivity apply to key logins ----
crm rule add nojp --network 127.0.2.0/24 --action deny > /dev/null 2>&1
drive --rhost 127.0.2.5 sshd alice acct > /dev/null 2>&1
check "a deny rule refuses a key login" 6 "$?"
check "no success is recorded for it" 0 \
	"$(sql "select count(*) from logins where rhost = '127.0.2.5' and success = 1")"
check "the refusal is audited" 1 \
	"$(sql "select count(*) from audit where event = 'ip.denied'")"
at +31d drive --rhost 127.0.1.5 sshd alice acct > /dev/null 2>&1
check "an account idle for 31 days is refused even with a key" 13 "$?"
check "and disabled for inactivity" "inactive" \
	"$(sql "select disabled_reason from accounts where name = 'alice'")"

t_end
