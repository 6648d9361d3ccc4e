#!/bin/bash
# make bench, as root: full PAM transactions (bench/pamtx.c) side by side,
# for one throwaway user whose sha512crypt hash is in /etc/shadow:
# pam_permit (the floor), pam_unix alone, the stock stack (pam_faillock,
# pam_access with 20 rules, pam_lastlog over pam_unix), crmpolicy stacked
# over pam_unix (20 source-IP rules, geolocation and history on), and
# crmpolicy standalone at the cheapest and at the default argon2id cost.
#   1. wall clock: 1, 2, 8 and 32 processes, services interleaved round by
#      round, three runs, medians; failures and SQLITE_BUSY counted;
#   2. instructions per transaction under callgrind, (n=11 - n=1)/10;
#   3. password changes: crmpolicy's password stack and pwquality +
#      pwhistory over pam_unix;
#   4. scale: a store of 100,000 accounts and BENCH_SCALE_ROWS history and
#      audit rows (bench/bulkgen.c), the same transaction there, and the
#      cost of crmpasswd logins, audit --user, check and audit verify.
# Beside crmpolicy stacked (SQLite), the same stack with the store in
# PostgreSQL (a private cluster, scripts/pg-cluster.sh), over the unix
# socket, over TCP loopback with TLS, and through PgBouncer in session
# mode on a local socket (the pooler a fleet host would run), in the same
# interleaved rounds; their instructions and round trips per transaction
# too.
# BENCH_ONLY_PG=1 runs just pam_unix, crmpolicy stacked and the three
# PostgreSQL services side by side (a quick run, without 2. to 4.).
# Writes the tables for bench/RESULTS.md into OUT (BENCH_OUT) and the plot
# bench/pam-concurrency.png. The user, its lastlog record and its
# pwhistory lines go at the end, also after a failure or an interrupt.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench-pam.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$BUILD/bench/results}
RUNS=${BENCH_RUNS:-3}
ROUNDS=2
CONCS="1 2 8 32"
# transactions per service, concurrency and run
TX=${BENCH_PAM_TX:-160}
SCALE_ROWS=${BENCH_SCALE_ROWS:-10000000}
SCALE_ACCOUNTS=${BENCH_SCALE_ACCOUNTS:-100000}
PY=/usr/bin/python3
ONLY_PG=${BENCH_ONLY_PG:-0}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-pam: skipped: the benchmark adds a user to /etc/shadow (sudo make bench)"
	exit 0
fi
"$TOP/scripts/install-deps.sh" libpam-modules libpam-pwquality passwd login \
	sqlite3 valgrind gnuplot-nox postgresql-15 pgbouncer openssl strace
PAMTX="$BUILD/bench/pamtx"
MOD="$BUILD/pam_crmpolicy.so"
# BENCH_ONLY_PG=1 needs neither the scale store's generator nor the KDF's.
needed="$PAMTX $MOD $BUILD/crmpasswd"
[ "$ONLY_PG" = 1 ] || needed="$needed $BUILD/bench/bulkgen $BUILD/bench/kdf"
for f in $needed; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "bench-pam: $f is missing (make all bench)" >&2; exit 1; }
done
mkdir -p "$OUT"

dir=$(mktemp -d)
user="crmbench$$"
added=""
pgdir=""
opasswd=/etc/security/opasswd
had_opasswd=0
[ -e "$opasswd" ] && had_opasswd=1
cleanup() {
	if [ -n "$added" ]; then
		lastlog -C -u "$user" >/dev/null 2>&1 || true
		userdel "$user" 2>/dev/null || true
		if [ -e "$opasswd" ]; then
			sed -i "/^$user:/d" "$opasswd"
			[ "$had_opasswd" = 1 ] || [ -s "$opasswd" ] || rm -f "$opasswd"
		fi
	fi
	[ -z "$pgdir" ] || "$TOP/scripts/pg-cluster.sh" stop "$pgdir" >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
chmod 700 "$dir"

# ---- the user, the stores and the stacks ----
PW='Bench#Pass42'
useradd -M -N -s /usr/sbin/nologin "$user"
added=1
printf '%s:%s\n' "$user" "$PW" | chpasswd -c SHA512
hash=$(getent shadow "$user" | cut -d: -f2)
case $hash in '$6$'*) ;; *) echo "bench-pam: not a sha512crypt hash" >&2; exit 1 ;; esac

