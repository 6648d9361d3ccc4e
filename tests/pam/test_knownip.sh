#!/bin/bash
# Known addresses over time through the real module, the clock moved by
# faketime: an address used once stays known for known_ip_days (100) after
# its last use, is forgotten after that, and a login from it is then new
# again (flagged, audited and e-mailed through a test sendmail).
# Usage: test_knownip.sh BUILD    (ends with "knownip: N passed, M failed")
set -u
BUILD=$(cd "${1:-build}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
NAME=knownip
. "$(dirname "$0")/../lib.sh"
t_begin "$NAME" crmkip
t_need_tools faketime sqlite3
INIT='Init1al!Pw' PW1='Corr3ct!Horse'
CZ=127.0.1.5 JP=127.0.2.5
cp "$TOP/tests/data/fake-sendmail" "$TMP/sendmail"
chmod 0755 "$TMP/sendmail"
OUT=$TMP/sendmail.out
t_conf "$TMP/crmpolicy.db" '12345Aa! password' \
	'ip_deny = 0' \
	'known_ip_days = 100' \
	"geoip_city_db = $TOP/tests/data/geo-city-test.mmdb" \
	"geoip_asn_db = $TOP/tests/data/geo-asn-test.mmdb" \
	"sendmail = $TMP/sendmail" \
	'notify_to = security@example.com'
t_pamd sshd

sql() { sqlite3 "$TMP/crmpolicy.db" "$1"; }

# mails: how many messages the test sendmail has captured.
mails() {
	if [ -f "$OUT" ]; then grep -c '^=====END=====$' "$OUT" || true; else echo 0; fi
}
# wait_mails N: up to 10 s for N messages (the alert is sent detached).
wait_mails() {
	local i
	for i in $(seq 100); do
		[ "$(mails)" -ge "$1" ] && break
		sleep 0.1
	done
	mails
}
# login OFFSET USER RHOST: a full login at now + OFFSET; prints the output.
login() {
	printf '%s\n' "$PW1" | at "$1" drive --rhost "$3" sshd "$2" auth acct open close 2>&1
}
new_rows() { sql "SELECT count(*) FROM logins WHERE user = '$1' AND success = 1 AND new_ip = 1"; }

crm init >/dev/null 2>&1
check "init" 0 $?
# alice's password neither ages nor does her account go inactive here:
# only the addresses' age counts.
for u in alice bob; do
	printf '%s\n' "$INIT" | crm user add "$u" --password-stdin >/dev/null 2>&1
	out=$(printf '%s\n%s\n' "$PW1" "$PW1" | drive sshd "$u" chauthtok 2>&1)
	check "$u: first change" 0 $? "$out"
	crm policy set --user "$u" inactive_days=0 max_age_days=0 >/dev/null 2>&1
	check "$u: no ageing" 0 $?
done
crm user set alice --email alice@example.com --verified >/dev/null 2>&1
check "alice: verified address" 0 $?

# First use: new, flagged, alerted.
out=$(login +0d alice "$CZ")
check "alice: first login from $CZ" 0 $? "$out"
check "alice: one alert" 1 "$(wait_mails 1)" "$(cat "$OUT" 2>/dev/null)"
has "alert names the address" "$CZ" "$(cat "$OUT")"
has "alert names the place" "Prague, Czechia" "$(cat "$OUT")"
has "alert goes to alice" "alice@example.com" "$(cat "$OUT")"
check "alice: history row flagged new" 1 "$(new_rows alice)"
check "alice: ip.new audited" 1 "$(sql "SELECT count(*) FROM audit WHERE event = 'ip.new' AND subject = 'alice'")"
out=$(crm knownip list --user alice 2>&1)
check "knownip list" 0 $? "$out"
has "knownip list shows $CZ" "$CZ" "$out"

# Used again: known, no alert.
out=$(login +0d alice "$CZ")
check "alice: second login from $CZ" 0 $? "$out"
check "alice: still one new row" 1 "$(new_rows alice)"
check "alice: ip.new still once" 1 "$(sql "SELECT count(*) FROM audit WHERE event = 'ip.new' AND subject = 'alice'")"
check "alice: count 2" 2 "$(sql "SELECT k.count FROM known_ips k JOIN accounts a ON a.id = k.account_id WHERE a.name = 'alice' AND k.ip = '$CZ'")"
# Known addresses are per user: the same address is new for bob.
out=$(login +0d bob "$CZ")
check "bob: first login from $CZ" 0 $? "$out"
check "bob: flagged new" 1 "$(new_rows bob)"
check "bob's alert is the second message" 2 "$(wait_mails 2)"
sleep 0.5
check "no alert for alice's known address" 2 "$(mails)"

# Retention: 99 days after the last use the address is still listed,
# 101 days after it is gone (listing is read-only: no use moves it).
out=$(at +99d crm knownip list --user alice 2>&1)
check "knownip list at +99 days" 0 $? "$out"
has "kept at +99 days (known_ip_days 100)" "$CZ" "$out"
out=$(at +101d crm knownip list --user alice 2>&1)
check "knownip list at +101 days" 0 $? "$out"
hasnt "forgotten at +101 days" "$CZ" "$out"
out=$(at +101d crm --json knownip list 2>&1)
check "knownip list --json at +101 days" 0 $? "$out"
hasnt "nobody's $CZ listed at +101 days" "$CZ" "$out"

# 101 days later the address is new again, and alerted again.
out=$(login +101d alice "$CZ")
check "alice: login at +101 days" 0 $? "$out"
check "alice: flagged new again" 2 "$(new_rows alice)"
check "alice: ip.new twice" 2 "$(sql "SELECT count(*) FROM audit WHERE event = 'ip.new' AND subject = 'alice'")"
check "alice: alerted again" 3 "$(wait_mails 3)" "$(cat "$OUT")"
check "the new alert is alice's" 2 "$(grep -c '^To: alice@example.com' "$OUT")"
out=$(at +101d crm knownip list --user alice 2>&1)
has "known again at +101 days" "$CZ" "$out"
check "alice: counted from one again" 1 "$(sql "SELECT k.count FROM known_ips k JOIN accounts a ON a.id = k.account_id WHERE a.name = 'alice' AND k.ip = '$CZ'")"
out=$(login +101d alice "$CZ")
check "alice: another login at +101 days" 0 $? "$out"
check "alice: not new this time" 2 "$(new_rows alice)"

# An administrator forgets an address: the next login from it is new.
out=$(at +101d crm knownip delete --user alice "$CZ" 2>&1)
check "knownip delete" 0 $? "$out"
check "knownip.delete audited" 1 "$(sql "SELECT count(*) FROM audit WHERE event = 'knownip.delete'")"
out=$(login +101d alice "$CZ")
check "alice: login after the delete" 0 $? "$out"
check "alice: new after the delete" 3 "$(sql "SELECT count(*) FROM audit WHERE event = 'ip.new' AND subject = 'alice'")"
# A new address for alice at the same time is new too; Japan this time.
out=$(login +101d alice "$JP")
check "alice: login from $JP" 0 $? "$out"
check "alice: five alerts in all" 5 "$(wait_mails 5)" "$(cat "$OUT")"
has "the Japanese alert" "Tokyo, Japan" "$(cat "$OUT")"

t_end
