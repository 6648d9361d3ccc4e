#!/bin/bash
# crmpasswd import and export users against a store in a temporary
# directory: an import with its 0600 passwords file, whose temporary
# passwords log in through the PAM module and must be changed; export as
# text, --csv and --json; an export imported into a second store; a file
# with bad rows refused with every line named and the store unchanged;
# --on-duplicate; the audit rows; and an admin_group member, who reads and
# writes files only with their own rights (a setuid copy run as nobody in
# a private mount namespace). Run as root.
#   usage: tests/cli/test_import.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
t_begin import crmimport
t_need_tools sqlite3 unshare setpriv
t_conf "$TMP/store/crmpolicy.db" '12345Aa!' 'ip_deny = 0'
t_pamd login
C="$BUILD/crmpasswd --conf $CONF"
DB=$TMP/store/crmpolicy.db
NEW='N3w!Secret#1'
sql() { sqlite3 "$DB" "$1"; }
db2() { sqlite3 "$TMP/store2/crmpolicy.db" "$1"; }

# field FILE USER: the password of USER in a passwords file.
pw_of() {
	grep "^$2," "$1" | head -n 1 | cut -d, -f2- | tr -d '\r'
}

# The store's contents that an import must leave alone when it refuses.
snapshot() {
	sql "select count(*) from accounts; select count(*) from groups;
		select count(*) from members; select count(*) from policy;
		select count(*) from audit; select group_concat(name || email ||
		disabled, ';') from accounts"
}

expect 0 "init" $C init

# ---- an import ----
printf 'username,email,groups,mfa,state\r\n' > "$TMP/users.csv"
printf 'alice,alice@example.com,"staff,sales",,active\r\n' >> "$TMP/users.csv"
printf 'bob,bob@example.com,ops,email,disabled\r\n' >> "$TMP/users.csv"
printf '"o""neil",,staff,,\r\n' >> "$TMP/users.csv"
expect 0 "import a file of three accounts" $C import "$TMP/users.csv"
grep_out "import counts what it did" "3 added, 0 updated, 0 skipped"
grep_out "import names the passwords file" "$TMP/users.csv.passwords"
PWF=$TMP/users.csv.passwords
check "the passwords file is 0600" 600 "$(stat -c %a "$PWF" 2>/dev/null)"
check "the passwords file belongs to the caller" root \
	"$(stat -c %U "$PWF" 2>/dev/null)"
check "the passwords file has a header and three lines" 4 \
	"$(wc -l < "$PWF" | tr -d ' ')"
check "its header names the columns" "username,password" \
	"$(head -n 1 "$PWF" | tr -d '\r')"
grep -q '^"o""neil",' "$PWF" && ok "the passwords file quotes a name" ||
	not_ok "the passwords file quotes a name"
ALICE=$(pw_of "$PWF" alice)
check "a temporary password of 16 characters" 16 "${#ALICE}"
check "alice is in staff and sales" "sales,staff" \
	"$(sql "select group_concat(g.name) from (select g.name from members m
		join groups g on g.id = m.group_id join accounts a on
		a.id = m.account_id where a.name = 'alice' order by g.name) g")"
check "bob is disabled with his mfa override" "1|email" \
	"$(sql "select a.disabled, p.value from accounts a join policy p on
		p.target = a.name and p.scope = 'user' and p.key = 'mfa'
		where a.name = 'bob'")"
check "every new account must change its password" 3 \
	"$(sql "select count(*) from accounts where must_change = 1")"
check "the passwords are not in the audit trail" 0 \
	"$(sql "select count(*) from audit where instr(details, '$ALICE') > 0")"
check "one user.add per account, by root" 3 \
	"$(sql "select count(*) from audit where event = 'user.add' and
		actor = 'root' and details like 'by=import%'")"
check "the import is audited with its file and counts, by root" 1 \
	"$(sql "select count(*) from audit where event = 'import' and
		actor = 'root' and details = 'file=$TMP/users.csv added=3 ' ||
		'updated=0 skipped=0 temporary=3'")"

