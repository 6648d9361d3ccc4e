#!/bin/sh
# Shell test of the built crmpasswd against a store in a temporary
# directory: init, user and policy administration, --json output, check,
# and the exit codes for usage errors and unprivileged callers. Run as root.
#   usage: tests/cli/test_crmpasswd.sh BUILD_DIR
set -u

BUILD=${1:?usage: $0 BUILD_DIR}
CRMPASSWD=$(cd "$BUILD" && pwd)/crmpasswd
. "$(dirname "$0")/../lib.sh"

t_need_root
[ -x "$CRMPASSWD" ] || { echo "no $CRMPASSWD" >&2; exit 2; }

t_begin crmpasswd crmcli
t_conf "$TMP/store/crmpolicy.db" '12345Aa! Passw0rd!'

# expect_in CODE NAME INPUT COMMAND...: like expect, INPUT on stdin.
expect_in() {
	want=$1 name=$2 input=$3
	shift 3
	printf '%s\n' "$input" | "$@" > "$TMP/out" 2> "$TMP/err"
	got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		echo "# exit $got, wanted $want"
		not_ok "$name"
	fi
}

json_valid() {
	if [ "$(json_sql 'json_valid(j)')" = 1 ]; then ok "$1"; else not_ok "$1"; fi
}

mode_of() {
	stat -c %a "$1" 2>/dev/null
}

C="$CRMPASSWD --conf $CONF"

# ---- init ----
expect 0 "init creates store and key" $C init
[ "$(mode_of "$TMP/crmpolicy.key")" = 600 ] && ok "key file is 0600" \
	|| not_ok "key file is 0600"
[ "$(stat -c %s "$TMP/crmpolicy.key" 2>/dev/null)" = 32 ] \
	&& ok "key file holds 32 bytes" || not_ok "key file holds 32 bytes"
[ "$(mode_of "$TMP/store")" = 700 ] && ok "store directory is 0700" \
	|| not_ok "store directory is 0700"
expect 0 "init again keeps what exists" $C init

# ---- users ----
expect_in 0 "user add with --password-stdin" 'Tr1cky!Pass' \
	$C user add alice --email alice@example.com --group staff --password-stdin
expect_in 4 "user add refuses a weak password" 'short' \
	$C user add bob --password-stdin
grep_err "refusal names the failed rule" "at least"
expect 1 "status of a refused user: not in the store" $C status bob
expect_in 4 "user add refuses a bad-words password" 'Passw0rd!' \
	$C user add bob --password-stdin
expect 0 "user add without terminal or password (stacked)" $C user add carol
expect 1 "user add refuses an existing user" $C user add carol
expect 2 "user add refuses a bad e-mail" $C user add dave --email 'a b@c'
expect 2 "user add refuses a bad name" $C user add 'bad name'
expect 0 "user list" $C user list
grep_out "user list shows alice" "alice"
grep_out "user list shows the e-mail" "alice@example.com"
expect 0 "user list --json" $C user list --json
json_valid "user list --json is JSON"
json_is "user list --json has both users" "json_array_length(j)" 2
json_is "user list --json names groups" "json_extract(j, '\$[0].groups')" '["staff"]'

# ---- status ----
expect 0 "status alice" $C status alice
grep_out "status shows must change" "yes"
grep_out "status shows groups" "staff"
expect 0 "status --json" $C --json status alice
json_valid "status --json is JSON"
json_is "status --json user" "json_extract(j, '\$.user')" alice
json_is "status --json must_change" "json_extract(j, '\$.must_change')" 1
json_is "status --json state" "json_extract(j, '\$.state')" active

expect 0 "user disable" $C user disable alice
expect 0 "status after disable" $C status alice
grep_out "status shows disabled (admin)" "disabled (admin)"
expect 0 "user enable" $C user enable alice
expect 0 "user unlock" $C user unlock alice
expect 0 "user expire" $C user expire alice
expect 1 "user unlock of an unknown user" $C user unlock ghost
expect 0 "user set e-mail and mfa" $C user set alice --email a2@example.com \
	--verified --mfa totp
expect 0 "status after user set" $C --json status alice
json_is "status shows the new mfa" "json_extract(j, '\$.mfa')" totp
json_is "status shows the verified address" "json_extract(j, '\$.email_verified')" 1

# ---- admin reset ----
expect_in 0 "passwd resets a password" 'An0ther!Pass' \
	$C passwd alice --password-stdin
expect_in 4 "passwd refuses a weak password" 'alice' \
	$C passwd alice --password-stdin
expect_in 1 "passwd of an unknown user" 'An0ther!Pass' \
	$C passwd ghost --password-stdin

# ---- groups ----
expect 0 "group add" $C group add ops
expect 1 "group add refuses a duplicate" $C group add ops
expect 0 "group member add" $C group member add ops carol
expect 0 "group list --json" $C group list --json
json_valid "group list --json is JSON"
grep_out "group list has ops with carol" '"members":\["carol"\]'
expect 0 "group member del" $C group member del ops carol
expect 0 "group del" $C group del ops
expect 1 "group del of an unknown group" $C group del ops

# ---- policy ----
expect 0 "policy set on a group" $C policy set --group staff minlen=12 history=5
expect 2 "policy set refuses an unknown key" $C policy set --global nokey=1
expect 2 "policy set refuses a conf-only key" $C policy set --global db=/tmp/x
grep_err "conf-only key is named" "can only be set in crmpolicy.conf"
expect 2 "policy set refuses a bad value" $C policy set --global minlen=abc
expect 1 "policy set refuses an unknown user" $C policy set --user ghost minlen=9
expect 2 "policy set needs exactly one scope" $C policy set minlen=9
expect 0 "policy show --explain" $C policy show --user alice --explain
grep_out "explain shows the group value and source" "minlen.*12.*staff"
grep_out "explain shows defaults" "deny.*3.*default"
expect 0 "policy show --json" $C policy show --group staff --json
json_valid "policy show --json is JSON"
json_is "policy show --json minlen" \
	"(select json_extract(value, '\$.value') from json_each(j)
	  where json_extract(value, '\$.key') = 'minlen')" 12
