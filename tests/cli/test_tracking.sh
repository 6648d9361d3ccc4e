#!/bin/sh
# Shell test of crmpasswd's tracking commands against a store in a temporary
# directory: logins (filters, --json, --csv), blocked list|clear and knownip
# list|delete, with rows put in place by the sqlite3 command, and the
# permission rules for callers that are not root. Run as root.
#   usage: tests/cli/test_tracking.sh BUILD_DIR
set -u

BUILD=${1:?usage: $0 BUILD_DIR}
CRMPASSWD=$(cd "$BUILD" && pwd)/crmpasswd
. "$(dirname "$0")/../lib.sh"

t_need_root
[ -x "$CRMPASSWD" ] || { echo "no $CRMPASSWD" >&2; exit 2; }
command -v sqlite3 > /dev/null || { echo "no sqlite3 command" >&2; exit 2; }

t_begin tracking crmtrack
DB=$TMP/store/crmpolicy.db
t_conf "$DB" '' 'known_ip_days = 100'

# lines_out NAME N: the last command printed N lines.
lines_out() {
	got=$(wc -l < "$TMP/out")
	if [ "$got" = "$2" ]; then ok "$1"; else
		echo "# $got lines, wanted $2"
		not_ok "$1"
	fi
}

sql() {
	sqlite3 "$DB" "$1"
}

C="$CRMPASSWD --conf $CONF"
NOW=$(date +%s)
HOUR_AGO=$((NOW - 3600))
LONG_AGO=$((NOW - 30 * 86400))

expect 0 "init" $C init
expect 0 "user add alice" $C user add alice
expect 0 "user add bob" $C user add bob

# ---- logins ----
sql "INSERT INTO logins(time, last_time, count, user, service, rhost, tty,
	type, success, reason, country_code, country, city, org, new_ip) VALUES
	($LONG_AGO, $LONG_AGO, 1, 'alice', 'sshd', '198.51.100.7', 'ssh',
	 'password', 0, 'wrong password', '', '', '', '', 0),
	($HOUR_AGO, $((HOUR_AGO + 120)), 3, 'alice', 'apache', '127.0.1.5', '',
	 'password', 1, '', 'CZ', 'Czechia', 'Prague',
	 'Test Hotel Network s.r.o.', 1),
	($HOUR_AGO, $HOUR_AGO, 1, 'bob', 'login', '', 'tty1', 'stacked', 1, '',
	 '', '', '', '', 0);"

expect 0 "logins lists everyone for root" $C logins
lines_out "logins prints a header and three rows" 4
grep_out "logins shows the place" "Prague, Czechia"
grep_out "logins shows the organisation" "Test Hotel Network"
grep_out "logins shows a failure with its reason" "failure: wrong password"
grep_out "logins shows a local login" "local"
expect 0 "logins alice" $C logins alice
lines_out "logins alice has two rows" 3
no_grep_out "logins alice leaves bob out" "bob"
expect 0 "logins --failed" $C logins --failed
lines_out "logins --failed has one row" 2
expect 0 "logins --since a relative time" $C logins --since -7d
lines_out "logins --since -7d leaves the old row out" 3
expect 0 "logins --until a relative time" $C logins --until -2d
lines_out "logins --until -2d has only the old row" 2
expect 0 "logins --since a date" $C logins --since 2000-01-01
lines_out "logins --since 2000-01-01 has every row" 4
expect 0 "logins --since a UTC time" $C logins --since 2099-01-01T00:00:00Z
lines_out "logins --since the future has no row" 1
expect 2 "logins refuses a bad time" $C logins --since yesterday
grep_err "bad time is named" "yesterday"
expect 2 "logins refuses an impossible date" $C logins --since 2026-02-31
expect 2 "logins refuses --json with --csv" $C logins --json --csv
expect 2 "logins refuses two users" $C logins alice bob
expect 2 "logins refuses an unknown option" $C logins --bogus

expect 0 "logins --json" $C logins alice --json
json_is "logins --json has two rows" "json_array_length(j)" 2
json_is "logins --json city" "json_extract(j, '\$[1].city')" Prague
json_is "logins --json count" "json_extract(j, '\$[1].count')" 3
json_is "logins --json new_ip" "json_extract(j, '\$[1].new_ip')" 1
json_is "logins --json failure reason" "json_extract(j, '\$[0].reason')" \
	"wrong password"
json_is "logins --json success is false" "json_extract(j, '\$[0].success')" 0

expect 0 "logins --csv" $C logins --csv --failed
grep_out "logins --csv has a header" "^TIME,USER,SERVICE,ADDRESS"
lines_out "logins --csv has the header and one row" 2
grep_out "logins --csv quotes nothing it need not" \
	"alice,sshd,198.51.100.7,,,password,failure: wrong password"

# ---- blocked ----
sql "INSERT INTO ip_blocks(ip, blocked_at, until, failures) VALUES
	('203.0.113.9', $HOUR_AGO, $((NOW + 3600)), 12),
	('203.0.113.10', $LONG_AGO, $((LONG_AGO + 3600)), 10);
	INSERT INTO ip_failures(ip, time) VALUES ('203.0.113.9', $HOUR_AGO);"