# ---- the temporary password logs in and must be changed ----
out=$(printf '%s\n' "$ALICE" | drive login alice auth acct 2>&1)
check "the temporary password passes auth; acct asks for a new one" 12 \
	"$?" "$out"
has "the user is told to change it" "You must change your password now." "$out"
out=$(printf 'Wr0ng!Guess\n' | drive login alice auth 2>&1)
check "a wrong password does not log in" 7 "$?" "$out"
out=$(printf '%s\n%s\n%s\n' "$ALICE" "$NEW" "$NEW" |
	drive login alice auth acct chauthtok 2>&1)
check "first login changes the temporary password" 0 "$?" "$out"
out=$(printf '%s\n' "$NEW" | drive login alice auth acct 2>&1)
check "the new password logs in without a change" 0 "$?" "$out"

# ---- export ----
expect 0 "export users" $C export users
grep_out "the text table has a header" "^NAME  *EMAIL"
grep_out "the text table shows bob disabled" "^bob .*disabled"
expect 0 "export users --csv" $C export users --csv
check "the CSV header names the import's columns" \
	"username,email,email_verified,groups,mfa,state,created,last_login,lang" \
	"$(head -n 1 "$TMP/out" | tr -d '\r')"
grep_out "a group list is quoted" '^alice,alice@example.com,no,"sales,staff",,active,'
grep_out "a quote in a name is doubled" '^"o""neil",,no,staff,,active,'
grep_out "bob's row" '^bob,bob@example.com,no,ops,email,disabled,'
no_grep_out "no hash in the export" 'argon2'
grep -q $'\r$' "$TMP/out" && ok "CSV lines end in CRLF" ||
	not_ok "CSV lines end in CRLF"
cp "$TMP/out" "$TMP/export.csv"
expect 0 "export users --json" $C export users --json
json_is "the JSON is an array of three" "json_array_length(j)" 3
json_is "groups are an array" "json_extract(j, '\$[0].groups')" '["sales","staff"]'
json_is "an inherited mfa is null" "json_type(j, '\$[0].mfa')" null
json_is "bob's state" "json_extract(j, '\$[1].state')" disabled
json_is "alice has logged in" "json_type(j, '\$[0].last_login')" text
no_grep_out "no hash in the JSON" 'argon2'
expect 2 "export needs users" $C export
expect 2 "export knows only users" $C export groups
expect 2 "--csv and --json together" $C export users --csv --json
check "each export is audited with its format and rows" \
	"csv|3 json|3 text|3" \
	"$(sql "select group_concat(f, ' ') from (select substr(details,
		instr(details, 'format=') + 7) || '|' || substr(details,
		instr(details, 'rows=') + 5, 1) as f from audit where
		event = 'export' and actor = 'root' and
		details like 'what=users %' order by f)")"

# ---- an export imported into another store ----
mkdir "$TMP/second"
sed "s|$TMP/store/|$TMP/store2/|" "$CONF" > "$TMP/second/crmpolicy.conf"
chmod 0644 "$TMP/second/crmpolicy.conf"
C2="$BUILD/crmpasswd --conf $TMP/second/crmpolicy.conf"
expect 0 "init a second store" $C2 init
expect 0 "the export imports into it" $C2 import "$TMP/export.csv" \
	--passwords-to "$TMP/second/pw.csv"
check "--passwords-to names the file" 4 \
	"$(wc -l < "$TMP/second/pw.csv" | tr -d ' ')"
# accounts CRMPASSWD: the export as JSON without the times a store sets.
accounts() {
	"$@" export users --json > "$TMP/accounts.json" 2>/dev/null
	sqlite3 :memory: "select json_group_array(json_remove(value,
		'\$.created', '\$.last_login')) from json_each(cast(readfile(
		'$TMP/accounts.json') as text))"
}
a=$(accounts $C)
b=$(accounts $C2)
check "the round trip reproduces the accounts" "$a" "$b"
has "the comparison sees the accounts" '"username":"o\"neil"' "$b"