# conf NAME EXTRA [DB]: a crmpolicy.conf for the store NAME, a SQLite file
# of its own unless DB says where.
conf() {
	mkdir -m 700 -p "$dir/$1"
	cat > "$dir/$1.conf" <<EOF
db = ${3:-$dir/$1/crmpolicy.db}
key_file = $dir/crmpolicy.key
badwords_file = $TOP/etc/crmpolicy.badwords
geoip_city_db = $TOP/tests/data/geo-city-test.mmdb
geoip_asn_db = $TOP/tests/data/geo-asn-test.mmdb
backup_warn_days = 0
$2
EOF
}
crm() { local c=$1; shift; "$BUILD/crmpasswd" --conf "$dir/$c.conf" "$@"; }
# store NAME: a fresh store with the 20 rules (none matches a loopback
# address; the default row allows) and, standalone, the user's password.
store() {
	rm -rf "${dir:?}/$1"
	mkdir -m 700 "$dir/$1"
	crm "$1" init >/dev/null
	for i in $(seq 1 20); do
		crm "$1" rule add "net$i" --network "10.$i.0.0/16" --action deny >/dev/null
	done
	if [ "$1" != stacked ]; then
		printf '%s\n' "$PW" | crm "$1" user add "$user" --password-stdin >/dev/null
		sqlite3 "$dir/$1/crmpolicy.db" "UPDATE accounts SET must_change = 0"
	fi
	sqlite3 "$dir/$1/crmpolicy.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
}
conf stacked ""
conf cheap $'hash_opslimit = 1\nhash_memlimit = 8192'
conf default ""
for s in stacked cheap default; do store "$s"; done
for s in stacked cheap default; do cp -a "$dir/$s" "$dir/$s.empty"; done
# fresh NAME...: the stores back to what store made, the tallies emptied.
fresh() {
	local s
	for s in "$@"; do
		rm -rf "${dir:?}/$s"
		cp -a "$dir/$s.empty" "$dir/$s"
	done
	rm -rf "$dir/faillock"
	mkdir -m 700 "$dir/faillock"
}
mkdir -m 700 "$dir/faillock"

# The PostgreSQL stores: a cluster in the run's directory, run by its own
# system user, which must pass through the directory to reach it (0711:
# what is private here is in 0700 directories or 0600 files). One
# database for each service, so that neither sees the other's rows.
chmod 711 "$dir"
pgdir="$dir/pg"
PG_BIN_DIR=${PG_BIN:-/usr/lib/postgresql/15/bin}
eval "$("$TOP/scripts/pg-cluster.sh" start "$pgdir" auto)"
eval "$("$TOP/scripts/pg-cluster.sh" createdb "$pgdir" crm_pgsock)"
pg_sock_url=$PGSOCK_URL
eval "$("$TOP/scripts/pg-cluster.sh" createdb "$pgdir" crm_pgtcp)"
pg_tcp_url=$PGTCP_URL
eval "$("$TOP/scripts/pg-cluster.sh" createdb "$pgdir" crm_pgpool)"
# PgBouncer in session mode on a socket of its own (pg-cluster.sh pool),
# as the README's fleet set-up has it: each client gets one server
# connection for its whole session, so the module's prepared statements
# work as over the direct socket, and its reset keeps them for the next
# client, whose backend is already running with its catalog cached.
eval "$("$TOP/scripts/pg-cluster.sh" pool "$pgdir" 40)"
pg_pool_url="$PGPOOL_URL dbname=crm_pgpool user=crm"
conf pgsock "" "$pg_sock_url"
conf pgtcp "" "$pg_tcp_url"
conf pgpool "" "$pg_pool_url"
for s in pgsock pgtcp pgpool; do
	crm "$s" init >/dev/null
	for i in $(seq 1 20); do
		crm "$s" rule add "net$i" --network "10.$i.0.0/16" --action deny >/dev/null
	done
