#!/bin/bash
# make bench: challenged REGISTERs through Kamailio 5.6 on loopback, driven
# by SIPp, in one run: (a) Kamailio checking the digest against one fixed
# password (bench/kamailio-fixed.cfg), (b) the shipped
# etc/kamailio/kamailio-crmpolicy.cfg asking the build tree's
# crmpolicy_registrar, with a temporary store of 1,000 extensions. Each at
# 1 and 8 concurrent SIPp clients (-users), three times; prints the median
# registrations per second and p99 latency. One registration is REGISTER,
# 401, REGISTER with the digest, 200: its latency is from the first
# REGISTER sent to the 200 received. Then the cost of a PAM login on the
# same store, alone and during an 8-client registration storm.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench-sip.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
USERS=${BENCH_SIP_USERS:-1000}
RUNS=3
# the tables for bench/RESULTS.md
OUT=${BENCH_OUT:-$BUILD/bench/results}
# calls per measurement, by concurrency (multiples of 100, SIPp's trace
# batch): a few seconds each
declare -A CALLS=([1]=${BENCH_SIP_CALLS1:-2000} [8]=${BENCH_SIP_CALLS8:-10000})

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-sip: skipped: Kamailio runs as kamailio and the daemon as root (sudo make bench)"
	exit 0
fi
"$TOP/scripts/install-deps.sh" kamailio kamailio-lua-modules lua-socket sip-tester sqlite3
DAEMON="$BUILD/crmpolicy_registrar"
CRMPASSWD="$BUILD/crmpasswd"
PRELOAD="$BUILD/bench/fineclock.so"
for f in "$DAEMON" "$CRMPASSWD" "$PRELOAD"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "bench-sip: $f is missing (make all bench)" >&2; exit 1; }
done

dir=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill -TERM -- "-$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		while kill -0 -- "-$p" 2>/dev/null; do sleep 0.1; done
	done
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
# kamailio reaches the socket and the Lua glue; the store stays root's.
chmod 755 "$dir"
mkdir -m 700 "$dir/store"
mkdir -m 755 "$dir/kam"
chown kamailio:kamailio "$dir/kam"
realm=bench.test
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The store: USERS extensions in group phones, whose policy sets sip_realm,
# each with the temporary password an import gives (the HA1 is derived
# with it), the forced change cleared as for a provisioned phone.
conf="$dir/crmpolicy.conf"
cat > "$conf" <<EOF
db = $dir/store/crmpolicy.db
key_file = $dir/store/crmpolicy.key
badwords_file = $dir/none
hash_opslimit = 1
hash_memlimit = 8192
helper_services = sip:kamailio
geoip_city_db = $TOP/tests/data/geo-city-test.mmdb
geoip_asn_db = $TOP/tests/data/geo-asn-test.mmdb
notify_new_ip = no
backup_warn_days = 0
EOF
crm() { "$CRMPASSWD" --conf "$conf" "$@"; }
crm init >/dev/null
crm group add phones >/dev/null
crm policy set --group phones "sip_realm=$realm" >/dev/null
{ echo username,groups; seq -f 'ext%g,phones' 1000 $((999 + USERS)); } > "$dir/users.csv"
crm import "$dir/users.csv" --passwords-to "$dir/passwords.csv" >/dev/null
sqlite3 "$dir/store/crmpolicy.db" "UPDATE accounts SET must_change = 0"
# SIPp's injection file: user; its [authentication] keyword; domain.
inf() {
	echo SEQUENTIAL
	tail -n +2 "$dir/passwords.csv" | tr -d '\r' | while IFS=, read -r u p; do
		echo "$u;[authentication username=$u password=${1:-$p}];$realm"
	done
}
inf > "$dir/policy.csv"
inf 'Bench#Pass42' > "$dir/fixed.csv"

# start LABEL ARGV...: a program in its own process group, logging to a file.
start() {
	local label=$1; shift
	setsid "$@" > "$dir/$label.log" 2>&1 &
	pids+=($!)
}
stop_last() {
	local p=${pids[-1]}
	kill -TERM -- "-$p" 2>/dev/null || true
	while kill -0 -- "-$p" 2>/dev/null; do sleep 0.1; done
	unset 'pids[-1]'
}
kamailio_start() {
	local label=$1 cfg=$2; shift 2
	kport=$(port)
	start "$label" kamailio -DD -E -f "$cfg" -Y "$dir/kam" -u kamailio -g kamailio \
		-m 128 -M 16 -A "CRM_LISTEN=udp:127.0.0.1:$kport" -A "CRM_REALM=\"$realm\"" "$@"
	for _ in $(seq 100); do
		ss -Hlun "sport = :$kport" | grep -q . && return 0
		sleep 0.1
	done
	echo "bench-sip: $label does not listen:" >&2
	tail -20 "$dir/$label.log" >&2
	exit 1
}