# ---- refusal: every bad row named, nothing written ----
printf 'username,email,groups,mfa,state\n' > "$TMP/bad.csv"
printf 'dave,dave@example.com,staff,,\n' >> "$TMP/bad.csv"
printf 'bad name,,,,\n' >> "$TMP/bad.csv"
printf 'erin,erin@@example.com,,,\n' >> "$TMP/bad.csv"
printf 'frank,,,sms,\n' >> "$TMP/bad.csv"
printf 'dave,,,,frozen\n' >> "$TMP/bad.csv"
before=$(snapshot)
expect 2 "a file with bad rows is refused" $C import "$TMP/bad.csv"
grep_err "line 3: the bad name" "line 3: username: invalid user name"
grep_err "line 4: the bad address" "line 4: email: invalid e-mail address"
grep_err "line 5: the bad mfa" "line 5: mfa: 'sms'"
grep_err "line 6: the bad state" "line 6: state:"
grep_err "line 6: the name given twice" "line 6: username: dave is also on line 2"
grep_err "the summary says nothing was imported" "5 problems; nothing was imported"
check "the refused import changed nothing" "$before" "$(snapshot)"
[ -e "$TMP/bad.csv.passwords" ] && not_ok "no passwords file after a refusal" ||
	ok "no passwords file after a refusal"
printf 'username,nickname\nx,y\n' > "$TMP/cols.csv"
expect 2 "an unknown column is refused" $C import "$TMP/cols.csv"
grep_err "the unknown column is named" 'line 1: unknown column "nickname"'
printf 'username,groups\nx,"a\n' > "$TMP/quote.csv"
expect 2 "an unterminated quote is refused" $C import "$TMP/quote.csv"
grep_err "with its line" "line 2"
expect 2 "a missing file" $C import "$TMP/none.csv"
expect 2 "import needs a file" $C import
expect 2 "--on-duplicate takes skip or update" $C import "$TMP/users.csv" \
	--on-duplicate merge

# ---- accounts already in the store ----
printf 'username,email,state\ncarol,carol@example.com,\nbob,bob2@example.com,active\n' \
	> "$TMP/dup.csv"
before=$(snapshot)
expect 2 "an existing account is refused by default" $C import "$TMP/dup.csv"
grep_err "the refusal names the line" "line 3: username: bob is already in the store"
grep_err "and says what to do" "on-duplicate"
check "the refusal changed nothing" "$before" "$(snapshot)"
expect 0 "--on-duplicate skip" $C import "$TMP/dup.csv" --on-duplicate skip \
	--passwords-to "$TMP/dup-skip.pw"
grep_out "one added, one skipped" "1 added, 0 updated, 1 skipped"
check "a skipped account is untouched" "bob@example.com|1" \
	"$(sql "select email, disabled from accounts where name = 'bob'")"
expect 0 "--on-duplicate update" $C import "$TMP/dup.csv" --on-duplicate update
grep_out "two updated" "0 added, 2 updated, 0 skipped"
no_grep_out "an update makes no passwords" "passwords"
check "an updated account takes the file's values" "bob2@example.com|0" \
	"$(sql "select email, disabled from accounts where name = 'bob'")"
check "the update is audited" 1 \
	"$(sql "select count(*) from audit where event = 'user.change' and
		subject = 'bob' and details like 'by=import%bob2@example.com%'")"
check "enabling is audited as enable" 1 \
	"$(sql "select count(*) from audit where event = 'enable' and subject = 'bob'")"

