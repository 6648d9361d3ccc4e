#!/bin/bash
# Shell test of `crmpasswd check`, the compliance report, against a store
# in a temporary directory: exit 0 when clean, 1 with warnings only, 2 with
# anything critical; the text report and --json; findings made by real
# logins through the built module and by the clock moved with faketime;
# a broken configuration, an unsafe key and a missing store. Run as root.
#   usage: tests/cli/test_check.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
[ -x "$BUILD/crmpasswd" ] || { echo "no $BUILD/crmpasswd" >&2; exit 2; }
t_begin check crmcheck
t_need_tools faketime sqlite3 setpriv
DB=$TMP/store/crmpolicy.db
t_conf "$DB" '' "backup_dir = $TMP/backups" 'backup_warn_days = 0'
t_pamd login
C="$BUILD/crmpasswd --conf $CONF"
INIT='Init1al!Pw' PW='Corr3ct!Horse'

# conf_with NAME LINE...: $TMP/NAME, a copy of CONF with LINEs added.
conf_with() {
	f=$TMP/$1
	shift
	cp "$CONF" "$f"
	for line in "$@"; do
		echo "$line"
	done >> "$f"
	chmod 0644 "$f"
}

json_valid() {
	if [ "$(json_sql 'json_valid(j)')" = 1 ]; then ok "$1"; else not_ok "$1"; fi
}

# codes_are NAME [USER] WANT: the codes of the findings (about USER) in
# the last --json output, sorted and separated by spaces, are WANT.
codes_are() {
	if [ $# = 3 ]; then where="where json_extract(value, '\$.user') = '$2'"
	else where=""; fi
	json_is "$1" "(select group_concat(c, ' ') from (select
		json_extract(value, '\$.code') as c from json_each(j, '\$.findings')
		$where order by c))" "${3:-$2}"
}

# json_counts NAME CRITICAL WARNINGS: the counts, and that they add up to
# the findings listed by severity.
json_counts() {
	json_is "$1: critical" "json_extract(j, '\$.critical')" "$2"
	json_is "$1: warnings" "json_extract(j, '\$.warnings')" "$3"
	json_is "$1: counts match the list" "(select
		coalesce(sum(json_extract(value, '\$.severity') = 'critical'), 0)
		|| ' ' ||
		coalesce(sum(json_extract(value, '\$.severity') = 'warning'), 0)
		from json_each(j, '\$.findings'))" "$2 $3"
}

# ---- a clean store ----
expect 0 "init" $C init
expect 0 "check of an empty store is clean" $C check
grep_out "clean check says no problems" "no problems found"
expect 0 "check --json of a clean store" $C --json check
json_valid "check --json is JSON"
json_is "clean --json: ok is true" "json_extract(j, '\$.ok')" 1
json_counts "clean --json" 0 0
json_is "clean --json: no findings" "json_array_length(j, '\$.findings')" 0

# ---- warnings only ----
printf '%s\n' "$INIT" | $C user add dave --password-stdin > /dev/null 2>&1
expect 1 "a password set by the admin is a warning: exit 1" $C check
grep_out "the warning names the user" "^WARNING .*dave must change the password"
no_grep_out "no critical line with warnings only" "^CRITICAL"
grep_out "summary line counts both" "0 critical problems, 1 warning"
expect 1 "check --json with a warning" $C check --json
json_valid "warning --json is JSON"
json_is "warning --json: ok is false" "json_extract(j, '\$.ok')" 0
json_counts "warning --json" 0 1
json_is "warning --json: the finding" "(select json_extract(value,
	'\$.severity') || ' ' || json_extract(value, '\$.code') || ' ' ||
	json_extract(value, '\$.user') from json_each(j, '\$.findings'))" \
	"warning must_change dave"

# dave logs in and chooses his own password: nothing left to say.
printf '%s\n%s\n%s\n' "$INIT" "$PW" "$PW" | drive login dave auth acct \
	chauthtok > "$TMP/login" 2>&1
expect 0 "after dave's own change the store is clean again" $C check

# ---- the clock: inactivity and expiry ----
expect 0 "20 days on, dave is far from the inactivity limit" at +20d crm check
expect 1 "25 days on, dave is near the inactivity limit" at +25d crm check
grep_out "near inactivity says when" "dave will be disabled for inactivity in 5 days"
expect 1 "85 days on" at +85d crm check --json
codes_are "85 days on: dave is inactive and his password expiring" dave \
	"expiring inactive"
expect 1 "91 days on" at +91d crm check
grep_out "the password has expired" "dave's password expired on"
no_grep_out "no longer expiring once expired" "dave's password expires in"

# ---- never used ----
expect 0 "user add carol (stacked, no store password)" $C user add carol
expect 0 "6 days on, carol is still new" at +6d crm check
expect 1 "8 days on, carol never logged in" at +8d crm check
grep_out "never used names carol" "carol has never logged in"

# ---- root is never disabled for inactivity ----
expect 0 "user add root" $C user add root
expect 1 "check 60 days on" at +60d crm check
grep_out "carol is inactive 60 days on" "carol has had no login"
no_grep_out "root is never reported inactive" "root has had no login"
no_grep_out "root is never near inactivity" "root will be disabled"
expect 0 "user del root" $C user del root

# ---- locked ----
printf '%s\n' "$INIT" | $C user add erin --password-stdin > /dev/null 2>&1
for i in 1 2 3; do
	printf 'Wr0ng!guess%s\n' "$i" | drive login erin auth > /dev/null 2>&1