# measure LABEL INF USERS: one SIPp run; prints "rate p99" (per second, ms)
# from its response-time trace: every registration's end time and latency.
measure() {
	local label=$1 inf=$2 users=$3 run="$dir/run-$1-$3-$RANDOM"
	mkdir "$run"
	(cd "$run" && LD_PRELOAD="$PRELOAD" timeout 120 sipp -sf "$TOP/tests/e2e/sip/register.xml" \
		-inf "$inf" -i 127.0.1.5 -p 0 -users "$users" -m "${CALLS[$users]}" -nostdin \
		-trace_rtt -rtt_freq 100 -trace_stat -stf stat.csv -fd 60 \
		"127.0.0.1:$kport" > sipp.out 2>&1) || {
		echo "bench-sip: SIPp failed ($label, $users clients):" >&2
		tail -20 "$run/sipp.out" >&2
		exit 1
	}
	/usr/bin/python3 - "$run" "${CALLS[$users]}" <<'EOF'
import glob, sys
run, want = sys.argv[1], int(sys.argv[2])
rows = [ln.split(';') for f in glob.glob(run + '/*_rtt.csv') for ln in open(f)][1:]
rows = [(float(d), float(r)) for d, r, *_ in rows if d[0].isdigit()]
with open(run + '/stat.csv') as f:
    head, *_, last = [ln.rstrip('\n').split(';') for ln in f]
stat = dict(zip(head, last))
bad = int(stat['FailedCall(C)'])
if len(rows) != want or bad:
    sys.exit(f'{len(rows)} registrations traced, {bad} failed, wanted {want} and none')
ends = sorted(d for d, _ in rows)
lat = sorted(r for _, r in rows)
rate = (len(ends) - 1) / ((ends[-1] - ends[0]) / 1000)
print(f'{rate:.0f} {lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.2f}')
EOF
}

# series LABEL INF: RUNS measurements at 1 and 8 clients; prints medians.
series() {
	local label=$1 inf=$2 users out
	for users in 1 8; do
		out=""
		for _ in $(seq $RUNS); do
			out+=$(measure "$label" "$inf" "$users")$'\n'
		done
		printf %s "$out" | /usr/bin/python3 -c '
import statistics, sys
label, users = sys.argv[1], sys.argv[2]
runs = [tuple(map(float, ln.split())) for ln in sys.stdin]
rates = ", ".join(f"{r:.0f}" for r, _ in runs)
rate, p99 = statistics.median(r for r, _ in runs), statistics.median(p for _, p in runs)
print(f"{label:<34} {users} client(s): {rate:6.0f} registrations/s"
      f" (runs {rates}), p99 {p99:5.2f} ms")
with open(sys.argv[3], "a") as f:
    f.write(f"| {label} | {users} | {rate:,.0f} (runs {rates}) | {p99:.2f} ms |\n")
' "$label" "$users" "$OUT/sip.md"
	done
}

mkdir -p "$OUT"
{ echo '| registrar | clients | registrations/s | p99 |'; echo '|---|---|---|---|'; } > "$OUT/sip.md"
echo "REGISTER benchmark: Kamailio $(kamailio -v | sed -n 's/^version: kamailio \([^ ]*\).*/\1/p'), SIPp $(sipp -v 2>&1 | sed -n 's/.*SIPp v\([0-9.]*\).*/\1/p'), $USERS extensions, medians of $RUNS runs"
kamailio_start kamailio-fixed "$TOP/bench/kamailio-fixed.cfg"
series "fixed password (no policy)" "$dir/fixed.csv"
stop_last

cp "$TOP/etc/kamailio/crmpolicy.lua" "$dir/crmpolicy.lua"
chmod 644 "$dir/crmpolicy.lua"
start crmpolicy_registrar "$DAEMON" --conf "$conf" --socket "$dir/registrar.sock" --foreground
for _ in $(seq 100); do [ -S "$dir/registrar.sock" ] && break; sleep 0.1; done
[ -S "$dir/registrar.sock" ] || { echo "bench-sip: no daemon socket" >&2; tail -20 "$dir/crmpolicy_registrar.log" >&2; exit 1; }
kamailio_start kamailio-crmpolicy "$TOP/etc/kamailio/kamailio-crmpolicy.cfg" \
	-A "CRM_SOCKET=\"$dir/registrar.sock\"" -A "CRM_LUA=\"$dir/crmpolicy.lua\""
series "crmpolicy (crmpolicy_registrar)" "$dir/policy.csv"

# Other services during a registration storm: a PAM login (standalone, the
# cheapest argon2id cost) on the same store, alone and while 8 SIPp
# clients register every extension.
printf 'Bench#Login42\n' | crm user add benchlogin --password-stdin >/dev/null
sqlite3 "$dir/store/crmpolicy.db" "UPDATE accounts SET must_change = 0 WHERE name = 'benchlogin'"
mkdir "$dir/pam"
for t in auth account password session; do
	echo "$t required $BUILD/pam_crmpolicy.so conf=$conf"
done > "$dir/pam/bench"
for t in auth account password session; do echo "$t required pam_deny.so"; done > "$dir/pam/other"
login() {
	printf 'Bench#Login42\n' | "$BUILD/bench/pamtx" --confdir "$dir/pam" --user benchlogin \
		--procs 0 --tx 200 bench | awk '{ printf "%d transactions: median %s ms, p99 %s ms", $6, $4, $5 }'
}
alone=$(login)
measure storm "$dir/policy.csv" 8 > "$dir/storm.out" &
storm=$!
sleep 0.5
busy=$(login)
wait "$storm" || { echo "bench-sip: the storm's SIPp run failed" >&2; exit 1; }
echo "a PAM login on the same store, alone:              $alone"
echo "the same during an 8-client registration storm:    $busy (storm: $(cut -d' ' -f1 "$dir/storm.out") registrations/s)"
{
	echo '| a PAM login on the same store (standalone, cheapest argon2id) | |'
	echo '|---|---|'
	echo "| alone | $alone |"
	echo "| during an 8-client registration storm ($(cut -d' ' -f1 "$dir/storm.out") registrations/s) | $busy |"
} > "$OUT/sip-storm.md"
stop_last
stop_last
# The daemon has written its last batch of successes when it stopped.
IFS='|' read -r n logged failed < <(sqlite3 "$dir/store/crmpolicy.db" \
	"SELECT count(*), sum(last_login > 0), sum(failures > 0) FROM accounts")
echo "extensions: $n, with a recorded login: $logged, with a failure count: $failed"