done

# pam_access: the same 20 networks refused, then everyone else allowed.
for i in $(seq 1 20); do echo "- : ALL : 10.$i.0.0/16"; done > "$dir/access.conf"
echo "+ : ALL : ALL" >> "$dir/access.conf"

P="$dir/pam.d"
mkdir "$P"
# libpam reads "other" when it starts a handle; without one it logs.
for t in auth account password session; do echo "$t required pam_deny.so"; done > "$P/other"
for t in auth account password session; do echo "$t required pam_permit.so"; done > "$P/permit"
cat > "$P/unix" <<EOF
auth     required  pam_unix.so
account  required  pam_unix.so
password required  pam_unix.so sha512
session  required  pam_unix.so
EOF
# As pam_faillock(8) and pam_access(8) stack them over pam_unix; pam_lastlog
# with nowtmp, so that the host's wtmp does not grow (crmpolicy writes none).
F="dir=$dir/faillock"
cat > "$P/stock" <<EOF
auth     requisite                  pam_faillock.so preauth $F
auth     [success=1 default=bad]    pam_unix.so
auth     [default=die]              pam_faillock.so authfail $F
auth     sufficient                 pam_faillock.so authsucc $F
auth     required                   pam_deny.so
account  required                   pam_access.so accessfile=$dir/access.conf
account  required                   pam_faillock.so $F
account  required                   pam_unix.so
session  required                   pam_unix.so
session  optional                   pam_lastlog.so nowtmp
password requisite                  pam_pwquality.so retry=1
password required                   pam_pwhistory.so use_authtok remember=3
password [success=1 default=ignore] pam_unix.so obscure use_authtok try_first_pass sha512
password requisite                  pam_deny.so
password required                   pam_permit.so
EOF
# The profile's lines (etc/pam-configs/crmpolicy) as pam-auth-update
# writes them, "end" made a jump past its pam_deny, with pam_unix's own
# account and session lines.
C="$MOD conf=$dir/stacked.conf"
cat > "$P/crm-stacked" <<EOF
auth     requisite                  $C preauth
auth     [success=1 default=ignore] pam_unix.so
auth     [default=die]              $C authfail
auth     [success=1 default=die]    $C authsucc
auth     requisite                  pam_deny.so
auth     required                   pam_permit.so
account  required                   pam_unix.so
account  required                   $C
session  required                   pam_unix.so
session  optional                   $C
password requisite                  $C
password [success=1 default=ignore] pam_unix.so use_authtok sha512
password requisite                  pam_deny.so
password required                   $C commit
EOF
for s in cheap default; do
	for t in auth account password session; do
		echo "$t required $MOD conf=$dir/$s.conf"
	done > "$P/crm-$s"
done
sed "s|$dir/stacked.conf|$dir/pgsock.conf|" "$P/crm-stacked" > "$P/crm-pg-sock"
sed "s|$dir/stacked.conf|$dir/pgtcp.conf|" "$P/crm-stacked" > "$P/crm-pg-tcp"
sed "s|$dir/stacked.conf|$dir/pgpool.conf|" "$P/crm-stacked" > "$P/crm-pg-pool"
PG_SVCS="crm-pg-sock crm-pg-tcp crm-pg-pool"
if [ "$ONLY_PG" = 1 ]; then
	LOGIN_SVCS="unix crm-stacked $PG_SVCS"
else
	LOGIN_SVCS="permit unix stock crm-stacked crm-cheap crm-default $PG_SVCS"
fi

# Every service must log the user in before anything is measured.
for s in $LOGIN_SVCS; do
	if ! printf '%s\n' "$PW" | "$PAMTX" --confdir "$P" --user "$user" --procs 0 \
			--tx 1 --first 999999 "$s" > "$dir/probe.out"; then
		echo "bench-pam: $s does not log $user in" >&2
		exit 1
	fi
done