# An existing passwords file with new accounts: refused before anything.
printf 'username\nzed\n' > "$TMP/zed.csv"
: > "$TMP/zed.csv.passwords"
before=$(snapshot)
expect 1 "import refuses to overwrite FILE.passwords" $C import "$TMP/zed.csv"
grep_err "the refusal says why" "never overwritten"
check "and wrote nothing" "$before" "$(snapshot)"
rm -f "$TMP/zed.csv.passwords"
ln -s "$TMP/elsewhere" "$TMP/zed.csv.passwords"
expect 1 "a symlink as the passwords file is refused" $C import "$TMP/zed.csv"
[ -e "$TMP/elsewhere" ] && not_ok "nothing created through the symlink" ||
	ok "nothing created through the symlink"
rm -f "$TMP/zed.csv.passwords"

# A store write that fails after the passwords were written: a trigger
# refuses one account, so the whole import rolls back and takes the
# passwords file with it.
sql "create trigger no_boom before insert on accounts when new.name = 'boom'
	begin select raise(abort, 'no boom'); end"
printf 'username\nyann\nboom\n' > "$TMP/boom.csv"
before=$(snapshot)
# (The store reports any constraint, a trigger's too, as "already exists".)
expect 1 "a failing store write fails the import" $C import "$TMP/boom.csv"
grep_err "the failing write is named" "adding the account"
check "nothing of it was written" "$before" "$(snapshot)"
[ -e "$TMP/boom.csv.passwords" ] &&
	not_ok "the passwords file of a failed import is removed" ||
	ok "the passwords file of a failed import is removed"
sql "drop trigger no_boom"

# ---- --json ----
printf 'username\nyann\n' > "$TMP/yann.csv"
expect 0 "import --json" $C import "$TMP/yann.csv" --json
json_is "import --json counts" "json_extract(j, '\$.added')" 1
json_is "import --json names the passwords file" \
	"json_extract(j, '\$.passwords_file')" "$TMP/yann.csv.passwords"

# ---- an admin_group member: files with the caller's rights only ----
mkdir -p "$TMP/bin" "$TMP/etc-security"
mkdir -m 1777 "$TMP/drop"
cp "$BUILD/crmpasswd" "$TMP/bin/crmpasswd"
chmod 4755 "$TMP/bin/crmpasswd"
{ cat "$CONF"; echo "admin_group = nogroup"; } > "$TMP/etc-security/crmpolicy.conf"
chmod 0644 "$TMP/etc-security/crmpolicy.conf"
as_nobody() { t_as nobody "$TMP/bin/crmpasswd" "$@"; }
printf 'username\nyves\n' > "$TMP/drop/yves.csv"
chmod 0644 "$TMP/drop/yves.csv"
printf 'username\nroot:x:0:0\n' > "$TMP/secret.csv"
chmod 0600 "$TMP/secret.csv"
expect 0 "nobody, in admin_group, may export" as_nobody export users --csv
expect 2 "nobody cannot import a file only root may read" \
	as_nobody import "$TMP/secret.csv"
grep_err "the refusal is the caller's own" "Permission denied"
no_grep_err() {
	if grep -q -- "$2" "$TMP/err"; then not_ok "$1"; else ok "$1"; fi
}
no_grep_err "nothing of that file is shown" "root:x"
expect 0 "nobody imports a file they can read" as_nobody import \
	"$TMP/drop/yves.csv"
check "the passwords file belongs to nobody" "nobody 600" \
	"$(stat -c '%U %a' "$TMP/drop/yves.csv.passwords" 2>/dev/null)"
check "the import names nobody as its actor" 1 \
	"$(sql "select count(*) from audit where event = 'import' and
		actor = 'nobody' and details like 'file=$TMP/drop/yves.csv %'")"
printf 'username\nzoe\n' > "$TMP/drop/zoe.csv"
chmod 0644 "$TMP/drop/zoe.csv"
expect 1 "nobody cannot make the passwords file where only root may" \
	as_nobody import "$TMP/drop/zoe.csv" --passwords-to "$TMP/pw-by-nobody"
check "and then nothing is imported" 0 \
	"$(sql "select count(*) from accounts where name = 'zoe'")"

t_end
