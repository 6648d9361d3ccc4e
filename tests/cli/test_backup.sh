#!/bin/bash
# crmpasswd backup, backup verify and restore against a store in a
# temporary directory: a backup taken while 8 processes keep logging in
# through the PAM module verifies and holds every row committed before it
# started, and the logins never fail; files are private and rotate by
# name (faketime moves the clock); verify finds an edited audit row, a
# damaged file and a newer schema; restore round trip; the warning of the
# administration commands about the newest backup. Run as root.
#   usage: tests/cli/test_backup.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin backup crmbak
t_need_tools sqlite3 faketime stat dd
export TZ=UTC
DB=$TMP/store/crmpolicy.db
BK=$TMP/backups
# Every login its own row (no merging), so that rows are only ever added.
t_conf "$DB" '' 'ip_deny = 0' 'history_merge_seconds = 0' \
	"backup_dir = $BK" 'backup_cycle = weekly' 'backup_warn_days = 2'
t_pamd login
PW='Corr3ct!Horse' INIT='Init1al!Pw' WORKERS=8
# The sqlite3 shell waits for locks like crmpolicy does (the workers write).
sq() { sqlite3 -cmd '.timeout 15000' "$@"; }
sql() { sq "$DB" "$1"; }
on() { sq "$1" "$2"; }

# The audit rows (and logins) up to an id, as text: what "the same rows" means.
audit_upto() {
	sq "$1" "select id, time, event, actor, subject, service, rhost,
		details, hex(prev_hash), hex(hash) from audit where id <= $2
		order by id"
}
logins_upto() {
	sq "$1" "select * from logins where id <= $2 order by id"
}

# ---- set-up: one user per worker, first password changed ----
expect 0 "init" crm init
for i in $(seq "$WORKERS"); do
	printf '%s\n' "$INIT" | crm user add "user$i" --password-stdin \
		> /dev/null 2>&1 || not_ok "add user$i"
	printf '%s\n%s\n' "$PW" "$PW" | drive login "user$i" chauthtok \
		> /dev/null 2>&1 || not_ok "first password of user$i"
done
out=$(printf '%s\n' "$PW" | drive login user1 auth acct 2>&1)
has "user1 logs in" "acct: Success" "$out"

# ---- a backup while 8 processes keep logging in ----
# Each worker runs rounds of 8 transactions (right and wrong passwords,
# ending with a right one; pamdrive checks every result) until the stop file
# appears, and notes any round that failed.
printf '%s\nwrong-Passw0rd\n' "$PW" > "$TMP/answers"
worker() {
	while [ ! -e "$TMP/stop" ]; do
		if drive --loop 8 login "user$1" < "$TMP/answers" \
				>> "$TMP/worker$1.log" 2>&1; then
			echo round >> "$TMP/rounds$1"
		else
			echo "round failed" >> "$TMP/fail$1"
		fi
	done
}
pids=""
for i in $(seq "$WORKERS"); do
	worker "$i" &
	pids="$pids $!"
done
# Wait until every worker has finished a round: all of them are writing.
for _ in $(seq 600); do
	n=0
	for i in $(seq "$WORKERS"); do [ -s "$TMP/rounds$i" ] && n=$((n + 1)); done
	[ "$n" = "$WORKERS" ] && break
	sleep 0.05