# ---- 1. wall clock ----
echo "PAM transactions, side by side: $RUNS runs of $ROUNDS interleaved rounds, about $TX transactions per service and concurrency in each run (at ${SECONDS} s)"
: > "$dir/wall.txt"
k=0
for run in $(seq 1 "$RUNS"); do
	for c in $CONCS; do
		per=$(( (TX + c * ROUNDS - 1) / (c * ROUNDS) ))
		[ "$per" -ge 2 ] || per=2
		k=$((k + 1))
		printf '%s\n' "$PW" | "$PAMTX" --confdir "$P" --user "$user" --procs "$c" \
			--tx "$per" --rounds "$ROUNDS" --first $((k * 100000)) $LOGIN_SVCS |
			sed "s/^/$run /" >> "$dir/wall.txt"
	done
done

# ---- PostgreSQL: instructions and round trips ----
# In one process, on the stores as the rounds left them (the user known
# to each), N=1 and N=11 transactions, the difference over 10 as above.
# pg_kept SERVICE N FIRST: instructions under callgrind; the server's
# work is in its own processes and not counted.
pg_kept() {
	local f="$dir/callgrind.$1.$2.pg"
	printf '%s\n' "$PW" | valgrind --tool=callgrind --callgrind-out-file="$f" \
		"$PAMTX" --confdir "$P" --user "$user" --procs 0 --tx "$2" --first "$3" \
		"$1" > /dev/null 2> "$f.log" ||
		{ echo "bench-pam: callgrind $1 $2:" >&2; tail -5 "$f.log" >&2; exit 1; }
	sed -n 's/^summary: \([0-9]*\).*/\1/p' "$f"
}
# pg_trace SERVICE N FIRST: the connects, sends and closes under strace,
# with the first byte of each send, the message type of the protocol,
# from which the report counts the requests to the server: each send to
# it but a Terminate waits for its answer, one round trip.
pg_trace() {
	printf '%s\n' "$PW" | strace -f -qq -e trace=connect,sendto,recvfrom,close -e signal=none \
		-s 1 -o "$dir/strace.$1.$2" "$PAMTX" --confdir "$P" --user "$user" \
		--procs 0 --tx "$2" --first "$3" "$1" > /dev/null
}
echo "PostgreSQL: instructions and round trips per transaction (at ${SECONDS} s)"
: > "$dir/pg-icount.txt"
for s in crm-stacked crm-pg-sock crm-pg-pool; do
	echo "$s $(pg_kept "$s" 1 9500000) $(pg_kept "$s" 11 9600000)" >> "$dir/pg-icount.txt"
done
for s in $PG_SVCS; do
	pg_trace "$s" 1 9700000
	pg_trace "$s" 11 9800000
done
echo "$(cat "$pgdir/port") 6432" > "$dir/pg-port.txt"
# One round trip with nothing to do: pgbench's prepared SELECT 1 from one
# client, straight to the server's socket and through PgBouncer's.
echo 'SELECT 1;' > "$dir/select1.sql"
rtt() {
	"$PG_BIN_DIR/pgbench" -n -M prepared -f "$dir/select1.sql" -t 5000 -c 1 \
		-h "$1" -p "$2" -U crm "$3" 2>/dev/null |
		sed -n 's/^latency average = \([0-9.]*\) ms$/\1/p'
}
echo "$(rtt "$pgdir" "$(cat "$pgdir/port")" crm_pgsock) $(rtt "$pgdir/pool" 6432 crm_pgpool)" > "$dir/pg-rtt.txt"
pg_version=$("$PG_BIN_DIR/postgres" --version | sed 's/^[^)]*) \([^ ]*\).*/\1/')
machine() {
	echo "Last run: $(date -u +%F), tree at $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown);" \
		"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores," \
		"Linux $(uname -r), $(. /etc/os-release && echo "$PRETTY_NAME"), SQLite $(sqlite3 --version | cut -d' ' -f1)," \
		"Linux-PAM $(dpkg-query -W -f '${Version}' libpam-modules), valgrind $(valgrind --version | sed 's/valgrind-//')."
}
export PAMTX_OUT="$OUT" PAMTX_DIR="$dir"
report_pg() {
	{
		machine
		echo "PostgreSQL $pg_version on the same machine; $RUNS runs, $TX transactions per service and concurrency in each$([ "$ONLY_PG" = 1 ] && echo ", BENCH_ONLY_PG=1 (pam_unix, crmpolicy stacked and these three alone)")."
	} > "$dir/pg-machine.txt"
	$PY "$TOP/scripts/bench-pam-report.py" pg "$RUNS" "$TX"
}
if [ "$ONLY_PG" = 1 ]; then
	report_pg
	$PY "$TOP/scripts/bench-pam-report.py" targets
	exit 0
