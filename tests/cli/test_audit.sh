#!/bin/bash
# The audit trail through crmpasswd and the sqlite3 shell: listing with
# filters, --json and --csv (the reading itself audited), the append-only
# triggers, and `audit verify` finding a row edited, deleted or inserted
# behind crmpolicy's back; pruning with audit_keep_days (the clock moved by
# faketime) keeps the chain verifiable. Run as root.
#   usage: tests/cli/test_audit.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin audit crmaudit
t_need_tools sqlite3 faketime setpriv
DB=$TMP/crmpolicy.db
t_conf "$DB" '12345Aa!' 'ip_deny = 0' 'audit_keep_days = 30'
t_pamd login
PW='Corr3ct!Horse' INIT='Init1al!Pw'
C="$BUILD/crmpasswd --conf $CONF"
sql() { sqlite3 "$DB" "$1" 2>&1; }

# A fresh copy of the store to tamper with, so each case starts intact.
fresh() {
	rm -f "$TMP/t.db"
	sqlite3 "$DB" ".backup '$TMP/t.db'"
	sed "s|^db = .*|db = $TMP/t.db|" "$CONF" > "$TMP/t.conf"
	chmod 0644 "$TMP/t.conf"
}
tsql() { sqlite3 "$TMP/t.db" "$1" 2>&1; }
tverify() { "$BUILD/crmpasswd" --conf "$TMP/t.conf" audit verify; }

expect 0 "init" $C init
printf '%s\n' "$INIT" | $C user add alice --email alice@example.com \
	--password-stdin > /dev/null
printf '%s\n%s\n' "$PW" "$PW" | drive login alice chauthtok > /dev/null 2>&1
for i in 1 2 3; do
	printf '%s\n' "$PW" | drive --rhost 127.0.1.5 login alice auth > /dev/null 2>&1
done
printf 'Wr0ng!Guess\n' | drive --rhost 127.0.2.5 login alice auth > /dev/null 2>&1
expect 0 "user disable" $C user disable alice
expect 0 "user enable" $C user enable alice

# ---- listing ----
expect 0 "audit lists the trail" $C audit
grep_out "the listing has a header" "TIME.*EVENT.*ACTOR.*USER"
grep_out "user.add by root is listed" "user.add *root *alice"
grep_out "a login failure by the module is listed" "login.failure *pam:login *alice"
expect 0 "audit --user alice --event login." $C audit --user alice --event login.
no_grep_out "the event family filter leaves other events out" "user.add"
grep_out "the family filter keeps login.success" "login.success"
expect 0 "audit --json" $C audit --json --event disable
json_is "--json holds the one disable event" "json_array_length(j)" 1
json_is "--json names the actor" "json_extract(j, '\$[0].actor')" root
json_is "--json names the user" "json_extract(j, '\$[0].user')" alice
expect 0 "audit --csv" $C audit --csv --event enable
grep_out "the CSV has a header" "^TIME,EVENT,ACTOR,USER"
check "the CSV has one row" 2 "$(grep -c . "$TMP/out")"
expect 0 "audit --since in the future" $C audit --since 2100-01-01
check "nothing that late" 1 "$(grep -c . "$TMP/out")"
expect 2 "a bad --since is a usage error" $C audit --since yesterday
expect 2 "--json and --csv together" $C audit --json --csv
check "every reading is audited as an export" 5 \
	"$(sql "select count(*) from audit where event = 'export' and actor = 'root'
		and details like 'what=audit%'")"
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
expect 3 "users may not read the trail" $NOBODY "$BUILD/crmpasswd" audit

# ---- verify, and the triggers ----
expect 0 "audit verify on an intact trail" $C audit verify
grep_out "verify counts the rows" "rows checked"
grep_out "verify says the chain is intact" "intact"
expect 0 "audit verify --json" $C audit verify --json
json_is "--json ok" "json_extract(j, '\$.ok')" 1
n=$(sql "select count(*) from audit")
json_is "--json counts every row" "json_extract(j, '\$.rows')" "$n"
check "every row is sealed" 0 "$(sql "select count(*) from audit where hash is null
	or length(hash) != 32 or length(prev_hash) != 32")"

out=$(sql "update audit set details = 'nothing' where id = 2")
has "the shell cannot UPDATE a row" "append-only" "$out"
out=$(sql "delete from audit where id = 2")
has "the shell cannot DELETE a row" "append-only" "$out"

fresh
tsql "drop trigger audit_no_update; update audit set subject = 'bob' where id = 5"
expect 1 "verify finds an edited row" tverify
grep_err "the edited row is named" "breaks at row 5:.*changed"

fresh
tsql "drop trigger audit_no_delete; delete from audit where id = 4"
expect 1 "verify finds a deleted row" tverify
grep_err "the row after the gap is named" "breaks at row 5:.*deleted or inserted"

fresh
last=$(tsql "select max(id) from audit")
tsql "drop trigger audit_no_delete; delete from audit where id = $last"
expect 1 "verify finds the newest row deleted" tverify
grep_err "the missing newest row is named" "breaks at row $last:.*missing"

fresh
tsql "insert into audit(id, time, event, actor, subject, details, prev_hash, hash)
	select max(id) + 1, max(time), 'unlock', 'root', 'alice', '', hash,
	randomblob(32) from audit where id = (select max(id) from audit)"
expect 1 "verify finds an inserted row" tverify
grep_err "the inserted row is named" "breaks at row $((last + 1)):"

fresh
tsql "insert into audit(time, event, actor) values(1, 'unlock', 'root')"
expect 1 "verify finds a row written outside crmpolicy" tverify
grep_err "it is not sealed" "not sealed"

fresh
head -c 32 /dev/urandom > "$TMP/other.key"
chmod 0600 "$TMP/other.key"
sed -i "s|^key_file = .*|key_file = $TMP/other.key|" "$TMP/t.conf"
expect 1 "verify with another key fails at the first row" tverify
grep_err "row 1 is named" "breaks at row 1:"

# ---- pruning ----
expect 0 "audit prune with nothing old" $C audit prune
grep_out "nothing removed" "^0 rows older than 30 days removed"
before=$(sql "select count(*) from audit")
printf '%s\n' "$PW" | at +40d drive --rhost 127.0.1.5 login alice auth > /dev/null 2>&1
expect 0 "audit prune 40 days later" at +40d crm audit prune
grep_out "the old rows are removed" "^$before rows older than 30 days removed"
check "a signed checkpoint is recorded" 1 \
	"$(sql "select count(*) from audit_checkpoints where removed = $before")"
check "the prune itself is audited" 1 \
	"$(sql "select count(*) from audit where event = 'audit.prune'")"
expect 0 "the pruned trail verifies" $C audit verify
grep_out "verify counts the pruned rows" "$before rows pruned earlier"
out=$(sql "delete from audit")
has "the delete trigger is back after pruning" "append-only" "$out"
fresh
tsql "drop trigger audit_no_delete; delete from audit where id = (select min(id) from audit)"
expect 1 "verify finds the oldest kept row removed" tverify
grep_err "the gap after the checkpoint is named" "are missing"

t_end
