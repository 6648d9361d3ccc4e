#!/bin/bash
# Stacked mode on real system accounts, through the real module around the
# real pam_unix: which accounts are governed (govern_uids); the age of a
# password kept in /etc/shadow (old, fresh, "chage -d 0", and a store
# password's own time), with the clock moved by faketime; and the history
# of changes through pam_unix, which remembers the password shadow had
# before the first one. The accounts are throwaway ones, crmt_<pid>_*,
# removed at exit even when a check fails.
# Usage: test_stacked_shadow.sh BUILD  (ends with "test_stacked_shadow: N passed, M failed")
set -u
BUILD=$(cd "${1:-build}" && pwd)
NAME=test_stacked_shadow
. "$(dirname "$0")/../lib.sh"
t_begin "$NAME" crmsh
t_need_root
t_need_tools faketime sqlite3 useradd userdel chage chpasswd

USERS=""
trap 'for u in $USERS; do userdel "$u" 2>/dev/null; done; rm -rf "$TMP"' \
	EXIT INT TERM
PW0='Orig1nal!Pw' PW1='Corr3ct!Horse' PW2='An0ther#Pass' PW3='Th1rd$Choice'
PW4='F0urth%Option'

t_conf "$TMP/crmpolicy.db" '12345Aa! password' \
	'ip_deny = 0' 'inactive_days = 0'
t_pamd standalone
cat > "$TMP/pam.d/stacked" <<EOT
auth     requisite                  $BUILD/pam_crmpolicy.so conf=$CONF preauth
auth     [success=1 default=ignore] pam_unix.so nodelay
auth     [default=die]              $BUILD/pam_crmpolicy.so conf=$CONF authfail
auth     required                   $BUILD/pam_crmpolicy.so conf=$CONF authsucc
account  required                   $BUILD/pam_crmpolicy.so conf=$CONF
password requisite                  $BUILD/pam_crmpolicy.so conf=$CONF
password [success=1 default=ignore] pam_unix.so use_authtok yescrypt
password requisite                  pam_deny.so
password required                   $BUILD/pam_crmpolicy.so conf=$CONF commit
session  optional                   $BUILD/pam_crmpolicy.so conf=$CONF
EOT

sql() { sqlite3 "$TMP/crmpolicy.db" "$1"; }

# sysuser TAG PASSWORD DAYS_AGO|0: a throwaway account whose password in
# /etc/shadow was last changed DAYS_AGO days ago (0: must change); its
# name goes to the variable TAG. chpasswd -c writes without PAM.
sysuser() {
	local name="crmt_$$_$(printf %s "$1" | tr A-Z a-z)" day=0
	USERS="$USERS $name"
	useradd -M -N -s /usr/sbin/nologin "$name" &&
		printf '%s:%s\n' "$name" "$2" | chpasswd -c YESCRYPT ||
		{ check "useradd $name" 0 1; return; }
	[ "$3" = 0 ] || day=$(date -u -d "-$3 days" +%F)
	chage -d "$day" "$name"
	check "useradd $name, last change $day" 0 $?
	eval "$1=\$name"
}

crm init >/dev/null 2>&1
check "init" 0 $?

# ---- the age of a password in /etc/shadow ----
sysuser OLD "$PW0" 100
sysuser FRESH "$PW0" 10
sysuser FORCED "$PW0" 0
out=$(drive stacked "$OLD" acct 2>&1)
check "100 days old in shadow: change required" 12 $? "$out"
has "100 days old: told to change" "You must change your password now." "$out"
out=$(drive stacked "$FRESH" acct 2>&1)
check "10 days old in shadow: allowed" 0 $? "$out"
hasnt "10 days old: no warning yet" "expires" "$out"
# Both rows were made now: the store's own time would expire them together.
check "both rows made on first sight" 2 \
	"$(sql "SELECT count(*) FROM accounts WHERE origin = 1 AND name IN ('$OLD', '$FRESH')")"