fi

# store growth: bytes of the stacked store per login it recorded
sqlite3 "$dir/stacked/crmpolicy.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
growth_logins=$(sqlite3 "$dir/stacked/crmpolicy.db" "SELECT coalesce(sum(count), 0) FROM logins")
growth_bytes=$(( $(stat -c %s "$dir/stacked/crmpolicy.db") - $(stat -c %s "$dir/stacked.empty/crmpolicy.db") ))

# one verification at the default argon2id cost, for the KDF-bound limit
kdf_ms=$("$BUILD/bench/kdf" 20)

# ---- 2. instructions per transaction ----
# icount SERVICE N [chauthtok]: instructions of N transactions in one
# process under callgrind, from fresh stores (and, for changes, the
# original hash and no pwhistory lines); the profile is kept.
icount() {
	local f="$dir/callgrind.$1.$2${3:+.$3}"
	fresh stacked cheap default
	if [ -n "${3:-}" ]; then
		usermod -p "$hash" "$user"
		[ ! -e "$opasswd" ] || sed -i "/^$user:/d" "$opasswd"
	fi
	printf '%s\n' "$PW" | valgrind --tool=callgrind --callgrind-out-file="$f" \
		"$PAMTX" --confdir "$P" --user "$user" --procs 0 --tx "$2" --first 0 \
		${3:+--chauthtok} "$1" > /dev/null 2> "$f.log" ||
		{ echo "bench-pam: callgrind $1 $2:" >&2; tail -5 "$f.log" >&2; exit 1; }
	sed -n 's/^summary: \([0-9]*\).*/\1/p' "$f"
}
echo "instructions per transaction under callgrind (at ${SECONDS} s)"
: > "$dir/icount.txt"
for s in permit unix stock crm-stacked crm-cheap; do
	echo "$s $(icount "$s" 1) $(icount "$s" 11)" >> "$dir/icount.txt"
done
for n in 1 11; do
	callgrind_annotate --inclusive=yes --threshold=100 \
		"$dir/callgrind.crm-stacked.$n" > "$dir/profile.$n.txt" 2>/dev/null
done

# ---- 3. password changes ----
echo "password changes (chauthtok) (at ${SECONDS} s)"
: > "$dir/chpw.txt"
: > "$dir/chpw-icount.txt"
for s in unix stock crm-stacked; do
	fresh stacked
	[ ! -e "$opasswd" ] || sed -i "/^$user:/d" "$opasswd"
	printf '%s\n' "$PW" | "$PAMTX" --confdir "$P" --user "$user" --chauthtok \
		--tx "${BENCH_CHPW_TX:-20}" --first 5000000 "$s" >> "$dir/chpw.txt"
	echo "$s $(icount "$s" 1 chauthtok) $(icount "$s" 11 chauthtok)" >> "$dir/chpw-icount.txt"
done
usermod -p "$hash" "$user"

# ---- 4. scale ----
# The same stacked stack over a store of SCALE_ACCOUNTS accounts and
# SCALE_ROWS history and audit rows, beside the empty one, in one run.
echo "scale: $SCALE_ACCOUNTS accounts, $SCALE_ROWS history and $SCALE_ROWS audit rows (at ${SECONDS} s)"
conf scale ""
read -r gen_s gen_bytes < <("$BUILD/bench/bulkgen" "$dir/scale.conf" "$SCALE_ACCOUNTS" "$SCALE_ROWS")
for i in $(seq 1 20); do
	crm scale rule add "net$i" --network "10.$i.0.0/16" --action deny >/dev/null