expect 0 "blocked list" $C blocked list
grep_out "blocked list shows the block" "203.0.113.9 "
grep_out "blocked list shows the failures" "12"
no_grep_out "blocked list leaves a lapsed block out" "203.0.113.10"
expect 0 "blocked list --json" $C blocked list --json
json_is "blocked --json has one block" "json_array_length(j)" 1
json_is "blocked --json failures" "json_extract(j, '\$[0].failures')" 12
expect 0 "blocked list --csv" $C blocked list --csv
grep_out "blocked --csv has a header" "^ADDRESS,BLOCKED SINCE,UNTIL,FAILURES"
lines_out "blocked --csv has one row" 2
expect 0 "blocked clear" $C blocked clear 203.0.113.9
expect 0 "blocked list after clear" $C blocked list
no_grep_out "the block is gone" "203.0.113.9"
[ "$(sql "select count(*) from ip_failures")" = 0 ] \
	&& ok "clear forgets the failures" || not_ok "clear forgets the failures"
[ "$(sql "select count(*) from audit where event = 'ip.unblock'
	and actor = 'root' and details like '%203.0.113.9%'")" = 1 ] \
	&& ok "clear is audited" || not_ok "clear is audited"
expect 1 "blocked clear of an address not blocked" \
	$C blocked clear 203.0.113.9
grep_err "says not blocked" "not blocked: 203.0.113.9"
expect 2 "blocked clear needs an address" $C blocked clear
expect 2 "blocked without a subcommand" $C blocked

# ---- knownip ----
sql "INSERT INTO known_ips(account_id, ip, first_seen, last_seen, count)
	SELECT id, '127.0.1.5', $LONG_AGO, $HOUR_AGO, 7 FROM accounts
	WHERE name = 'alice';
	INSERT INTO known_ips(account_id, ip, first_seen, last_seen, count)
	SELECT id, '2001:db8::1', $HOUR_AGO, $HOUR_AGO, 1 FROM accounts
	WHERE name = 'bob';
	INSERT INTO known_ips(account_id, ip, first_seen, last_seen, count)
	SELECT id, '198.51.100.99', $((NOW - 200 * 86400)),
	$((NOW - 150 * 86400)), 2 FROM accounts WHERE name = 'alice';"
expect 0 "knownip list" $C knownip list
lines_out "knownip list has a header and two rows" 3
grep_out "knownip list shows alice's address" "alice.*127.0.1.5"
no_grep_out "knownip list leaves an expired address out" "198.51.100.99"
expect 0 "knownip list --user bob" $C knownip list --user bob
lines_out "knownip list --user bob has one row" 2
grep_out "knownip list --user bob shows bob's address" "2001:db8::1"
expect 0 "knownip list --json" $C knownip list --json
json_is "knownip --json has two rows" "json_array_length(j)" 2
json_is "knownip --json count" "json_extract(j, '\$[0].count')" 7
expect 0 "knownip list --csv" $C knownip list --csv
grep_out "knownip --csv has a header" "^USER,ADDRESS,FIRST SEEN,LAST SEEN,COUNT"
expect 1 "knownip list of an unknown user" $C knownip list --user ghost
expect 0 "knownip delete" $C knownip delete --user alice 127.0.1.5
[ "$(sql "select count(*) from audit where event = 'knownip.delete'
	and actor = 'root' and subject = 'alice'")" = 1 ] \
	&& ok "knownip delete is audited" || not_ok "knownip delete is audited"
expect 0 "knownip list after delete" $C knownip list --user alice
no_grep_out "the address is forgotten" "127.0.1.5"
expect 1 "knownip delete of an unknown address" \
	$C knownip delete --user alice 127.0.1.5
expect 2 "knownip delete needs --user" $C knownip delete 127.0.1.5
expect 2 "knownip delete refuses a bad address" \
	$C knownip delete --user alice 'a b'

# ---- permissions ----
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
expect 3 "non-root may not list blocks" $NOBODY "$CRMPASSWD" blocked list
expect 3 "non-root may not clear a block" \
	$NOBODY "$CRMPASSWD" blocked clear 203.0.113.9
expect 3 "non-root may not list known addresses" \
	$NOBODY "$CRMPASSWD" knownip list
expect 3 "non-root may not delete a known address" \
	$NOBODY "$CRMPASSWD" knownip delete --user alice 127.0.1.5
expect 3 "non-root may not see another user's logins" \
	$NOBODY "$CRMPASSWD" logins root
grep_err "refusal names logins" "logins of another user"
$NOBODY "$CRMPASSWD" logins > "$TMP/out" 2> "$TMP/err" < /dev/null
[ $? != 3 ] && ok "non-root may ask for their own logins" \
	|| not_ok "non-root may ask for their own logins"
$NOBODY "$CRMPASSWD" logins nobody > "$TMP/out" 2> "$TMP/err" < /dev/null
[ $? != 3 ] && ok "non-root may name themselves" \
	|| not_ok "non-root may name themselves"

t_end
