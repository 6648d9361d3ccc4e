#!/bin/bash
# crmpolicy_registrar, the daemon SIP registrars ask: run from the build on
# a socket in a temporary directory, asked by real unprivileged users
# (www-data bound to the service "sip" in helper_services, nobody not) with
# tests/data/registrar-client.py. HA1 as a registrar needs it, the policy
# before the digest, outcomes recorded (failures at once), the protocol's
# refusals, and the daemon's signals. Run as root.
#   usage: tests/cli/test_registrar.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin registrar crmreg
t_need_tools sqlite3 setpriv /usr/bin/python3
PW='Phone#Secret9' PW2='Other-Phone#7' REALM=pbx.test
t_conf "$TMP/store/crmpolicy.db" '' 'ip_deny = 4' \
	'helper_services = sip:www-data' \
	"geoip_city_db = $TOP/tests/data/geo-city-test.mmdb" \
	"geoip_asn_db = $TOP/tests/data/geo-asn-test.mmdb" \
	'notify_new_ip = no'
C="$BUILD/crmpasswd --conf $CONF"
sql() { sqlite3 "$TMP/store/crmpolicy.db" "$1"; }
SOCK=$TMP/run/registrar.sock
cp "$TOP/tests/data/registrar-client.py" "$TMP/client.py"
chmod 0755 "$TMP/client.py"
# as USER LINE...: one connection of USER; the replies, one a line.
as() {
	local u=$1
	shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --clear-groups \
		/usr/bin/python3 "$TMP/client.py" "$SOCK" "$@"
}
ha1() { printf '%s' "$1:$REALM:$2" | /usr/bin/python3 -c \
	"import hashlib,sys; print(hashlib.$3(sys.stdin.buffer.read()).hexdigest())"; }
failures() { sql "select failures from accounts where name = '$1'"; }
# settled: the daemon records successes within 20 ms; give it time.
settled() { sleep 0.2; }

$C init > /dev/null 2>&1
$C group add phones > /dev/null 2>&1
$C policy set --group phones sip_realm=$REALM > /dev/null 2>&1
for ext in 1001 1002 1003; do
	printf '%s\n' "$PW" | $C user add $ext --group phones --password-stdin \
		> /dev/null 2>&1
done
check "the extensions have SIP credentials" 3 \
	"$(sql "select count(*) from sip_credentials where realm = '$REALM'")"

setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$BUILD/crmpolicy_registrar" --conf "$CONF" --socket "$SOCK" \
	> "$TMP/out" 2> "$TMP/err"
check "the daemon refuses to run without root" 1 "$?"
"$BUILD/crmpolicy_registrar" --conf "$CONF" --socket "$SOCK" --foreground \
	2> "$TMP/daemon.log" &
DAEMON=$!
trap 'kill $DAEMON 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
check "it listens on its socket, open to all" 666 "$(stat -c %a "$SOCK")"

# ---- what a registrar gets ----
out=$(as www-data PING "CHECK sip 1001 127.0.1.5 $REALM MD5" 'RESULT $T ok' \
	"CHECK sip 1001 127.0.1.5 $REALM SHA-256" 'RESULT $T ok')
check "PING" PONG "$(echo "$out" | sed -n 1p)"
check "the MD5 HA1 of the extension" "$(ha1 1001 "$PW" md5)" \
	"$(echo "$out" | sed -n 2p | cut -d' ' -f3)"
check "the SHA-256 HA1" "$(ha1 1001 "$PW" sha256)" \
	"$(echo "$out" | sed -n 4p | cut -d' ' -f3)"
check "each RESULT is acknowledged" "DONE DONE" \
	"$(echo "$out" | sed -n '3p;5p' | tr '\n' ' ' | sed 's/ $//')"
settled
check "the registration is a sip login, refreshes merged, with its place" \
	"1|2|CZ" "$(sql "select count(*), sum(count), max(country_code) from
		logins where user = '1001' and type = 'sip' and success = 1")"
check "audited once" 1 "$(sql "select count(*) from audit where
	event = 'login.success' and subject = '1001' and actor = 'registrar:www-data'")"

# ---- failures count at once ----
out=$(as www-data "CHECK sip 1002 127.0.2.5 $REALM MD5" 'RESULT $T wrong')
check "a wrong digest is acknowledged" DONE "$(echo "$out" | sed -n 2p)"
check "and already counted when it is" 1 "$(failures 1002)"
as www-data "CHECK sip 1002 127.0.2.5 $REALM MD5" 'RESULT $T wrong' \
	"CHECK sip 1002 127.0.2.5 $REALM MD5" 'RESULT $T wrong' > /dev/null
check "three wrong digests lock the extension" 1 \
	"$(sql "select locked_at > 0 from accounts where name = '1002'")"
