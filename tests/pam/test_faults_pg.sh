#!/bin/bash
# Fault injection, PostgreSQL store: the module with its store on a
# server that cannot be reached, that is stopped, that restarts while a
# login waits in the middle of a transaction, whose write lock another
# session holds, and that fails over to a standby. Each fault must end in
# a refusal (PAM_AUTHINFO_UNAVAIL, pamdrive's exit code 9) with exactly
# one syslog line naming the server and the step, nothing half-written
# (crmpasswd audit verify passes, counts as before), and the next login,
# once the server is back, must succeed.
#
# The script starts its own throwaway cluster (scripts/pg-cluster.sh) and
# a standby of it (pg_basebackup); when its cluster cannot start it uses
# CRM_TEST_PG's server for what needs no control of the server, and
# skips the rest. Without either, everything is skipped.
#
# What the module did (pamdrive's exit code, then its one syslog line;
# SOCK is the cluster's socket directory):
#  unreachable (host=127.0.0.1 port=1)
#    wrong password        9  refusing: store postgresql 127.0.0.1/crmpolicy:
#                             cannot connect: connection to server at
#                             "127.0.0.1", port 1 failed: Connection refused
#    crmpasswd user add       exit 5, crmpasswd: store postgresql ...: the
#                             same reason
#  the cluster stopped
#    wrong password        9  refusing: store postgresql SOCK/crmpolicy:
#                             cannot connect: connection to server on socket
#                             "SOCK/.s.PGSQL.PORT" failed: No such file or
#                             directory
#    started again         0  (the right password)
#  restarted while a login waits for the write lock (held by a psql
#  session: pg_advisory_xact_lock(1668443504, hashtext(current_schema())))
#    the waiting login     9  refusing: store postgresql SOCK/crmpolicy:
#                             starting a transaction: server closed the
#                             connection unexpectedly (or: terminating
#                             connection due to administrator command)
#    the next login        0
#  the write lock held by a session that does not end
#    lock_timeout 1 s set in the connection string
#                          9  refusing: store postgresql SOCK/crmpolicy:
#                             starting a transaction: ERROR:  canceling
#                             statement due to lock timeout  (after 1 s)
#    the default           9  the same line after 15 s
#    Before the fix of commit 'PostgreSQL: a writer waits at most 15 s for
#    the fleet's write lock', the login waited for as long as the session
#    held the lock.
#  failover (target_session_attrs=read-write)
#    host list: a closed port, then the cluster
#                          7/0  the wrong password counted, the right one in
#    the standby alone     9  refusing: store postgresql SOCK2/crmpolicy:
#                             reserving an attempt: ERROR:  cannot execute
#                             DELETE in a read-only transaction
#    host list: the standby, then the primary
#                          0  (the standby passed over)
#    primary stopped, standby promoted, the same host list
#                          7/0  on the promoted standby, with the count of
#                             before the failover
# tests/unit/test_db.c covers the multi-host string at the storage level
# (its first host down); this is the same through the module.
# Usage: tests/pam/test_faults_pg.sh BUILD_DIR    (as root)
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"
t_need_root
t_begin test_faults_pg crmfpg
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGSSLMODE PGOPTIONS PGCONNECT_TIMEOUT \
	PGTARGETSESSIONATTRS
START=$SECONDS
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PSQL=$PG_BIN/psql
[ -x "$PSQL" ] || PSQL=psql
INIT='Init1al!Pw' PW='Corr3ct!Horse' WRONG='Wr0ng!Guess'
PGDIR=$TMP/pg STANDBY=$TMP/pg2
OWN=0 HOLDER="" HANG=""