done
sed "s|$dir/stacked.conf|$dir/scale.conf|" "$P/crm-stacked" > "$P/crm-scale"
fresh stacked
# One login each first: the user is known to both stores before the counts.
for s in crm-stacked crm-scale; do
	printf '%s\n' "$PW" | "$PAMTX" --confdir "$P" --user "$user" --procs 0 --tx 1 \
		--first 8000000 "$s" > /dev/null
done
# icount_kept SERVICE N FIRST: as icount, on the stores as they are.
icount_kept() {
	local f="$dir/callgrind.$1.$2.kept"
	printf '%s\n' "$PW" | valgrind --tool=callgrind --callgrind-out-file="$f" \
		"$PAMTX" --confdir "$P" --user "$user" --procs 0 --tx "$2" --first "$3" \
		"$1" > /dev/null 2> "$f.log" ||
		{ echo "bench-pam: callgrind $1 $2:" >&2; tail -5 "$f.log" >&2; exit 1; }
	sed -n 's/^summary: \([0-9]*\).*/\1/p' "$f"
}
: > "$dir/scale-icount.txt"
for s in crm-stacked crm-scale; do
	echo "$s $(icount_kept "$s" 1 9000000) $(icount_kept "$s" 11 9100000)" >> "$dir/scale-icount.txt"
done
: > "$dir/scale-wall.txt"
for run in $(seq 1 "$RUNS"); do
	for c in 1 8; do
		k=$((k + 1))
		printf '%s\n' "$PW" | "$PAMTX" --confdir "$P" --user "$user" --procs "$c" \
			--tx $(( (TX + c * ROUNDS - 1) / (c * ROUNDS) )) --rounds "$ROUNDS" \
			--first $((k * 100000)) crm-stacked crm-scale | sed "s/^/$run /" >> "$dir/scale-wall.txt"
	done
done
# timed LABEL COMMAND...: the median wall time of BENCH_CLI_RUNS runs, in
# ms, and the lines the command printed.
timed() {
	local label=$1 t0 t1 i; shift
	for i in $(seq 1 "${BENCH_CLI_RUNS:-3}"); do
		t0=$(date +%s%N)
		"$@" > "$dir/cli.out" 2> "$dir/cli.err" ||
			{ echo "bench-pam: $label failed:" >&2; tail -5 "$dir/cli.err" >&2; exit 1; }
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 ))
	done > "$dir/cli.times"
	sort -n "$dir/cli.times" | awk -v l="$label" -v rows="$(wc -l < "$dir/cli.out")" \
		'{ v[NR] = $1 } END { printf "%s %.1f %d\n", l, v[int((NR + 1) / 2)] / 1000, rows }'
}
probe=bulk$(printf %06d $((SCALE_ACCOUNTS / 2)))
{
	timed logins crm scale logins "$probe"
	timed audit-user crm scale audit --user "$probe"
	# These two take seconds: once is enough.
	BENCH_CLI_RUNS=1 timed check crm scale check
	BENCH_CLI_RUNS=1 timed verify crm scale audit verify
} > "$dir/scale-cli.txt"
grep -q 'intact' "$dir/cli.out" || { echo "bench-pam: audit verify of the scale store:" >&2; cat "$dir/cli.out" >&2; exit 1; }
sqlite3 "$dir/scale/crmpolicy.db" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
echo "$gen_s $gen_bytes $(stat -c %s "$dir/scale/crmpolicy.db") $SCALE_ACCOUNTS $SCALE_ROWS $probe" > "$dir/scale-gen.txt"

# what the figures were taken on
machine > "$OUT/pam-machine.md"
$PY "$TOP/scripts/bench-pam-report.py" login "$RUNS" "$TX" "$kdf_ms" "$(nproc)" \
	"$growth_bytes" "$growth_logins"
$PY "$TOP/scripts/bench-pam-report.py" scale "$RUNS"
report_pg
$PY "$TOP/scripts/bench-pam-report.py" targets