check "the right one is refused before any digest" "DENY locked" \
	"$(as www-data "CHECK sip 1002 127.0.1.6 $REALM MD5")"
$C user unlock 1002 > /dev/null 2>&1
check "until crmpasswd user unlock" ALLOW \
	"$(as www-data "CHECK sip 1002 127.0.1.6 $REALM MD5" | cut -d' ' -f1)"

# 32 registrars at once, all wrong: no more than deny digests checked.
out=$(as www-data --race 32 1003 127.0.3.7 $REALM)
check "32 racing registrations get no more than deny attempts" "ALLOW 3" \
	"$(echo "$out" | grep '^ALLOW')"
check "and exactly deny failures" 3 "$(failures 1003)"
$C user unlock 1003 > /dev/null 2>&1

# ---- guesses across extensions block the address ----
for ext in 2001 2002 2003 2004; do
	out=$(as www-data "CHECK sip $ext 127.0.4.5 $REALM MD5" 'RESULT $T wrong')
done
check "an unknown extension is answered like a known one" ALLOW \
	"$(as www-data "CHECK sip 2005 127.0.4.6 $REALM MD5" | cut -d' ' -f1)"
check "guesses across extensions block the address" "DENY throttled" \
	"$(as www-data "CHECK sip 1001 127.0.4.5 $REALM MD5")"
check "the block is listed" 1 \
	"$(sql "select count(*) from ip_blocks where ip = '127.0.4.5'")"

# ---- source-IP rules, realms, callers ----
$C rule add nojp --network 127.0.2.0/24 --action deny --service sip \
	> /dev/null 2>&1
check "a deny rule refuses before any challenge is answered" "DENY denied" \
	"$(as www-data "CHECK sip 1001 127.0.2.9 $REALM MD5")"
settled
check "the refusal is audited" 1 \
	"$(sql "select count(*) from audit where event = 'ip.denied' and
		subject = '1001' and details = 'rule=nojp'")"
check "another realm has no credentials" "DENY nosip" \
	"$(as www-data "CHECK sip 1001 127.0.1.5 other.test MD5")"
check "a caller not bound to the service" "DENY unbound" \
	"$(as nobody "CHECK sip 1001 127.0.1.5 $REALM MD5")"
check "is audited with its uid" 1 \
	"$(sql "select count(*) from audit where event = 'helper.refused' and
		details like 'uid=65534%'")"
check "a service not bound to www-data" "DENY unbound" \
	"$(as www-data "CHECK sipx 1001 127.0.1.5 $REALM MD5")"

# ---- the protocol refuses what it does not know ----
out=$(as www-data "CHECK sip 1001 127.0.1.5 $REALM" \
	"CHECK sip 1001 127.0.1.5 $REALM SHA-512" \
	"CHECK sip $(printf 'a%.0s' $(seq 300)) 127.0.1.5 $REALM MD5" \
	"CHECK sip 1001  127.0.1.5 $REALM MD5" 'RESULT 999999 ok' \
	"CHECK sip 1001 127.0.1.5 $REALM MD5" 'RESULT $T maybe' HELLO)
check "malformed requests are refused, the connection stays" \
	"DENY invalid|DENY invalid|DENY invalid|DENY invalid|ERROR unknown-token|ERROR malformed|ERROR malformed" \
	"$(echo "$out" | grep -v '^ALLOW' | tr '\n' '|' | sed 's/|$//')"
# A token is its connection's: another one cannot settle it.
tok=$(as www-data "CHECK sip 1001 127.0.1.5 $REALM MD5" | cut -d' ' -f2)
check "a token of a closed connection is gone" "ERROR unknown-token" \
	"$(as www-data "RESULT $tok wrong")"
check "and its attempt counted nothing" 0 "$(failures 1001)"

# ---- a new password is the next registration's ----
printf '%s\n' "$PW2" | $C passwd 1001 --password-stdin > /dev/null 2>&1
check "the next CHECK hands out the new HA1" "$(ha1 1001 "$PW2" md5)" \
	"$(as www-data "CHECK sip 1001 127.0.1.5 $REALM MD5" | cut -d' ' -f3)"
printf 'short\n' | $C passwd 1001 --password-stdin > /dev/null 2>&1
check "a weak extension password is refused when set" 4 "$?"

# ---- signals ----
as www-data "CHECK sip 1003 127.0.1.8 $REALM MD5" 'RESULT $T ok' > /dev/null
kill -TERM $DAEMON
wait $DAEMON
check "SIGTERM stops the daemon" 0 "$?"
check "after recording what was queued" 1 \
	"$(sql "select count(*) from logins where user = '1003' and success = 1")"
check "and taking its socket away" no "$([ -e "$SOCK" ] && echo yes || echo no)"

t_end