stop_all() {
	[ -n "$HOLDER" ] && kill "$HOLDER" 2> /dev/null
	[ -n "${HANG_HOLDER:-}" ] && kill "$HANG_HOLDER" 2> /dev/null
	[ -n "$HANG" ] && kill "$HANG" 2> /dev/null
	if [ -f "$STANDBY/data/PG_VERSION" ]; then
		runuser -u "$(stat -c %U "$STANDBY/data")" -- "$PG_BIN/pg_ctl" \
			stop -D "$STANDBY/data" -m immediate > /dev/null 2>&1
	fi
	[ "$OWN" = 1 ] && "$TOP/scripts/pg-cluster.sh" stop "$PGDIR" \
		> /dev/null 2>&1
	[ -n "${FALLBACK_DB:-}" ] && "$PSQL" -X -q "$CRM_TEST_PG" \
		-c "DROP DATABASE IF EXISTS $FALLBACK_DB WITH (FORCE)" \
		> /dev/null 2>&1
}
trap 'stop_all; rm -rf "$TMP"' EXIT INT TERM

if env=$("$TOP/scripts/pg-cluster.sh" start "$PGDIR" auto 2> "$TMP/pg.log"); then
	eval "$env"
	OWN=1
	PORT=$(cat "$PGDIR/port")
	PGUSER_OS=$(stat -c %U "$PGDIR/data")
	BASE=$PGSOCK_URL SU=$PGSUPER_URL
elif [ -n "${CRM_TEST_PG:-}" ]; then
	echo "# pg-cluster.sh cannot start a cluster: $(tail -n 1 "$TMP/pg.log")"
	echo "# using CRM_TEST_PG's server, without stopping or restarting it"
	FALLBACK_DB=crmfaults_$$
	"$PSQL" -X -q "$CRM_TEST_PG" -c "CREATE DATABASE $FALLBACK_DB" \
		> /dev/null || { echo "cannot create $FALLBACK_DB"; exit 1; }
	BASE="$CRM_TEST_PG dbname=$FALLBACK_DB" SU=$BASE
else
	echo "ok # skip PostgreSQL faults: no CRM_TEST_PG and" \
		"scripts/pg-cluster.sh cannot start: $(tail -n 1 "$TMP/pg.log")"
	t_end
	exit
fi
psql_su() { "$PSQL" -X -q -At "$SU" "$@"; }

# use NAME DB: CONF ($TMP/NAME.conf) with the store DB, and the PAM
# service NAME with it.
use() {
	CONF=$TMP/$1.conf
	t_conf "$2" '' 'ip_deny = 0' 'deny = 1000'
	t_pamd "$1"
	SVC=$1
}

# wdrive ARGS...: pamdrive under pam_wrapper, the module's syslog lines on
# stderr (see test_faults.sh).
wdrive() {
	env PAM_WRAPPER=1 PAM_WRAPPER_DEBUGLEVEL=2 \
		PAM_WRAPPER_SERVICE_DIR="$TMP/pam.d" LD_PRELOAD=libpam_wrapper.so \
		UID_WRAPPER_DISABLE_DEEPBIND=1 "$BUILD/tests/pamdrive" "$@"
}

# try NAME WANT ANSWERS DRIVE-ARGS...: one run; out and err kept.
try() {
	local name=$1 want=$2 answers=$3
	shift 3
	printf '%b' "$answers" | wdrive "$@" > "$TMP/out" 2> "$TMP/err"
	RC=$?
	check "$name: exit $want" "$want" "$RC" "$(cat "$TMP/out" "$TMP/err")"
}

errlines() {
	grep -a 'SYSLOG([0-4])' "$1" | grep -v '_pam_init_handlers' |
		sed 's/.*SYSLOG([0-9]): //'
}

# one_line NAME PATTERN... [< FILE]: exactly one error line (in FILE, by
# default the last run's err), matching every PATTERN (grep -E).
one_line() {
	local name=$1 got n
	shift
	got=$(errlines "${ERRFILE:-$TMP/err}")
	one_syslog_line "$name" "$got" "$@"
}

# The store's state: alice's count, the audit rows.
state() {
	psql_su -c "select (select failures from accounts where name = 'alice')
		|| '/' || (select count(*) from audit)"
}
verify() {
	crm audit verify > /dev/null 2>&1
	check "$1: audit verify" 0 "$?"
}

