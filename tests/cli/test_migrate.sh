#!/bin/bash
# crmpasswd migrate --to: a store with users, groups, rules, policy, a
# login history and an audit trail copied into a new SQLite file (always)
# and into a PostgreSQL database (when CRM_TEST_PG names a server where the
# test may create databases): every row the same, the audit chain intact
# in the copy, a second run into the filled target refused and harmless,
# targets that carry a password or name no database refused. Run as root.
#   usage: tests/cli/test_migrate.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin migrate crmmig
t_need_tools sqlite3
DB=$TMP/store/crmpolicy.db
COPY=$TMP/copy/crmpolicy.db
t_conf "$DB" '' 'ip_deny = 0' "backup_dir = $TMP/backups" \
	'backup_warn_days = 0'
t_pamd login
PW='Corr3ct!Horse'

# ---- a store with something in most tables ----
expect 0 "init" crm init
for u in alice bob; do
	printf '%s\n' "$PW" | crm user add "$u" --password-stdin \
		> /dev/null 2>&1 || not_ok "add $u"
done
expect 0 "group" crm group add ops
expect 0 "member" crm group member add ops alice
expect 0 "rule" crm rule add office --network 192.0.2.0/24 --action allow
expect 0 "policy" crm policy set --group ops "minlen=12"
printf 'wrong\n' | drive login bob auth > /dev/null 2>&1
rows() { sqlite3 "$1" "select count(*) from $2"; }

# ---- into a SQLite file ----
expect 0 "migrate into a new SQLite file" crm migrate --to "$COPY"
grep_out "rows of each table are listed" "accounts  *2$"
grep_out "the conf line to set is shown" "db = $COPY"
grep_out "the key file is named" "$TMP/crmpolicy.key"
# Each store then records the move on its own trail (store.migrate), so
# the trail and its head are compared without that last row.
copied() {
	case $2 in
	audit) sqlite3 "$1" "select * from audit where event != 'store.migrate'
		order by 1, 2" ;;
	settings) sqlite3 "$1" "select * from settings where key !=
		'audit_head' order by 1, 2" ;;
	*) sqlite3 "$1" "select * from $2 order by 1, 2" ;;
	esac
}
for t in accounts groups members policy pw_history rules settings audit \
		logins; do
	check "$t is copied row for row" "$(copied "$DB" $t)" \
		"$(copied "$COPY" $t)"
done
a=$(sqlite3 "$DB" "select id, hex(prev_hash), hex(hash) from audit
	where event != 'store.migrate'")
b=$(sqlite3 "$COPY" "select id, hex(prev_hash), hex(hash) from audit
	where event != 'store.migrate'")
check "the audit chain's hashes are kept" "$a" "$b"
check "the copy's trail tells where it came from" 1 \
	"$(sqlite3 "$COPY" "select count(*) from audit where event =
		'store.migrate' and details like 'from=$DB rows=%'")"
check "the store's trail tells where it went" 1 \
	"$(sqlite3 "$DB" "select count(*) from audit where event =
		'store.migrate' and details like 'to=$COPY rows=%'")"
sed "s#^db = .*#db = $COPY#" "$CONF" > "$TMP/copy.conf"
chmod 0644 "$TMP/copy.conf"
expect 0 "the copy's audit chain verifies" \
	"$BUILD/crmpasswd" --conf "$TMP/copy.conf" audit verify
expect 0 "the copy knows alice" \
	"$BUILD/crmpasswd" --conf "$TMP/copy.conf" status alice
grep_out "alice's groups are kept" "ops"

# ---- refusals ----
before=$(rows "$COPY" audit)
expect 1 "a target with rows is refused" crm migrate --to "$COPY"
grep_err "the refusal says why" "not empty"
check "the refused target is unchanged" "$before" "$(rows "$COPY" audit)"
expect 2 "a password in a keyword string is refused" \
	crm migrate --to "host=db.example dbname=crm password=s3cret"
grep_err "the refusal names the password file" "passfile"
expect 2 "a password in a URI is refused" \
	crm migrate --to "postgresql://crm:s3cret@db.example/crm"
expect 2 "a relative path is refused" crm migrate --to copy.db
expect 2 "the store in use is refused" crm migrate --to "$DB"
expect 2 "--to is needed" crm migrate
expect 5 "an unreachable server is a store error" \
	crm migrate --to "host=127.0.0.1 port=1 dbname=crm user=crm"

# ---- into PostgreSQL ----
if [ -n "${CRM_TEST_PG:-}" ] && command -v psql > /dev/null; then
	PGDB=crmt_migrate_$$
	psql -q "$CRM_TEST_PG" -c "CREATE DATABASE $PGDB TEMPLATE template0" \
		> /dev/null || not_ok "create $PGDB"
	trap 'psql -q "$CRM_TEST_PG" -c "DROP DATABASE IF EXISTS $PGDB WITH
		(FORCE)" > /dev/null 2>&1; rm -rf "$TMP"' EXIT INT TERM
	TO="$CRM_TEST_PG dbname=$PGDB"
	expect 0 "migrate into PostgreSQL" crm --json migrate --to "$TO"
	json_is "every row is counted" "json_extract(j, '$.rows')" \
		"$(( $(rows "$DB" accounts) + $(rows "$DB" groups) +
		$(rows "$DB" members) + $(rows "$DB" policy) +
		$(rows "$DB" pw_history) + $(rows "$DB" reservations) +
		$(rows "$DB" audit) + $(rows "$DB" audit_checkpoints) +
		$(rows "$DB" rules) + $(rows "$DB" settings) +
		$(rows "$DB" ip_failures) + $(rows "$DB" ip_blocks) +
		$(rows "$DB" logins) + $(rows "$DB" known_ips) +
		$(rows "$DB" totp) + $(rows "$DB" recovery_codes) +
		$(rows "$DB" otp_codes) + $(rows "$DB" sip_credentials) - 1 ))"
	json_is "the copy is verified" "json_extract(j, '$.verified')" 1
	a=$(sqlite3 "$DB" "select id, hex(hash) from audit where event !=
		'store.migrate' or details like 'to=$COPY %' order by id")
	b=$(psql -qAt "$TO" -c "select id, upper(encode(hash, 'hex'))
		from audit where event != 'store.migrate' or details not like
		'from=%' order by id")
	check "PostgreSQL holds the audit chain" "$a" "$b"
	expect 1 "a second migration into it is refused" \
		crm migrate --to "$TO"
	b=$(psql -qAt "$TO" -c "select count(*) from audit")
	check "the refused database is unchanged" "$(rows "$DB" audit)" "$b"
fi

t_end
