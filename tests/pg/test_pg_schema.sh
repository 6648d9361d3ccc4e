#!/bin/bash
# The PostgreSQL schema (lib/pg_schema.c) against the SQLite one: a private
# cluster from scripts/pg-cluster.sh, every migration applied by a small
# libpq driver, then the two schemas compared table by table (columns,
# types, NOT NULL, defaults, keys, foreign keys, CHECKs, indexes, triggers).
# The SQLite side is built each run from the migrations in lib/*.c, applied
# to an in-memory database, so that a change to one backend's schema and
# not the other's fails here. Then the behaviour the schema promises: the
# append-only audit trail, the CHECKs, cascades, byte order of text, a rerun
# that applies nothing and two hosts migrating one database at once.
#   usage: tests/pg/test_pg_schema.sh [BUILD_DIR]   (BUILD_DIR is not needed)
set -u -o pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib.sh"

t_begin pg_schema crmpgschema
t_need_tools cc pkg-config sqlite3 psql openssl
PGDIR=$TMP/pg
CLUSTER=$TOP/scripts/pg-cluster.sh
cleanup() {
	"$CLUSTER" stop "$PGDIR" > /dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# give_up NAME: a step every later check depends on failed.
give_up() {
	not_ok "$1"
	t_end
	exit 1
}

# same NAME DIFF: nothing differs; otherwise the difference is shown.
same() {
	[ -z "$2" ] && { ok "$1"; return; }
	: > "$TMP/out"
	: > "$TMP/err"
	check "$1" "no difference" "a difference (< SQLite, > PostgreSQL)" "$2"
}

# ---- the cluster and the driver ----
"$CLUSTER" start "$PGDIR" auto > "$TMP/out" 2> "$TMP/err" ||
	give_up "the cluster starts"
ok "the cluster starts"
eval "$(cat "$TMP/out")"
: > "$TMP/out"
MAIN_SOCK=$PGSOCK_URL MAIN_TCP=$PGTCP_URL

# psql_at URL SQL: the rows, unaligned, '|' between columns, errors too.
psql_at() {
	psql -X -q -At -v ON_ERROR_STOP=1 "$1" -c "$2" 2>&1
}

check "the socket answers as crm" "crm|f" "$(psql_at "$MAIN_SOCK" \
	"SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")"
check "TCP answers with TLS, the certificate verified" "crm|t" \
	"$(psql_at "$MAIN_TCP" "SELECT current_user, ssl FROM pg_stat_ssl
		WHERE pid = pg_backend_pid()")"
out=$(psql_at "${MAIN_TCP/sslmode=verify-full/sslmode=disable}" "SELECT 1")
has "TCP without TLS is refused" "no encryption" "$out"

DRIVER=$TMP/apply_schema
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -std=c11 -Wall -Wextra -Werror -Wconversion -I"$TOP/lib" -I"$TOP/include" \
	$(pkg-config --cflags libpq) -o "$DRIVER" "$TOP/tests/pg/apply_schema.c" \
	"$TOP/lib/pg_schema.c" $(pkg-config --libs libpq) > "$TMP/err" 2>&1 ||
	give_up "the driver builds"
ok "the driver builds"

# ---- the SQLite schema, from the source ----
# The C compiler reads the SQLite migrations array out of whichever lib/*.c
# holds it, so literals, escapes and comments are read as the build reads
# them.
src=$(grep -l '^static const char \*const migrations\[\] = {' "$TOP"/lib/*.c)
[ "$(grep -c . <<< "$src")" = 1 ] ||
	give_up "one file of lib/ holds the SQLite migrations"
ok "one file of lib/ holds the SQLite migrations"
{
	echo '#include <stdio.h>'
	sed -n '/^static const char \*const migrations\[\] = {/,/^};/p' "$src"
	cat <<'EOF'
int main(int argc, char **argv)
{
	size_t n = sizeof(migrations) / sizeof(migrations[0]);

	(void)argv;
	if (argc > 1)
		printf("%zu\n", n);
	else
		for (size_t i = 0; i < n; i++)
			printf("%s\n", migrations[i]);
	return 0;
}
EOF
} > "$TMP/sqlite_migrations.c"
cc -std=c11 -o "$TMP/sqlite_migrations" "$TMP/sqlite_migrations.c" \
	> "$TMP/err" 2>&1 || give_up "the SQLite migrations compile"
"$TMP/sqlite_migrations" > "$TMP/sqlite.sql"
NMIG=$("$TMP/sqlite_migrations" count)
check "both backends have as many migrations" "$NMIG" "$("$DRIVER" --count)"

# The fingerprint: one line per fact, "table|kind|...", types named as the
# PostgreSQL side names them (INTEGER bigint, TEXT text, BLOB bytea), a
# primary key column counted NOT NULL, and an INTEGER PRIMARY KEY (rowid)
# matched with an identity column, unless it is also a foreign key: such a
# key is always given, never made up.
cat > "$TMP/sqlite_fp.sql" <<'EOF'
CREATE TEMP VIEW t AS SELECT name FROM sqlite_master
	WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\';
SELECT name || '|table' FROM t
UNION ALL
SELECT t.name || '|column|' || (p.cid + 1) || '|' || p.name || '|' ||
	CASE upper(p.type) WHEN 'INTEGER' THEN 'bigint' WHEN 'TEXT' THEN 'text'
		WHEN 'BLOB' THEN 'bytea' ELSE '?' || p.type END || '|' ||
	CASE WHEN p."notnull" OR p.pk THEN 'notnull' ELSE 'null' END || '|' ||
	CASE WHEN p.pk = 1 AND upper(p.type) = 'INTEGER' AND (SELECT count(*)
		FROM pragma_table_info(t.name) WHERE pk > 0) = 1 AND NOT EXISTS
		(SELECT 1 FROM pragma_foreign_key_list(t.name) WHERE "from" = p.name)
		THEN 'rowid' ELSE coalesce(p.dflt_value, '') END
	FROM t, pragma_table_info(t.name) p
UNION ALL
SELECT t.name || '|pk|' || (SELECT group_concat(name, ',') FROM
	(SELECT name FROM pragma_table_info(t.name) WHERE pk > 0 ORDER BY pk))
	FROM t WHERE EXISTS (SELECT 1 FROM pragma_table_info(t.name) WHERE pk > 0)
UNION ALL
SELECT t.name || '|unique|' || (SELECT group_concat(name, ',') FROM
	(SELECT name FROM pragma_index_info(il.name) ORDER BY seqno))
	FROM t, pragma_index_list(t.name) il WHERE il.origin = 'u'
UNION ALL
SELECT t.name || '|fk|' || group_concat(f."from", ',') || '|' || f."table" ||
	'|' || group_concat(f."to", ',') || '|' || f.on_delete
	FROM t, pragma_foreign_key_list(t.name) f GROUP BY t.name, f.id
UNION ALL
SELECT t.name || '|index|' || m.name || '|' || (SELECT group_concat(name, ',')
	FROM (SELECT name FROM pragma_index_info(m.name) ORDER BY seqno)) || '|' ||
	CASE WHEN (SELECT "unique" FROM pragma_index_list(t.name)
		WHERE name = m.name) THEN 'unique' ELSE '' END
	FROM t JOIN sqlite_master m ON m.type = 'index' AND m.tbl_name = t.name
		AND m.sql IS NOT NULL
UNION ALL
SELECT tbl_name || '|trigger|' || name FROM sqlite_master WHERE type = 'trigger';
EOF
# The CHECKs are only in the CREATE TABLE text: one line per column named
# first inside a CHECK( ).
cat > "$TMP/sqlite_checks.sql" <<'EOF'
SELECT name || char(9) || sql FROM sqlite_master WHERE type = 'table';
EOF
sqlite_fp() {
	cat "$TMP/sqlite.sql" "$1" | sqlite3 -bail -batch :memory:
}
{
	sqlite_fp "$TMP/sqlite_fp.sql" &&
	sqlite_fp "$TMP/sqlite_checks.sql" | awk -F '\t' '{
		s = $2
		while (match(s, /CHECK\([a-z_]+ /)) {
			print $1 "|check|" substr(s, RSTART + 6, RLENGTH - 7)
			s = substr(s, RSTART + RLENGTH)
		}
	}'
} > "$TMP/sqlite.fp" 2> "$TMP/err" || give_up "the SQLite migrations apply"
sort -o "$TMP/sqlite.fp" "$TMP/sqlite.fp"

# The same facts from PostgreSQL's catalogue. schema_version is the
# PostgreSQL side's own (SQLite keeps PRAGMA user_version), and the
# *_no_truncate triggers guard a statement SQLite does not have.
cat > "$TMP/pg_fp.sql" <<'EOF'
WITH t AS (
	SELECT c.oid, c.relname FROM pg_class c
	WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
		AND c.relname <> 'schema_version'
), cols(rel, keys, txt) AS (
	SELECT c.conrelid, c.conkey, (SELECT string_agg(a.attname, ',' ORDER BY k.o)
		FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n)
	FROM pg_constraint c
)
SELECT t.relname || '|table' FROM t
UNION ALL
SELECT t.relname || '|column|' || a.attnum || '|' || a.attname || '|' ||
	format_type(a.atttypid, NULL) || '|' ||
	CASE WHEN a.attnotnull THEN 'notnull' ELSE 'null' END || '|' ||
	CASE WHEN a.attidentity <> '' THEN 'rowid' ELSE coalesce(regexp_replace(
		pg_get_expr(d.adbin, d.adrelid), '::[a-z ]+$', ''), '') END
	FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0
		AND NOT a.attisdropped
	LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum
UNION ALL
SELECT t.relname || '|' || CASE c.contype WHEN 'p' THEN 'pk'
		WHEN 'u' THEN 'unique' WHEN 'f' THEN 'fk' ELSE 'check' END || '|' ||
	(SELECT string_agg(a.attname, ',' ORDER BY k.o)
		FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) ||
	CASE WHEN c.contype <> 'f' THEN '' ELSE '|' || r.relname || '|' ||
		(SELECT string_agg(a.attname, ',' ORDER BY k.o)
			FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
			JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n)
		|| '|' || CASE c.confdeltype WHEN 'c' THEN 'CASCADE'
			WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT'
			WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END END
	FROM t JOIN pg_constraint c ON c.conrelid = t.oid
		AND c.contype IN ('p', 'u', 'f', 'c')
	LEFT JOIN pg_class r ON r.oid = c.confrelid
UNION ALL
SELECT t.relname || '|index|' || ic.relname || '|' ||
	(SELECT string_agg(trim(both '"' FROM pg_get_indexdef(i.indexrelid, k,
		false)), ',' ORDER BY k) FROM generate_series(1, i.indnatts) k) ||
	'|' || CASE WHEN i.indisunique THEN 'unique' ELSE '' END
	FROM t JOIN pg_index i ON i.indrelid = t.oid
	JOIN pg_class ic ON ic.oid = i.indexrelid
	WHERE NOT EXISTS (SELECT FROM pg_constraint c
		WHERE c.conindid = i.indexrelid AND c.conrelid = t.oid)
UNION ALL
SELECT t.relname || '|trigger|' || g.tgname FROM t
	JOIN pg_trigger g ON g.tgrelid = t.oid
	WHERE NOT g.tgisinternal AND g.tgname NOT LIKE '%\_no\_truncate';
EOF
pg_fp() {
	psql -X -q -At -v ON_ERROR_STOP=1 "$1" -f "$TMP/pg_fp.sql" | sort
}

# ---- migrating ----
expect 0 "all migrations apply over TLS" "$DRIVER" "$MAIN_TCP"
grep_out "every entry applied, version $NMIG" "^applied $NMIG version $NMIG$"
check "schema_version holds one row, $NMIG" "$NMIG" \
	"$(psql_at "$MAIN_SOCK" "SELECT string_agg(version::text, ',')
		FROM schema_version")"
pg_fp "$MAIN_SOCK" > "$TMP/pg.fp" 2> "$TMP/err" ||
	give_up "the PostgreSQL catalogue reads"

# ---- the two schemas, table by table ----
tables=$(grep '|table$' "$TMP/sqlite.fp" | cut -d '|' -f 1)
check "the SQLite schema has its 18 tables" 18 "$(grep -c . <<< "$tables")"
for t in $tables; do
	d=$(diff <(grep "^$t|" "$TMP/sqlite.fp") <(grep "^$t|" "$TMP/pg.fp"))
	same "table $t: same columns, keys, indexes and triggers" "$d"
done
d=$(diff <(cut -d '|' -f 1 "$TMP/sqlite.fp" | sort -u) \
	<(cut -d '|' -f 1 "$TMP/pg.fp" | sort -u))
same "no table on one side only" "$d"
d=$(diff <(grep '|index|' "$TMP/sqlite.fp" | cut -d '|' -f 3 | sort) \
	<(psql_at "$MAIN_SOCK" "SELECT indexname FROM pg_indexes
		WHERE schemaname = 'public' AND indexname NOT LIKE '%\_pkey'
		AND indexname NOT LIKE '%\_key' ORDER BY 1"))
same "every SQLite index name and no other" "$d"
check "every text column sorts bytewise (COLLATE \"C\")" 0 \
	"$(psql_at "$MAIN_SOCK" "SELECT count(*) FROM information_schema.columns
		WHERE table_schema = 'public' AND data_type = 'text'
		AND collation_name IS DISTINCT FROM 'C'")"
check "the truncate guards are there" "audit_checkpoints_no_truncate,audit_no_truncate" \
	"$(psql_at "$MAIN_SOCK" "SELECT string_agg(tgname, ',' ORDER BY tgname)
		FROM pg_trigger WHERE tgname LIKE '%\_no\_truncate'")"

# ---- what the schema promises ----
S=$MAIN_SOCK
out=$(psql_at "$S" "INSERT INTO accounts(name, created) VALUES ('b', 1), ('B', 1),
	('a', 1), ('_x', 1), ('é', 1); SELECT string_agg(name, ',' ORDER BY name)
	FROM accounts")
check "names sort byte by byte, as in SQLite" "B,_x,a,b,é" "$out"
out=$(psql_at "$S" "INSERT INTO audit(id, time, event, actor) VALUES
	(7, 1, 'login.failure', 'pam:login') RETURNING id")
check "an audit row takes the id it is given" 7 "$out"
out=$(psql_at "$S" "UPDATE audit SET prev_hash = '\\x00', hash = '\\x01'
	WHERE id = 7 RETURNING id")
check "an unsealed audit row may be sealed" 7 "$out"
out=$(psql_at "$S" "UPDATE audit SET details = 'x' WHERE id = 7")
has "a sealed audit row cannot be changed" "the audit trail is append-only" "$out"
out=$(psql_at "$S" "DELETE FROM audit WHERE id = 7")
has "an audit row cannot be deleted" "the audit trail is append-only" "$out"
out=$(psql_at "$S" "TRUNCATE audit")
has "the audit trail cannot be truncated" "the audit trail is append-only" "$out"
check "the audit row is still there, sealed" "7|details=" \
	"$(psql_at "$S" "SELECT id, 'details=' || details FROM audit")"
out=$(psql_at "$S" "INSERT INTO audit_checkpoints(time, first_id, prev_hash,
	removed, mac) VALUES (1, 7, '\\x00', 6, '\\x02') RETURNING id")
check "a checkpoint is added, its id given by the identity" 1 "$out"
out=$(psql_at "$S" "UPDATE audit_checkpoints SET removed = 0")
has "a checkpoint cannot be changed" "audit checkpoints are append-only" "$out"
out=$(psql_at "$S" "DELETE FROM audit_checkpoints")
has "a checkpoint cannot be deleted" "audit checkpoints are append-only" "$out"
out=$(psql_at "$S" "TRUNCATE audit_checkpoints")
has "the checkpoints cannot be truncated" "audit checkpoints are append-only" "$out"

out=$(psql_at "$S" "INSERT INTO policy VALUES ('global', '', 'deny', '3'),
	('group', 'staff', 'deny', '5'), ('user', 'a', 'deny', '1')")
check "policy takes the global, group and user scopes" "" "$out"
out=$(psql_at "$S" "INSERT INTO policy VALUES ('host', 'h', 'deny', '3')")
has "policy refuses another scope" "policy_scope_check" "$out"
out=$(psql_at "$S" "INSERT INTO rules(name, priority, network, action, created)
	VALUES ('r1', 1, 'any', 'allow', 1), ('r2', 2, 'any', 'deny', 1),
	('r3', 3, 'any', 'disabled', 1)")
check "rules take allow, deny and disabled" "" "$out"
out=$(psql_at "$S" "INSERT INTO rules(name, priority, network, action, created)
	VALUES ('r4', 4, 'any', 'reject', 1)")
has "rules refuse another action" "rules_action_check" "$out"
out=$(psql_at "$S" "INSERT INTO rules(name, priority, network, action, created)
	VALUES ('r1', 5, 'any', 'deny', 1)")
has "rule names are unique" "rules_name_key" "$out"
out=$(psql_at "$S" "INSERT INTO otp_codes(account_id, purpose, hash, address,
	created, expires) SELECT id, p, 'h', 'a@example.com', 1, 2 FROM accounts,
	(VALUES ('login'), ('verify')) v(p) WHERE name = 'a'")
check "otp codes take login and verify" "" "$out"
out=$(psql_at "$S" "INSERT INTO otp_codes(account_id, purpose, hash, address,
	created, expires) SELECT id, 'reset', 'h', 'a', 1, 2 FROM accounts
	WHERE name = 'a'")
has "otp codes refuse another purpose" "otp_codes_purpose_check" "$out"
out=$(psql_at "$S" "INSERT INTO logins(time, last_time, \"user\", service, rhost,
	tty, type, success, reason, country_code, country, city, org)
	VALUES (1, 1, 'a', 'sshd', '192.0.2.1', '', 'password', 1, '', '', '',
	'', ''); SELECT \"user\" || ' ' || count FROM logins")
check "logins keeps its \"user\" column" "a 1" "$out"

out=$(psql_at "$S" "INSERT INTO groups(name) VALUES ('staff');
	INSERT INTO members SELECT g.id, a.id FROM groups g, accounts a
		WHERE a.name = 'a';
	INSERT INTO known_ips SELECT id, '192.0.2.1', 1, 1, 1 FROM accounts
		WHERE name = 'a';
	INSERT INTO totp SELECT id, 's', 0, 1 FROM accounts WHERE name = 'a';
	INSERT INTO recovery_codes(account_id, hash) SELECT id, 'h' FROM accounts
		WHERE name = 'a';
	INSERT INTO pw_history(account_id, hash, created) SELECT id, 'h', 1
		FROM accounts WHERE name = 'a';
	INSERT INTO reservations(account_id, started) SELECT id, 1 FROM accounts
		WHERE name = 'a';
	INSERT INTO sip_credentials SELECT id, 'r', 's', 1 FROM accounts
		WHERE name = 'a';
	DELETE FROM accounts WHERE name = 'a';
	SELECT (SELECT count(*) FROM members) + (SELECT count(*) FROM known_ips) +
		(SELECT count(*) FROM totp) + (SELECT count(*) FROM recovery_codes) +
		(SELECT count(*) FROM pw_history) + (SELECT count(*) FROM reservations) +
		(SELECT count(*) FROM sip_credentials) + (SELECT count(*) FROM otp_codes)")
check "deleting an account takes its rows in every table with it" 0 "$out"
out=$(psql_at "$S" "INSERT INTO members VALUES (99, 99)")
has "a membership needs its group and account" "foreign key" "$out"

# ---- running again, and two hosts at once ----
expect 0 "a second run over the socket succeeds" "$DRIVER" "$MAIN_SOCK"
grep_out "a second run from version $NMIG applies nothing" \
	"^applied 0 version $NMIG$"

# Each applier holds every migration's transaction 300 ms, so the two
# overlap for certain; under the lock they take turns.
race() {
	"$DRIVER" --hold 300 "$@" > "$TMP/race1" 2>&1 &
	p1=$!
	"$DRIVER" --hold 300 "$@" > "$TMP/race2" 2>&1 &
	p2=$!
	wait "$p1"
	r1=$?
	wait "$p2"
	r2=$?
}
"$CLUSTER" createdb "$PGDIR" race > "$TMP/out" 2> "$TMP/err" ||
	give_up "a fresh database is made"
eval "$(cat "$TMP/out")"
: > "$TMP/out"
race "$PGSOCK_URL"
check "two concurrent appliers both succeed" "0 0" "$r1 $r2" \
	"$(cat "$TMP/race1" "$TMP/race2")"
n=$(cat "$TMP/race1" "$TMP/race2" | awk '/^applied/ { s += $2 } END { print s }')
check "between them they apply each entry once" "$NMIG" "$n" \
	"$(cat "$TMP/race1" "$TMP/race2")"
check "the raced database is at version $NMIG, in one row" "$NMIG" \
	"$(psql_at "$PGSOCK_URL" "SELECT string_agg(version::text, ',')
		FROM schema_version")"
d=$(diff "$TMP/pg.fp" <(pg_fp "$PGSOCK_URL" 2>&1))
same "the raced database has each table once, as the first" "$d"
check "and 19 tables in all" 19 "$(psql_at "$PGSOCK_URL" "SELECT count(*)
	FROM pg_tables WHERE schemaname = 'public'")"

# Without the lock the second applier, having read version 0 before the
# first committed, runs into the first one's tables: the lock is what the
# result above owes to, not luck.
"$CLUSTER" createdb "$PGDIR" race_nolock > "$TMP/out" 2> "$TMP/err" ||
	give_up "a second fresh database is made"
eval "$(cat "$TMP/out")"
: > "$TMP/out"
race --no-lock "$PGSOCK_URL"
check "without the lock one of two concurrent appliers fails" 1 \
	"$(( (r1 != 0) + (r2 != 0) ))" "$(cat "$TMP/race1" "$TMP/race2")"

"$CLUSTER" stop "$PGDIR" > "$TMP/out" 2> "$TMP/err"
check "the cluster stops" 0 $?
"$CLUSTER" stop "$PGDIR" > "$TMP/out" 2> "$TMP/err"
check "stopping it again is no error" 0 $?
t_end