expect 0 "policy set default removes an override" \
	$C policy set --group staff minlen=default
expect 0 "policy show after removal" $C policy show --group staff --explain
grep_out "minlen back to its default" "minlen.*8"

# ---- check (tests/cli/test_check.sh tests the report in full) ----
# A backup directory of the test's own, so that the host's cannot matter.
cp "$CONF" "$TMP/check.conf"
printf 'backup_dir = %s\nbackup_warn_days = 0\n' "$TMP/backups" \
	>> "$TMP/check.conf"
expect 2 "check: mfa totp without enrolment is critical" \
	"$CRMPASSWD" --conf "$TMP/check.conf" check
grep_out "check names alice's missing TOTP" "^CRITICAL .*alice must give a TOTP code"
expect 0 "user set alice --mfa none" $C user set alice --mfa none
expect 1 "check with warnings only exits 1" \
	"$CRMPASSWD" --conf "$TMP/check.conf" check
grep_out "check names alice's forced change" "alice must change the password"
no_grep_out "check finds nothing critical" "^CRITICAL"
cp "$CONF" "$TMP/bad.conf"
printf 'minlen = abc\nnosuchkey = 1\ndeny = -1\n' >> "$TMP/bad.conf"
chmod 0644 "$TMP/bad.conf"
expect 2 "check on a bad configuration is critical: exit 2" \
	"$CRMPASSWD" --conf "$TMP/bad.conf" check
for n in 6 7 8; do
	grep_out "check names bad line $n" "bad.conf:$n:"
done
expect 5 "other commands refuse a bad configuration" \
	"$CRMPASSWD" --conf "$TMP/bad.conf" user list
chmod 0644 "$TMP/crmpolicy.key"
expect 2 "check reports an unsafe key file mode as critical: exit 2" $C check
grep_out "check names the key file" "crmpolicy.key"
chmod 0600 "$TMP/crmpolicy.key"

# ---- rules from an ssh session: the self-lockout guard ----
# The client address of the session is the first word of SSH_CONNECTION.
ssh_session() {
	SSH_CONNECTION="192.0.2.10 50022 192.0.2.1 22" "$@"
}
expect 0 "rule add: the admin's network" \
	$C rule add admin-net --network 192.0.2.0/24 --action allow --priority 10
expect 0 "rule add: another network" \
	$C rule add other-net --network 198.51.100.0/24 --action allow
expect 0 "rule default deny, the admin's network still let in" \
	ssh_session $C rule default deny
expect 3 "rule add that denies the admin's own address: refused" \
	ssh_session $C rule add block-doc --network 192.0.2.0/25 --action deny --priority 5
grep_err "the add refusal names the address and --force" \
	"this rule would deny your own connection from 192.0.2.10 (user root, sshd); add --force to add it anyway"
expect 3 "rule del of the rule that lets the admin in: refused" \
	ssh_session $C rule del admin-net
grep_err "the del refusal names the address and --force" \
	"deleting this rule would deny your own connection from 192.0.2.10 (user root, sshd); add --force to delete it anyway"
expect 0 "the rule is still there" $C rule test root 192.0.2.10
grep_out "the admin is still let in by it" "allow by rule 'admin-net'"
expect 0 "rule del of a rule the admin does not need" ssh_session $C rule del other-net
expect 2 "rule del takes one name" $C rule del admin-net other-net
expect 2 "rule del knows no other option" $C rule del admin-net --bogus
expect 0 "rule del --force" ssh_session $C rule del admin-net --force
expect 0 "the admin's address is now denied" $C rule test root 192.0.2.10
grep_out "denied by the default row" "deny by the default row"
n=$(sqlite3 "$TMP/store/crmpolicy.db" "select count(*) from audit where
	event = 'rule.change' and details like 'del name=admin-net%force=yes'")
check "the forced delete is audited" 1 "$n"
expect 0 "rule default allow again" $C rule default allow

# ---- usage and permissions ----
expect 2 "unknown command is a usage error" $C frobnicate
expect 2 "unknown option is a usage error" $C user list --bogus
expect 2 "missing argument is a usage error" $C user add
expect 2 "--conf without a value" "$CRMPASSWD" --conf
NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
expect 3 "non-root may not use --conf" $NOBODY $C status
grep_err "says only root may use --conf" "only root may use --conf"
expect 3 "non-root may not list users" $NOBODY "$CRMPASSWD" user list
grep_err "permission denied names the command" "permission denied: user list"
expect 3 "non-root may not see another user's status" \
	$NOBODY "$CRMPASSWD" status root
expect 3 "non-root may not set policy" \
	$NOBODY "$CRMPASSWD" policy set --global minlen=4
expect 3 "non-root may not init" $NOBODY "$CRMPASSWD" init

# ---- user del last: the audit trail names every change ----
expect 0 "user del" $C user del carol
expect 1 "user del of an unknown user" $C user del carol
n=$(sqlite3 "$TMP/store/crmpolicy.db" \
	"select count(*) from audit where actor='root' and event in
	 ('user.add','user.del','disable','enable','unlock','password.expire',
	  'password.change','policy.change','group.add','member.add')" 2>/dev/null)
if [ "${n:-0}" -ge 10 ]; then ok "changes are audited with the actor"
else echo "# audited: ${n:-none}"; not_ok "changes are audited with the actor"; fi

t_end