out=$(at +75d drive stacked "$FRESH" acct 2>&1)
check "fresh one at +75 days: allowed" 0 $? "$out"
has "fresh one at +75 days: warned" "Password expires in 5 days." "$out"
out=$(at +81d drive stacked "$FRESH" acct 2>&1)
check "fresh one at +81 days: change required" 12 $? "$out"
out=$(drive stacked "$FORCED" acct 2>&1)
check "chage -d 0: change required" 12 $? "$out"
check "chage -d 0 is not copied into the store" 0 \
	"$(sql "SELECT must_change FROM accounts WHERE name = '$FORCED'")"

# A store password keeps the store's time, whatever shadow says.
sysuser OWNED "$PW0" 100
printf '%s\n' "$PW0" | crm user add "$OWNED" --password-stdin >/dev/null 2>&1
check "user add with a store password" 0 $?
out=$(printf '%s\n%s\n' "$PW1" "$PW1" | drive standalone "$OWNED" chauthtok 2>&1)
check "store password changed" 0 $? "$out"
out=$(drive stacked "$OWNED" acct 2>&1)
check "store password: its own age counts" 0 $? "$out"
out=$(at +91d drive stacked "$OWNED" acct 2>&1)
check "store password at +91 days: change required" 12 $? "$out"

# ---- the history of changes through pam_unix (history = 3) ----
# passwd_to USER PASSWORD: a change through the stack, as root (no current
# password asked): the new one twice, then pam_unix writes it to shadow.
passwd_to() {
	printf '%s\n%s\n' "$2" "$2" | drive stacked "$1" chauthtok 2>&1
}
sysuser HIST "$PW0" 10
out=$(passwd_to "$HIST" "$PW0")
check "the current shadow password is refused" 20 $? "$out"
has "refused as used recently" "was used recently" "$out"
out=$(passwd_to "$HIST" "$PW1")
check "first change through the stack" 0 $? "$out"
check "shadow holds the new password" 1 \
	"$(printf '%s\n' "$PW1" | drive stacked "$HIST" auth > /dev/null 2>&1 && echo 1)"
out=$(passwd_to "$HIST" "$PW0")
check "back to the password shadow had before: refused" 20 $? "$out"
has "the old shadow password was used recently" "was used recently" "$out"
for pw in "$PW2" "$PW3"; do
	out=$(passwd_to "$HIST" "$pw")
	check "change to another password" 0 $? "$out"
done
out=$(passwd_to "$HIST" "$PW0")
check "three changes later the first password is still refused" 20 $? "$out"
check "each password is one history entry" 4 \
	"$(sql "SELECT count(*) FROM pw_history h JOIN accounts a ON a.id = h.account_id WHERE a.name = '$HIST'")"
out=$(passwd_to "$HIST" "$PW4")
check "a fourth change" 0 $? "$out"
out=$(passwd_to "$HIST" "$PW0")
check "a password out of the history is allowed" 0 $? "$out"

# ---- which accounts are governed ----
# daemon (uid 1) is outside UID_MIN..UID_MAX: no row, no audit, whatever
# the module answers for it.
drive stacked daemon acct > /dev/null 2>&1
printf '%s\n' "$PW0" | drive stacked daemon auth > /dev/null 2>&1
check "daemon: no row" 0 "$(sql "SELECT count(*) FROM accounts WHERE name = 'daemon'")"
check "daemon: no audit" 0 "$(sql "SELECT count(*) FROM audit WHERE subject = 'daemon'")"
check "a login.defs uid has a row" 1 \
	"$(sql "SELECT count(*) FROM accounts WHERE name = '$OLD'")"
{ cat "$CONF"; echo 'govern_uids = 1,login.defs'; } > "$TMP/gov.conf"
chmod 0644 "$TMP/gov.conf"
sed "s|conf=$CONF|conf=$TMP/gov.conf|" "$TMP/pam.d/stacked" > "$TMP/pam.d/gov"
drive gov daemon acct > /dev/null 2>&1
check "daemon listed in govern_uids: a row" 1 \
	"$(sql "SELECT count(*) FROM accounts WHERE name = 'daemon'")"

t_end