# hold DB-URL: a psql session that holds the store's write lock (the
# advisory lock every writer takes at BEGIN) until release ends it;
# HOLDER is its pid. (Ended by the server, not by closing its input: the
# servers started meanwhile would inherit the pipe.)
hold() {
	HOLD_URL=$1
	"$PSQL" -X -q -At "$1 application_name=crmholder" -c "BEGIN;
		SELECT pg_advisory_xact_lock(1668443504, hashtext(current_schema()));
		SELECT pg_sleep(600)" > /dev/null 2>&1 &
	HOLDER=$!
	for _ in $(seq 50); do
		[ "$("$PSQL" -X -At "$1" -c "select count(*) from pg_locks
			l join pg_stat_activity a using (pid) where l.locktype =
			'advisory' and l.granted and a.application_name =
			'crmholder' and a.datname = current_database()")" = 1 ] &&
			return 0
		sleep 0.1
	done
	not_ok "the write lock could not be taken"
}
release() {
	"$PSQL" -X -q -At "$HOLD_URL" -c "select
		pg_terminate_backend(pid) from pg_stat_activity where
		application_name = 'crmholder' and datname = current_database()" \
		> /dev/null 2>&1
	wait "$HOLDER" 2> /dev/null
	HOLDER=""
}
# waiting DB-URL: a crmpolicy session waits for a lock (5 s at most).
waiting() {
	for _ in $(seq 50); do
		[ "$("$PSQL" -X -At "$1" -c "select count(*) from
			pg_stat_activity where application_name = 'crmpolicy'
			and wait_event_type = 'Lock' and datname =
			current_database()")" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- the store ----
use crm-pg "$BASE"
crm init > /dev/null 2>&1 || { echo "init on PostgreSQL failed"; exit 1; }
crm user add alice --password-stdin <<< "$INIT" > /dev/null 2>&1
printf '%s\n%s\n' "$PW" "$PW" | drive "$SVC" alice chauthtok > /dev/null 2>&1
check "alice's first change" 0 "$?"

# ---- unreachable ----
# Expected: refused at once, the server and libpq's reason named.
use crm-down "host=127.0.0.1 port=1 dbname=crmpolicy user=crm sslmode=disable"
try "unreachable server, wrong password" 9 "$WRONG\n" --rhost 127.0.12.5 \
	"$SVC" alice auth
one_line "unreachable server" "store postgresql 127.0.0.1/crmpolicy: " \
	"cannot connect" "Connection refused"
try "unreachable server, right password" 9 "$PW\n" --rhost 127.0.12.5 \
	"$SVC" alice auth
crm user add bob --password-stdin <<< "$INIT" > "$TMP/out" 2> "$TMP/err"
check "unreachable server, crmpasswd user add: exit 5" 5 "$?"
check "unreachable server, crmpasswd's line" 1 \
	"$(grep -v 'there is no backup' "$TMP/err" | grep -c 'cannot connect')"
use crm-pg "$BASE"

if [ "$OWN" = 1 ]; then
	# ---- the cluster stopped ----
	# Expected: refused with the socket named; the next login after the
	# start succeeds; nothing written meanwhile.
	before=$(state)
	"$TOP/scripts/pg-cluster.sh" stop "$PGDIR" > /dev/null 2>&1
	try "cluster stopped, wrong password" 9 "$WRONG\n" --rhost 127.0.13.5 \
		"$SVC" alice auth
	one_line "cluster stopped" "store postgresql $PGDIR/crmpolicy: " \
		"cannot connect" "\.s\.PGSQL\.$PORT"
	"$TOP/scripts/pg-cluster.sh" start "$PGDIR" > /dev/null 2> "$TMP/pg.log" ||
		not_ok "the cluster starts again"
	check "cluster stopped: nothing written" "$before" "$(state)"
	try "cluster started again: alice logs in" 0 "$PW\n" \
		--rhost 127.0.13.5 "$SVC" alice auth

	# ---- restarted while a login waits in the middle of a transaction ----
	# Expected: the waiting login fails closed with one line; nothing of
	# it is written; the next login succeeds.
	before=$(state)
	hold "$SU"
	( wdrive --rhost 127.0.14.5 "$SVC" alice auth < <(echo "$WRONG") \
		> "$TMP/wait.out" 2> "$TMP/wait.err"; echo $? > "$TMP/wait.rc" ) &
	w=$!
	if waiting "$SU"; then ok "restart: the login waits for the lock"
	else not_ok "restart: the login waits for the lock"; fi
	runuser -u "$PGUSER_OS" -- "$PG_BIN/pg_ctl" restart -D "$PGDIR/data" \
		-m fast -w -t 60 -l "$PGDIR/postgresql.log" > /dev/null 2>&1 ||
		not_ok "pg_ctl restart"
	wait "$w"
	release
	check "restart: the waiting login is refused" 9 "$(cat "$TMP/wait.rc")" \
		"$(cat "$TMP/wait.out" "$TMP/wait.err")"
	ERRFILE=$TMP/wait.err one_line "restart" \
		"store postgresql $PGDIR/crmpolicy: starting a transaction: " \
		"server closed the connection|terminating connection"
	check "restart: nothing written" "$before" "$(state)"
	try "restart: the next login succeeds" 0 "$PW\n" --rhost 127.0.14.5 \
		"$SVC" alice auth
	verify "restart"

	# ---- the default lock wait, in a database of its own, meanwhile ----
	# Expected: a login that waits for the write lock gives up after 15 s,
	# refused with one line. Its own database: advisory locks are a
	# database's, so the other checks do not wait behind this one.
	eval "$("$TOP/scripts/pg-cluster.sh" createdb "$PGDIR" crmhang |
		sed 's/^/HANG_/')"
	SAVED=$CONF
	use crm-hang "$HANG_PGSOCK_URL"
	crm init > /dev/null 2>&1 && crm user add alice --password-stdin \
		<<< "$INIT" > /dev/null 2>&1 || not_ok "a store in crmhang"
	hold "$HANG_PGSUPER_URL"
	HANG_HOLDER=$HOLDER HOLDER=""
	t0=$SECONDS
	( wdrive --rhost 127.0.11.5 crm-hang alice auth < <(echo "$WRONG") \
		> "$TMP/hang.out" 2> "$TMP/hang.err"
	  echo "$? $((SECONDS - t0))" > "$TMP/hang.rc" ) &
	HANG=$!
	CONF=$SAVED SVC=crm-pg
fi

# ---- the write lock held, lock_timeout from the connection string ----
# Expected: refused after about 1 s with one line; nothing written.
before=$(state)
hold "$SU"
use crm-lt "$BASE options=-clock_timeout=1000"
t0=$SECONDS
try "lock held, lock_timeout=1000" 9 "$WRONG\n" --rhost 127.0.15.5 \
	"$SVC" alice auth
took=$((SECONDS - t0))
one_line "lock held, lock_timeout=1000" "starting a transaction: " \
	"lock timeout"
check "lock held: refused within 3 s" 1 "$([ "$took" -le 3 ] && echo 1)"
release
use crm-pg "$BASE"
check "lock held: nothing written" "$before" "$(state)"

# ---- failover ----
# Expected: with target_session_attrs=read-write the module finds the
# server that takes writes, whichever comes first in the list.
RW="dbname=crmpolicy user=crm target_session_attrs=read-write"
if [ "$OWN" = 1 ]; then
	use crm-fo "host=127.0.0.1,$PGDIR port=1,$PORT $RW"
else
	# CRM_TEST_PG's keywords, with a closed port put first.
	h=$(printf '%s\n' "$CRM_TEST_PG" | sed -n 's/.*host=\([^ ]*\).*/\1/p')
	p=$(printf '%s\n' "$CRM_TEST_PG" | sed -n 's/.*port=\([^ ]*\).*/\1/p')
	use crm-fo "$BASE host=127.0.0.1,$h port=1,${p:-5432} target_session_attrs=read-write"
fi
f0=$(state)
try "failover, first host down: a wrong password" 7 "$WRONG\n" \
	--rhost 127.0.16.5 "$SVC" alice auth
check "failover, first host down: counted" "$(( ${f0%%/*} + 1 ))" \
	"$(state | cut -d/ -f1)"
try "failover, first host down: alice logs in" 0 "$PW\n" \
	--rhost 127.0.16.5 "$SVC" alice auth

if [ "$OWN" = 1 ]; then
	# A standby of the cluster, streaming from it.
	echo "local replication all trust" >> "$PGDIR/data/pg_hba.conf"
	runuser -u "$PGUSER_OS" -- "$PG_BIN/pg_ctl" reload -D "$PGDIR/data" \
		> /dev/null 2>&1
	mkdir -m 0700 "$STANDBY"
	chown "$PGUSER_OS:" "$STANDBY"
	if runuser -u "$PGUSER_OS" -- "$PG_BIN/pg_basebackup" -h "$PGDIR" \
			-p "$PORT" -U postgres -D "$STANDBY/data" -R -X stream \
			-c fast > "$TMP/basebackup.log" 2>&1 &&
		runuser -u "$PGUSER_OS" -- "$PG_BIN/pg_ctl" start \
			-D "$STANDBY/data" -w -t 60 -l "$STANDBY/postgresql.log" \
			-o "-k $STANDBY -c listen_addresses= -c port=$PORT" \
			> /dev/null 2>&1; then
		ok "a standby streaming from the cluster"
	else
		not_ok "a standby streaming from the cluster"
		cat "$TMP/basebackup.log"
	fi
	# Expected: the standby alone refuses every write: one line.
	before=$(state)
	use crm-sb "host=$STANDBY port=$PORT dbname=crmpolicy user=crm"
	try "standby alone" 9 "$WRONG\n" --rhost 127.0.17.5 "$SVC" alice auth
	one_line "standby alone" "store postgresql $STANDBY/crmpolicy: " \
		"read-only"
	use crm-fo2 "host=$STANDBY,$PGDIR port=$PORT,$PORT $RW"
	try "standby first in the list: passed over, a wrong password" 7 \
		"$WRONG\n" --rhost 127.0.17.5 "$SVC" alice auth
	try "standby first in the list: alice logs in" 0 "$PW\n" \
		--rhost 127.0.17.5 "$SVC" alice auth
	try "standby first in the list: a wrong password before the failover" \
		7 "$WRONG\n" --rhost 127.0.17.5 "$SVC" alice auth
	# ---- the default lock wait, its outcome ----
	wait "$HANG"
	HANG=""
	HOLDER=$HANG_HOLDER HOLD_URL=$HANG_PGSUPER_URL
	release
	read -r hang_rc hang_took < "$TMP/hang.rc"
	check "lock held, default wait: refused" 9 "$hang_rc" \
		"$(cat "$TMP/hang.out" "$TMP/hang.err")"
	check "lock held, default wait: after 15 s (14 to 25)" 1 \
		"$([ "$hang_took" -ge 14 ] && [ "$hang_took" -le 25 ] && echo 1)"
	ERRFILE=$TMP/hang.err one_line "lock held, default wait" \
		"starting a transaction: " "lock timeout"

	use crm-pg "$BASE"
	before=$(state)
	# The failover: the primary stops, the standby is promoted.
	"$TOP/scripts/pg-cluster.sh" stop "$PGDIR" > /dev/null 2>&1
	runuser -u "$PGUSER_OS" -- "$PG_BIN/pg_ctl" promote -D "$STANDBY/data" \
		-w -t 60 > /dev/null 2>&1 || not_ok "the standby promoted"
	SU="host=$STANDBY port=$PORT dbname=crmpolicy user=postgres"
	check "failover: the promoted standby has every commit of before" \
		"$before" "$(state)"
	use crm-fo2 "host=$STANDBY,$PGDIR port=$PORT,$PORT $RW"
	try "failover: a wrong password on the promoted standby" 7 "$WRONG\n" \
		--rhost 127.0.18.5 "$SVC" alice auth
	check "failover: counted on top of the count of before" \
		"$(( ${before%%/*} + 1 ))" "$(state | cut -d/ -f1)"
	try "failover: alice logs in" 0 "$PW\n" --rhost 127.0.18.5 "$SVC" \
		alice auth
	verify "failover"

else
	echo "ok # skip the stopped cluster, the restart, the standby and" \
		"the default lock wait: not our server"
fi

echo "# run time: $((SECONDS - START)) s"
t_end