done
expect 1 "a locked account is a warning" $C check
grep_out "the lock is reported with the fix" "erin is locked after 3 failed logins.*crmpasswd user unlock erin"
expect 0 "unlock erin" $C user unlock erin
expect 1 "check after the unlock" $C check
no_grep_out "no lock reported after the unlock" "erin is locked"
expect 0 "user del erin" $C user del erin

# ---- critical: a second factor the user cannot give ----
expect 0 "policy set: dave must use TOTP" $C policy set --user dave mfa=totp
expect 2 "a required factor that is missing is critical: exit 2" $C check
grep_out "the critical line names dave and the fix" "^CRITICAL .*dave must give a TOTP code.*totp enroll --user dave"
grep_out "summary with one critical" "1 critical problem, 0 warnings"
expect 2 "check --json with a critical finding" $C --json check
json_valid "critical --json is JSON"
json_counts "critical --json" 1 0
json_is "critical --json: the code" "json_extract(j, '\$.findings[0].code')" \
	no_second_factor
expect 0 "policy set: mfa back to the default" $C policy set --user dave mfa=default
expect 0 "clean again" $C check

# ---- critical: an administrator without a second factor ----
conf_with admin.conf 'admin_group = nogroup'
expect 0 "user add nobody (its primary group is nogroup)" $C user add nobody
# nobody's password is in /etc/shadow, as old as the system: not the point.
expect 0 "nobody's password may age" $C policy set --user nobody max_age_days=0
expect 0 "without admin_group nobody is an ordinary user" $C check
expect 2 "an admin_group member without MFA is critical" \
	"$BUILD/crmpasswd" --conf "$TMP/admin.conf" check --json
json_is "admin finding" "(select json_extract(value, '\$.code') || ' ' ||
	json_extract(value, '\$.user') from json_each(j, '\$.findings')
	where json_extract(value, '\$.severity') = 'critical')" \
	"admin_without_mfa nobody"
expect 0 "user del nobody" $C user del nobody

# ---- critical: files ----
chmod 0644 "$TMP/crmpolicy.key"
expect 2 "a key file open to others is critical" $C check
grep_out "the key file is named with its mode" "crmpolicy.key is open to group or others (mode 0644)"
grep_out "the accounts could not be checked" "account checks skipped"
expect 2 "unsafe key --json" $C check --json
json_counts "unsafe key --json" 2 0
codes_are "unsafe key --json: codes" "accounts_skipped unsafe_file"
json_is "unsafe key --json: the file" "(select json_extract(value, '\$.file')
	from json_each(j, '\$.findings') where json_extract(value, '\$.code')
	= 'unsafe_file')" "$TMP/crmpolicy.key"
chmod 0600 "$TMP/crmpolicy.key"
expect 0 "a key file of mode 0600 is fine" $C check

chmod 0777 "$TMP/store"
expect 2 "a store directory writable by others is critical" $C check
grep_out "the store directory is named" "store directory $TMP/store is writable"
chmod 0700 "$TMP/store"

mkdir -m 0700 "$TMP/backups"
chmod 0757 "$TMP/backups"
expect 2 "a backup directory writable by others is critical" $C check
grep_out "the backup directory is named" "backup directory $TMP/backups is writable"
chmod 0700 "$TMP/backups"
expect 0 "a backup directory of mode 0700 is fine" $C check

conf_with nostore.conf "db = $TMP/nowhere/crmpolicy.db"
expect 2 "a missing store is critical, not a crash" \
	"$BUILD/crmpasswd" --conf "$TMP/nostore.conf" check
grep_out "the missing store is named" "store $TMP/nowhere/crmpolicy.db is missing"
grep_out "the accounts are skipped" "account checks skipped"

# ---- critical: a configuration that does not parse ----
conf_with bad.conf 'minlen = abc' 'nosuchkey = 1'
bad1=$(($(wc -l < "$TMP/bad.conf") - 1)) bad2=$(wc -l < "$TMP/bad.conf")
expect 2 "a bad configuration is critical" \
	"$BUILD/crmpasswd" --conf "$TMP/bad.conf" check
grep_out "the first bad line is named" "^CRITICAL .*bad.conf:$bad1:"
grep_out "the second bad line is named" "^CRITICAL .*bad.conf:$bad2:"
grep_out "accounts are skipped with a bad configuration" "account checks skipped: the configuration cannot be used"
expect 2 "bad configuration --json" \
	"$BUILD/crmpasswd" --conf "$TMP/bad.conf" --json check
json_valid "bad configuration --json is JSON"
json_counts "bad configuration --json" 3 0
codes_are "bad configuration --json: codes" "accounts_skipped config config"
chmod 0644 "$TMP/crmpolicy.key"
expect 2 "a bad configuration and an unsafe key" \
	"$BUILD/crmpasswd" --conf "$TMP/bad.conf" check
grep_out "the files are still checked" "^CRITICAL .*crmpolicy.key is open"
chmod 0600 "$TMP/crmpolicy.key"

# ---- backups ----
conf_with backup.conf 'backup_warn_days = 2'
B="$BUILD/crmpasswd --conf $TMP/backup.conf"
expect 1 "no backup is a warning" $B check
grep_out "no backup names the directory" "no backup in $TMP/backups"
expect 0 "crmpasswd backup" $B backup
expect 0 "a fresh backup is fine" $B check
CONF=$TMP/backup.conf expect 1 "three days on the backup is old" \
	at +3d crm check --json
codes_are "old backup finding" old_backup

# ---- usage and permissions ----
expect 2 "check takes no argument" $C check extra
grep_err "usage is shown" "usage:"
expect 3 "check needs root or admin_group" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$BUILD/crmpasswd" check

t_end