done
check "all $WORKERS workers are logging in" "$WORKERS" "$n"
# One statement, one snapshot: what was committed just before the backup.
read -r MAXID MAXLOGIN LOGINS <<EOF
$(sql "select (select max(id) from audit) || ' ' || (select max(id) from logins)
	|| ' ' || (select count(*) from logins)")
EOF
expect 0 "backup while logins run" crm backup
COPY=$(sed -n 's/^backup written to \(.*\) ([0-9]* bytes)$/\1/p' "$TMP/out")
alive=0
for p in $pids; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
check "the workers were still logging in when the backup finished" \
	"$WORKERS" "$alive"
sleep 0.3
after=$(sql "select count(*) from logins")
[ "$after" -gt "$LOGINS" ] && ok "logins went on being recorded" ||
	check "logins went on being recorded" "more than $LOGINS" "$after"
touch "$TMP/stop"
wait
cat "$TMP"/fail* > "$TMP/failures" 2>/dev/null
check "no login failed during the backup" "" "$(cat "$TMP/failures")"
check "no 'database is locked' anywhere" 0 \
	"$(cat "$TMP"/worker*.log | grep -ci 'locked')"
rounds=$(cat "$TMP"/rounds* | wc -l)
echo "# $rounds rounds of 8 transactions; $MAXID audit rows and $LOGINS logins before the backup"

[ -f "$COPY" ] && ok "the backup file is there" || not_ok "the backup file is there"
expect 0 "the copy verifies" crm backup verify "$COPY"
grep_out "verify says it is good" "the backup is good"
check "the copy holds every audit row committed before the backup" \
	"$(audit_upto "$DB" "$MAXID" | md5sum)" "$(audit_upto "$COPY" "$MAXID" | md5sum)"
check "... all $MAXID of them" "$MAXID" \
	"$(on "$COPY" "select count(*) from audit where id <= $MAXID")"
check "the copy holds every login recorded before the backup" \
	"$(logins_upto "$DB" "$MAXLOGIN" | md5sum)" \
	"$(logins_upto "$COPY" "$MAXLOGIN" | md5sum)"
check "... all $LOGINS of them" "$LOGINS" \
	"$(on "$COPY" "select count(*) from logins where id <= $MAXLOGIN")"
check "the backup is audited in the live store" 1 \
	"$(sql "select count(*) from audit where event = 'backup'
		and details like 'file=$COPY bytes=%'")"

# ---- files: private, self-contained, rotating by name ----
check "backup file mode 0600" 600 "$(stat -c %a "$COPY")"
check "backup file owned by root" root:root "$(stat -c %U:%G "$COPY")"
check "backup directory mode 0700" 700 "$(stat -c %a "$BK")"
check "the copy is a single file in journal mode delete" delete \
	"$(on "$COPY" "pragma journal_mode")"
check "nothing but the backup in the directory" 1 "$(ls -A "$BK" | wc -l)"
rm -f "$BK"/*

expect 0 "backup on a Thursday" at "@2026-01-01 12:00:00" crm backup
grep_out "named by the weekday" "$BK/crmpolicy-thu.db"
printf '%s\n' "$INIT" | crm user add weekly1 --password-stdin > /dev/null 2>&1
expect 0 "backup a week later" at "@2026-01-08 12:00:00" crm backup
grep_out "the same name" "$BK/crmpolicy-thu.db"
check "the week-old copy was replaced" 1 "$(ls -A "$BK" | wc -l)"
check "... by the newer one" 1 \
	"$(on "$BK/crmpolicy-thu.db" "select count(*) from accounts where name = 'weekly1'")"
expect 0 "backup the next day" at "@2026-01-09 12:00:00" crm backup
grep_out "a Friday" "$BK/crmpolicy-fri.db"
check "two copies now" 2 "$(ls -A "$BK" | wc -l)"
sed -i 's/^backup_cycle = weekly$/backup_cycle = monthly/' "$CONF"
expect 0 "monthly" at "@2026-02-09 12:00:00" crm backup
grep_out "named by the day of the month" "$BK/crmpolicy-09.db"
sed -i 's/^backup_cycle = monthly$/backup_cycle = yearly/' "$CONF"
expect 0 "yearly" at "@2026-02-09 12:00:00" crm backup
grep_out "named by the day of the year" "$BK/crmpolicy-040.db"
sed -i 's/^backup_cycle = yearly$/backup_cycle = infinite/' "$CONF"
expect 0 "infinite" at "@2026-02-09 12:34:56" crm backup
grep_out "named by the time" "$BK/crmpolicy-20260209T123456Z.db"
sed -i 's/^backup_cycle = infinite$/backup_cycle = weekly/' "$CONF"
expect 0 "--json" crm --json backup
json_is "--json names the file" \
	"json_extract(j, '\$.file') like '$BK/crmpolicy-%.db'" 1
json_is "--json gives the size" "json_extract(j, '\$.bytes') > 0" 1

mkdir -m 0700 "$TMP/elsewhere"
expect 0 "backup --to DIR" crm backup --to "$TMP/elsewhere"
check "--to DIR holds the copy" 1 "$(ls "$TMP/elsewhere" | wc -l)"
expect 2 "--to a relative path is a usage error" crm backup --to elsewhere
mkdir -m 0777 "$TMP/open"
chmod 0777 "$TMP/open"
expect 1 "--to a directory others may write is refused" \
	crm backup --to "$TMP/open"
grep_err "... saying why" "writable by group or others"
check "... and nothing is written there" 0 "$(ls -A "$TMP/open" | wc -l)"
ln -s "$TMP/elsewhere" "$TMP/link"
expect 1 "--to a symlink is refused" crm backup --to "$TMP/link"
grep_err "... saying why" "symbolic link"

# ---- verify ----
GOOD=$BK/crmpolicy-thu.db
expect 0 "verify a good copy" crm backup verify "$GOOD"
grep_out "integrity ok" "^Integrity: *ok"
grep_out "schema version shown" "^Schema version: *[0-9]"
grep_out "rows checked" "^Audit chain: *[0-9]* rows checked, intact"
expect 0 "verify --json" crm --json backup verify "$GOOD"
json_is "--json ok" "json_extract(j, '\$.ok')" 1
json_is "--json integrity" "json_extract(j, '\$.integrity')" ok
json_is "--json rows" "json_extract(j, '\$.audit.rows') > 2" 1

cp -p "$GOOD" "$TMP/edited.db"
on "$TMP/edited.db" "drop trigger audit_no_update;
	update audit set details = 'forged' where id = 2"
expect 1 "verify finds an edited audit row" crm backup verify "$TMP/edited.db"
grep_err "... names the check" "the audit chain check failed"
grep_err "... and the row" "breaks at row 2"
expect 1 "verify --json of the edited copy" crm --json backup verify \
	"$TMP/edited.db"
json_is "--json failed check" "json_extract(j, '\$.failed')" audit
json_is "--json first bad row" "json_extract(j, '\$.audit.first_bad_row')" 2

cp -p "$GOOD" "$TMP/damaged.db"
pages=$(on "$TMP/damaged.db" "pragma page_count")
dd if=/dev/urandom of="$TMP/damaged.db" bs=4096 seek=$((pages / 2)) count=1 \
	conv=notrunc status=none
expect 1 "verify finds a damaged file" crm backup verify "$TMP/damaged.db"
grep_err "... names the integrity check" "the integrity check failed"

cp -p "$GOOD" "$TMP/newer.db"
on "$TMP/newer.db" "pragma user_version = 99"
expect 1 "verify refuses a newer schema" crm backup verify "$TMP/newer.db"
grep_err "... names the schema check" "the schema version check failed"
grep_err "... saying newer" "newer than this crmpolicy"

ln -s "$GOOD" "$TMP/symlink.db"
expect 1 "verify refuses a symlink" crm backup verify "$TMP/symlink.db"
grep_err "... saying so" "symbolic link"
expect 1 "verify of a missing file" crm backup verify "$TMP/none.db"
expect 2 "verify without a file" crm backup verify

# ---- restore ----
crm backup > "$TMP/out" 2>&1
SNAP=$(sed -n 's/^backup written to \(.*\) ([0-9]* bytes)$/\1/p' "$TMP/out")
cp -p "$SNAP" "$TMP/snap.db"
SNAP=$TMP/snap.db
printf '%s\n' "$INIT" | crm user add bob --password-stdin > /dev/null 2>&1
check "bob added after the backup" 1 \
	"$(sql "select count(*) from accounts where name = 'bob'")"
pre_before=$(ls "$BK" | grep -c pre-restore)
expect 1 "restore of an edited copy is refused" crm restore "$TMP/edited.db"
grep_err "... saying which check" "the audit chain check failed"
check "... and changes nothing" 1 \
	"$(sql "select count(*) from accounts where name = 'bob'")"
check "... not even a pre-restore copy" "$pre_before" \
	"$(ls "$BK" | grep -c pre-restore)"
expect 1 "restore of a damaged copy is refused" crm restore "$TMP/damaged.db"
chmod 0644 "$SNAP"
chmod 0666 "$SNAP"
expect 1 "restore of a copy others may write is refused" crm restore "$SNAP"
chmod 0600 "$SNAP"

expect 0 "restore" crm restore "$SNAP"
grep_out "says where the old store went" "kept in $BK/crmpolicy-pre-restore-"
PRE=$(sed -n 's/^the store as it was before is kept in \(.*\)$/\1/p' "$TMP/out")
check "bob is gone" 0 "$(sql "select count(*) from accounts where name = 'bob'")"
check "the others are back" "$WORKERS" \
	"$(sql "select count(*) from accounts where name like 'user%'")"
check "the pre-restore copy holds bob" 1 \
	"$(on "$PRE" "select count(*) from accounts where name = 'bob'")"
check "the pre-restore copy is private" 600 "$(stat -c %a "$PRE")"
expect 0 "the pre-restore copy verifies" crm backup verify "$PRE"
check "the restore is audited" 1 \
	"$(sql "select count(*) from audit where event = 'restore'
		and details like 'file=$SNAP pre_restore=$PRE%'")"
expect 0 "the audit chain holds after the restore" crm audit verify
check "the store is still in WAL mode" wal "$(sql "pragma journal_mode")"
out=$(printf '%s\n' "$PW" | drive login user3 auth acct 2>&1)
has "logins work after the restore" "acct: Success" "$out"

# ---- the warning of the administration commands ----
sed "s|^backup_dir = .*|backup_dir = $TMP/bk2|" "$CONF" > "$TMP/conf2"
chmod 0644 "$TMP/conf2"
C2="$BUILD/crmpasswd --conf $TMP/conf2"
expect 0 "user list without a backup" $C2 user list
grep_err "warns: no backup" "warning: there is no backup in $TMP/bk2"
grep_out "... and still lists" "user1"
expect 1 "a failing command keeps its exit code" $C2 user del nosuchuser
grep_err "... and warns" "warning: there is no backup"
expect 0 "backup verify does not warn" $C2 backup verify "$PRE"
[ -s "$TMP/err" ] && not_ok "... nothing on stderr" || ok "... nothing on stderr"
expect 0 "status (not an administration command) does not warn" $C2 status user1
[ -s "$TMP/err" ] && not_ok "... nothing on stderr" || ok "... nothing on stderr"
expect 0 "backup does not warn" t_faketime "@2026-03-01 12:00:00" $C2 backup
[ -s "$TMP/err" ] && not_ok "... nothing on stderr" || ok "... nothing on stderr"
expect 0 "a day later" t_faketime "@2026-03-02 12:00:00" $C2 user list
[ -s "$TMP/err" ] && not_ok "... no warning" || ok "... no warning"
expect 0 "a minute short of two days later" \
	t_faketime "@2026-03-03 11:59:00" $C2 user list
[ -s "$TMP/err" ] && not_ok "... no warning yet" || ok "... no warning yet"
# A minute of slack either side: the clock runs on from each start time,
# and a loaded machine (or the ASan build) may take seconds to get there.
expect 0 "two days later" t_faketime "@2026-03-03 12:01:00" $C2 rule list
grep_err "warns: too old" \
	"warning: the newest backup, $TMP/bk2/crmpolicy-sun.db, is 2 days old (made 2026-03-01; backup_warn_days = 2)"
expect 0 "a week later" t_faketime "@2026-03-08 13:00:00" $C2 user list
grep_err "... saying how old" \
	"warning: the newest backup, $TMP/bk2/crmpolicy-sun.db, is 7 days old"
echo 'backup_warn_days = 0' >> "$TMP/conf2"
expect 0 "backup_warn_days = 0" t_faketime "@2026-06-01 12:00:00" $C2 user list
[ -s "$TMP/err" ] && not_ok "... silences the warning" ||
	ok "... silences the warning"
rm -f "$TMP/bk2"/*
expect 0 "... even with no backup at all" $C2 user list
[ -s "$TMP/err" ] && not_ok "... nothing on stderr" || ok "... nothing on stderr"

t_end
