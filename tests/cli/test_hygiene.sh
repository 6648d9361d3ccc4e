#!/bin/bash
# Secret hygiene. Logins, password changes (by root, by a user through a
# setuid copy of crmpasswd, through PAM), a TOTP enrolment and TOTP
# logins, e-mailed codes (in-process and through the setuid helper), a
# recovery code, an import's generated password, a backup and an export;
# then every password, code and TOTP secret used (the secret also in
# base32 lower case, hex, base64 and raw) is looked for in the store and
# its -wal and -shm, syslog, the audit trail, the backups, the exported
# CSV, every command's output, and /proc/PID/environ and cmdline of
# crmpasswd and of the helper read while they wait for a secret. Only the
# captured mail (which carries the e-mailed codes), the enrolment's own
# output and the import's passwords file are left out. Then: crmpasswd and
# the helper are not dumpable and write no core file while they hold
# secrets, and a setuid run ignores a hostile environment (LD_PRELOAD,
# LD_LIBRARY_PATH, TMPDIR, SQLITE_TMPDIR, LOCPATH, NLSPATH, LC_ALL and LANG
# naming paths), closed standard descriptors and a huge argv. Everything
# runs in a private mount namespace whose /dev/log is a socket this test
# reads, so syslog is captured whatever the host runs.
# Run as root.
#   usage: tests/cli/test_hygiene.sh BUILD_DIR
set -u
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$(dirname "$0")/../lib.sh"

t_need_root
if [ "${CRM_HYGIENE_NS:-}" != 1 ]; then
	command -v unshare > /dev/null ||
		{ echo "hygiene: unshare is missing"; echo "hygiene: 0 passed, 1 failed"; exit 1; }
	CRM_HYGIENE_NS=1 exec unshare -m --propagation private bash "$0" "$BUILD"
fi
t_begin hygiene crmhyg
t_need_tools sqlite3 setpriv oathtool cc msgfmt /usr/bin/python3
MATRIX=$(ls /usr/lib/*/pam_wrapper/pam_matrix.so 2>/dev/null | head -n 1)
[ -n "$MATRIX" ] || t_need_tools pam_matrix.so

# ---- a private /dev with this test's /dev/log ----
mkdir "$TMP/dev"
for n in null zero full random urandom tty; do
	: > "$TMP/dev/$n"
	mount --bind "/dev/$n" "$TMP/dev/$n"
done
for n in stdin:0 stdout:1 stderr:2; do
	ln -s "/proc/self/fd/${n#*:}" "$TMP/dev/${n%:*}"
done
ln -s /proc/self/fd "$TMP/dev/fd"
cat > "$TMP/syslogd.py" <<'EOF'
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], 'ab', buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b'\n') + b'\n')
EOF
/usr/bin/python3 "$TMP/syslogd.py" "$TMP/dev/log" "$TMP/syslog" &
LOGD=$!
for _ in $(seq 100); do [ -S "$TMP/dev/log" ] && break; sleep 0.05; done
mount --rbind "$TMP/dev" /dev
READER=""
trap 'kill "$LOGD" $READER 2>/dev/null; umount -R -l /dev 2>/dev/null
	umount -l "$TMP"/dev/* 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
# A process that dies early must fail its check, not end the test.
trap '' PIPE

# ---- the store, the conf, the stacks and the setuid copies ----
t_mail_sink
DB=$TMP/store/crmpolicy.db
t_conf "$DB" '' 'ip_deny = 0' 'notify_new_ip = no' \
	"sendmail = $TMP/mail/sendmail" "backup_dir = $TMP/backups" \
	'backup_warn_days = 0' 'helper_services = crm-web:www-data'
mkdir -p "$TMP/bin" "$TMP/etc-security" "$TMP/etc-pamd" "$TMP/runs" \
	"$TMP/proc" "$TMP/backups"
chmod 0700 "$TMP/backups"
cp "$CONF" "$TMP/etc-security/crmpolicy.conf"
cp "$BUILD/crmpasswd" "$BUILD/crmpolicy_helper" "$BUILD/pam_crmpolicy.so" \
	"$BUILD/tests/pamdrive" "$TMP/bin/"
cp "$BUILD/crmpasswd" "$TMP/bin/crmpasswd-plain"
chmod 4755 "$TMP/bin/crmpasswd" "$TMP/bin/crmpolicy_helper"
CRMPW=$TMP/bin/crmpasswd HELPER=$TMP/bin/crmpolicy_helper
sed "s|pam_crmpolicy.so|$TMP/bin/pam_crmpolicy.so|" "$TOP/etc/pam.d/crmpasswd" \
	> "$TMP/etc-pamd/crmpasswd"
t_pamd login
for phase in auth account password; do
	echo "$phase required $TMP/bin/pam_crmpolicy.so helper=$HELPER"
done > "$TMP/pam.d/crm-web"
R=$TMP/runs
sql() { sqlite3 "$DB" "$1"; }
# run NAME WANT CMD...: CMD with its output kept in runs/NAME (scanned).
run() {
	local name=$1 want=$2
	shift 2
	"$@" > "$R/$name.out" 2> "$R/$name.err" < /dev/null
	check "$name" "$want" "$?" "$(cat "$R/$name.out" "$R/$name.err")"
}
# feed NAME WANT INPUT CMD...: the same with INPUT on stdin.
feed() {
	local name=$1 want=$2 input=$3
	shift 3
	printf '%b' "$input" | "$@" > "$R/$name.out" 2> "$R/$name.err"
	check "$name" "$want" "$?" "$(cat "$R/$name.out" "$R/$name.err")"
}
# pid_of EXE: the process running EXE.
pid_of() {
	local p
	for _ in $(seq 100); do
		for p in /proc/[0-9]*; do
			if [ "$(readlink "$p/exe" 2>/dev/null)" = "$1" ]; then
				echo "${p#/proc/}"
				return 0
			fi
		done
		sleep 0.05
	done
	return 1
}
rchar() { sed -n 's/^rchar: //p' "/proc/$1/io" 2>/dev/null; }
# waiting PID MIN: PID, having read at least MIN bytes, sleeps in read(0).
waiting() {
	for _ in $(seq 200); do
		if [ "$(rchar "$1")" -ge "$2" ] 2>/dev/null &&
		   [ "$(cut -d' ' -f1,2 "/proc/$1/syscall" 2>/dev/null)" = "0 0x0" ] &&
		   grep -q '^State:.*S' "/proc/$1/status" 2>/dev/null; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}
# Core files allowed where the hard limit lets them be, so that the
# programs' own limit shows.
ulimit -S -c "$(ulimit -H -c)" 2> /dev/null
[ "$(ulimit -H -c)" = 0 ] &&
	echo "# core files are off for this run (hard limit 0): the limit checks cannot fail"
# snap NAME PID: its environ and cmdline, to be scanned; its core limit.
snap() {
	cat "/proc/$2/environ" > "$TMP/proc/$1.environ" 2>/dev/null
	cat "/proc/$2/cmdline" > "$TMP/proc/$1.cmdline" 2>/dev/null
	check "$1: no core file (RLIMIT_CORE 0)" "0 0" \
		"$(awk '/^Max core file size/ {print $5, $6}' "/proc/$2/limits")"
}
# unreadable NAME PID USER: USER cannot read PID's environ or memory.
unreadable() {
	check "$1: /proc/PID is root's" root:root "$(stat -c %U:%G "/proc/$2/environ")"
	t_as "$3" sh -c "cat /proc/$2/environ || exit 0; exit 1" > /dev/null 2>&1
	check "$1: $3 cannot read its environ" 0 "$?"
	t_as "$3" sh -c "(exec 3< /proc/$2/mem) 2> /dev/null && exit 1; exit 0"
	check "$1: $3 cannot open its memory" 0 "$?"
}
mailed_code() { grep -E '^    [0-9]{6,10}$' "$MAIL" | tail -n 1 | tr -d ' '; }
mails() { grep -c '^=====END=====$' "$MAIL"; }
# What is looked for: NAME, kind (text, code, totp) and value, a tab apart.
NEEDLES=$TMP/needles
secret() { [ -z "$3" ] || printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$NEEDLES"; }

A_INIT='Hyg1ene!Amber-first' A_PW='Hyg1ene!Cedar-pam' A_PW2='Hyg1ene!Delta-reset'
A_PW3='Hyg1ene!Ember-again' B_INIT='Hyg1ene!Fjord-first' B_PW='Hyg1ene!Grove-new'
N_INIT='Hyg1ene!Heron-first' N_PW='Hyg1ene!Indigo-own' WRONG='Hyg1ene!Typo-guess'
for v in A_INIT A_PW A_PW2 A_PW3 B_INIT B_PW N_INIT N_PW WRONG; do
	secret "password $v" text "${!v}"
done

run init 0 crm init
# A reader keeps the store open to the end, so that its -wal and -shm
# stay on disk with every page written meanwhile.
mkfifo "$TMP/reader"
sqlite3 "$DB" < "$TMP/reader" > /dev/null 2>&1 &
READER=$!
exec 9> "$TMP/reader"
echo 'select count(*) from accounts;' >&9

# ---- alice: a first password, a typo, PAM's change, root's reset ----
feed "alice is added" 0 "$A_INIT\n" crm user add alice \
	--email alice@example.com --password-stdin
feed "a mistyped password is refused" 7 "$WRONG\n" \
	drive --rhost 127.0.1.5 login alice auth
feed "alice's first login changes her password through PAM" 0 \
	"$A_INIT\n$A_PW\n$A_PW\n" drive --rhost 127.0.1.5 login alice auth acct chauthtok
feed "root resets it (crmpasswd passwd)" 0 "$A_PW2\n" crm passwd alice \
	--password-stdin
feed "the reset password is changed at the next login" 0 \
	"$A_PW2\n$A_PW3\n$A_PW3\n" drive --rhost 127.0.1.5 login alice auth acct chauthtok

# ---- alice enrols TOTP; root's crmpasswd is looked at meanwhile ----
mkfifo "$TMP/answers"
"$BUILD/crmpasswd" --conf "$CONF" totp enroll --user alice --password-stdin \
	< "$TMP/answers" > "$TMP/enrol.out" 2>&1 &
pid=$!
exec 7> "$TMP/answers"
URI=""
for _ in $(seq 100); do
	URI=$(grep -m 1 '^otpauth://' "$TMP/enrol.out")
	[ -n "$URI" ] && break
	sleep 0.05
done
SECRET=${URI#*secret=}
SECRET=${SECRET%%&*}
if [ -n "$URI" ] && waiting "$pid" 0; then
	ok "root's enrolment shows the secret and waits for a code"
	snap crmpasswd-root-enrol "$pid"
else
	not_ok "root's enrolment shows the secret and waits for a code"
fi
CODE1=$(oathtool --totp -b "$SECRET")
printf '%s\n' "$CODE1" >&7
exec 7>&-
wait "$pid"
check "the enrolment is confirmed with a code" 0 "$?" "$(cat "$TMP/enrol.out")"
secret "alice's TOTP secret" totp "$SECRET"
secret "the enrolment code" code "$CODE1"
n=0
for rc in $(grep -E '^    [2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{2}$' "$TMP/enrol.out"); do
	n=$((n + 1))
	secret "recovery code $n" text "$rc"
	secret "recovery code $n without dashes" text "$(echo "$rc" | tr -d -)"
	RECOVERY=$rc
done
check "ten recovery codes" 10 "$n"
run "alice must give a TOTP code" 0 crm user set alice --mfa totp
CODE2=$(oathtool --totp -b -N 'now + 30 seconds' "$SECRET")
secret "a TOTP login code" code "$CODE2"
feed "alice logs in with a TOTP code" 0 "$A_PW3\n$CODE2\n" \
	drive --rhost 127.0.1.5 login alice auth acct
feed "alice logs in with a recovery code" 0 "$A_PW3\n$RECOVERY\n" \
	drive --rhost 127.0.1.5 login alice auth acct

# ---- bob: e-mailed codes, in-process and through the helper ----
feed "bob is added" 0 "$B_INIT\n" crm user add bob --password-stdin
run "bob must give an e-mailed code" 0 crm user set bob \
	--email bob@example.com --verified --mfa email
# code_login NAME OUT FIRST REST CMD...: CMD with FIRST on its stdin, then
# the mailed code and REST once the code prompt shows; PID of EXE
# (if set) is looked at while the prompt waits.
code_login() {
	local name=$1 out=$2 first=$3 rest=$4 before code
	shift 4
	rm -f "$TMP/answers"
	mkfifo "$TMP/answers"
	before=$(mails)
	"$@" < "$TMP/answers" > "$out" 2>&1 &
	local job=$!
	exec 7> "$TMP/answers"
	printf '%b' "$first" >&7
	for _ in $(seq 200); do
		grep -q 'A code was sent to' "$out" && [ "$(mails)" -gt "$before" ] && break
		sleep 0.05
	done
	if [ -z "${EXE:-}" ]; then
		:
	elif pid=$(pid_of "$EXE"); then
		snap "$SNAP" "$pid"
		unreadable "$SNAP" "$pid" "$AS"
	else
		not_ok "$SNAP waits while the code prompt shows"
	fi
	code=$(mailed_code)
	secret "the e-mailed code of $name" code "$code"
	printf '%s\n%b' "$code" "$rest" >&7
	exec 7>&-
	wait "$job"
	check "$name" 0 "$?" "$(cat "$out")"
}
EXE="" code_login "bob's first login with an e-mailed code, then a change" \
	"$R/bob-first.out" "$B_INIT\n" "$B_PW\n$B_PW\n" \
	"$BUILD/tests/pamdrive" --confdir "$TMP/pam.d" --rhost 127.0.1.6 login bob \
	auth acct chauthtok
EXE=$HELPER SNAP=helper AS=www-data code_login \
	"www-data logs bob in through the helper with an e-mailed code" \
	"$R/bob-helper.out" "$B_PW\n" "" \
	t_as www-data "$TMP/bin/pamdrive" --confdir "$TMP/pam.d" --rhost 127.0.1.6 \
	crm-web bob auth acct

# ---- nobody changes their own password through the setuid copy ----
feed "nobody is added" 0 "$N_INIT\n" crm user add nobody --password-stdin
rm -f "$TMP/answers"
mkfifo "$TMP/answers"
t_as nobody "$CRMPW" --password-stdin < "$TMP/answers" > "$R/own.out" 2>&1 &
job=$!
exec 7> "$TMP/answers"
if pid=$(pid_of "$CRMPW") && waiting "$pid" 0; then
	r0=$(rchar "$pid")
	printf '%s\n' "$N_INIT" >&7
	if waiting "$pid" $((r0 + ${#N_INIT} + 1)); then
		ok "the setuid crmpasswd waits for the new password"
		snap crmpasswd-setuid-own "$pid"
		unreadable crmpasswd-setuid-own "$pid" nobody
	else
		not_ok "the setuid crmpasswd waits for the new password"
	fi
	printf '%s\n%s\n' "$N_PW" "$N_PW" >&7
else
	not_ok "the setuid crmpasswd starts"
fi
exec 7>&-
wait "$job"
check "nobody's own change" 0 "$?" "$(cat "$R/own.out")"
check "it is audited as the user's own" 1 \
	"$(sql "select count(*) from audit where event = 'password.change' and
		subject = 'nobody' and details = 'by=self'")"

# ---- an admin_group member imports an account: a generated password ----
{ cat "$CONF"; echo "admin_group = nogroup"; } > "$TMP/etc-security/crmpolicy.conf"
mkdir -m 1777 "$TMP/drop"
printf 'username\nyves\n' > "$TMP/drop/yves.csv"
chmod 0644 "$TMP/drop/yves.csv"
run "nobody, in admin_group, imports through the setuid copy" 0 \
	t_as nobody "$CRMPW" import "$TMP/drop/yves.csv"
check "the generated password is in nobody's file only" "nobody 600" \
	"$(stat -c '%U %a' "$TMP/drop/yves.csv.passwords" 2>/dev/null)"
secret "the password generated for yves" text "$(/usr/bin/python3 -c '
import csv, sys
print(list(csv.reader(open(sys.argv[1])))[1][1])' "$TMP/drop/yves.csv.passwords" 2>/dev/null)"
cp "$CONF" "$TMP/etc-security/crmpolicy.conf"

# ---- crmpasswd not setuid: not dumpable all the same ----
# Run by nobody as nobody, it is nobody's process; only its own prctl
# keeps /proc/PID from nobody. A stack on pam_matrix makes it wait.
mv "$TMP/etc-pamd/crmpasswd" "$TMP/etc-pamd/crmpasswd.shipped"
echo "nobody:Matr1x!Pw:crmpasswd" > "$TMP/passdb"
chmod 0644 "$TMP/passdb"
echo "password required $MATRIX passdb=$TMP/passdb" > "$TMP/etc-pamd/crmpasswd"
rm -f "$TMP/answers"
mkfifo "$TMP/answers"
t_as nobody "$TMP/bin/crmpasswd-plain" --password-stdin < "$TMP/answers" \
	> "$R/plain.out" 2>&1 &
job=$!
exec 7> "$TMP/answers"
if pid=$(pid_of "$TMP/bin/crmpasswd-plain") && waiting "$pid" 0; then
	check "the plain copy runs as nobody" 65534 \
		"$(awk '/^Uid:/ {print $3}' "/proc/$pid/status")"
	snap crmpasswd-plain "$pid"
	unreadable crmpasswd-plain "$pid" nobody
else
	not_ok "the plain copy waits for a password"
fi
exec 7>&-
wait "$job"
mv "$TMP/etc-pamd/crmpasswd.shipped" "$TMP/etc-pamd/crmpasswd"

# ---- a backup, an export, the audit trail, the login history ----
run backup 0 crm backup
run "export users --csv" 0 crm export users --csv
cp "$R/export users --csv.out" "$TMP/export.csv"
run "audit --json" 0 crm audit --json
cp "$R/audit --json.out" "$TMP/audit.json"
run "logins --json" 0 crm logins --json
run "user list --json" 0 crm user list --json
run "status alice" 0 crm status alice

# ---- the scan ----
cat > "$TMP/scan.py" <<'EOF'
import base64, re, sys
needles = []
for line in open(sys.argv[1], encoding='utf-8'):
    name, kind, value = line.rstrip('\n').split('\t')
    if kind == 'code':
        needles.append((name, re.compile(rb'(?<![0-9])' + re.escape(value.encode())
                                         + rb'(?![0-9])')))
    elif kind == 'totp':
        raw = base64.b32decode(value.upper() + '=' * (-len(value) % 8))
        for form, b in (('base32', value.upper().encode()),
                        ('base32 lower case', value.lower().encode()),
                        ('hex', raw.hex().encode()), ('HEX', raw.hex().upper().encode()),
                        ('base64', base64.b64encode(raw).rstrip(b'=')),
                        ('raw bytes', raw)):
            needles.append((name + ' (' + form + ')', re.compile(re.escape(b))))
    else:
        needles.append((name, re.compile(re.escape(value.encode()))))
for path in sys.argv[2:]:
    data = open(path, 'rb').read()
    hits = [name for name, rx in needles if rx.search(data)]
    print(path + '\t' + (', '.join(hits) if hits else '-'))
EOF
# scan NAME FILE...: one check per file, failing with what it holds.
scan() {
	local name=$1 path hits
	shift
	/usr/bin/python3 "$TMP/scan.py" "$NEEDLES" "$@" > "$TMP/hits" 2>&1 ||
		{ not_ok "$name: the scan ran"; cat "$TMP/hits"; return; }
	while IFS=$'\t' read -r path hits; do
		if [ "$hits" = - ]; then ok "$name: no secret in ${path#"$TMP"/}"; else
			echo "# ${path#"$TMP"/} holds: $hits"
			FAILED=$((FAILED + 1))
			echo "not ok - $name: no secret in ${path#"$TMP"/}"
		fi
	done < "$TMP/hits"
}
# The scan finds what it looks for: the enrolment showed the secret and
# the mail carries the codes.
/usr/bin/python3 "$TMP/scan.py" "$NEEDLES" "$TMP/enrol.out" "$MAIL" > "$TMP/hits"
has "the scan finds the TOTP secret in the enrolment's output" \
	"alice's TOTP secret (base32)" "$(grep enrol.out "$TMP/hits")"
has "the scan finds the e-mailed code in the mail" "the e-mailed code of" \
	"$(grep sendmail.out "$TMP/hits")"
has "crmpasswd's syslog lines are captured" "crmpasswd[" "$(cat "$TMP/syslog")"
has "the module's syslog lines are captured" "pam_crmpolicy" "$(cat "$TMP/syslog")"
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -s "$f" ] && ok "${f#"$TMP"/} is on disk" || not_ok "${f#"$TMP"/} is on disk"
done
scan store "$DB" "$DB-wal" "$DB-shm"
scan syslog "$TMP/syslog"
scan audit "$TMP/audit.json"
scan backup "$TMP"/backups/*
scan export "$TMP/export.csv"
scan proc "$TMP"/proc/*
scan output "$R"/*
exec 9>&-
wait "$READER"

# ---- a setuid run in a hostile environment ----
H=$TMP/hostile
mkdir -m 1777 "$H" "$H/tmp"
mkdir -p "$H/lib" "$H/evil" "$H/locpath" "$H/catalogs/xx/LC_MESSAGES" "$H/nls"
cat > "$H/pwned.c" <<EOF
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void pwned(void)
{
	int fd = open("$H/pwned", O_WRONLY | O_CREAT | O_APPEND, 0666);

	if (fd >= 0) {
		(void)!write(fd, "PWNED\n", 6);
		close(fd);
	}
	(void)!write(2, "PWNED\n", 6);
}
EOF
cc -shared -fPIC -o "$H/pwned.so" "$H/pwned.c" || not_ok "the PWNED library builds"
for lib in libsodium.so.23 libsqlite3.so.0; do
	cp "$H/pwned.so" "$H/lib/$lib"
done
printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "usage:"\nmsgstr "EVIL"\n\nmsgid "User:"\nmsgstr "EVIL:"\n' \
	> "$H/evil.po"
msgfmt -o "$H/catalogs/xx/LC_MESSAGES/crmpolicy.mo" "$H/evil.po"
cp -r /usr/lib/locale/C.utf8/. "$H/evil/"
cp -r /usr/lib/locale/C.utf8 "$H/locpath/xx_XX.UTF-8"
cp "$H/catalogs/xx/LC_MESSAGES/crmpolicy.mo" "$H/evil/LC_MESSAGES/"
cp "$H/catalogs/xx/LC_MESSAGES/crmpolicy.mo" "$H/nls/crmpolicy"
chmod -R a+rX "$H"
HOSTILE="LD_PRELOAD=$H/pwned.so SQLITE_TMPDIR=$H/tmp TMPDIR=$H/tmp
	LOCPATH=$H/locpath LC_ALL=xx_XX.UTF-8 CRMPOLICY_LOCALEDIR=$H/catalogs
	NLSPATH=$H/nls/%N"
# The store's bytes (no connection is open between commands), its
# content and the key.
sum() { { cat "$DB" "$TMP/crmpolicy.key"; sql .dump; } | sha256sum; }
STORE=$(sum)
# clean NAME: nothing reached the world-writable directory, no library
# ran, the store and the key are as they were.
clean() {
	[ -e "$H/pwned" ] && not_ok "$1: no library from the caller ran" ||
		ok "$1: no library from the caller ran"
	rm -f "$H/pwned"
	check "$1: nothing in TMPDIR" "" "$(ls -A "$H/tmp")"
	check "$1: the store and the key are unchanged" "$STORE" "$(sum)"
}
# The same environment is potent where it is honoured: a copy of
# crmpasswd without the setuid bit loads the library and the catalog.
# shellcheck disable=SC2086
t_as nobody env $HOSTILE "$TMP/bin/crmpasswd-plain" --bogus > "$TMP/out" 2> "$TMP/err"
grep_err "control: not setuid, the library runs" PWNED
grep_err "control: not setuid, the catalog speaks" "^EVIL crmpasswd"
rm -f "$H/pwned"
# shellcheck disable=SC2086
expect 2 "setuid, hostile environment: a usage error is a usage error" \
	t_as nobody env $HOSTILE "$CRMPW" --bogus
grep_err "setuid, hostile environment: plain usage text" "^usage: crmpasswd"
hasnt "setuid, hostile environment: no PWNED" "PWNED" "$(cat "$TMP/out" "$TMP/err")"
hasnt "setuid, hostile environment: no EVIL" "EVIL" "$(cat "$TMP/out" "$TMP/err")"
# shellcheck disable=SC2086
expect 0 "setuid, hostile environment: status works" \
	t_as nobody env $HOSTILE "$CRMPW" status
grep_out "setuid, hostile environment: status in English" "^User: *nobody"
no_grep_out "setuid, hostile environment: status without EVIL" "EVIL"
hasnt "setuid, hostile environment: status without PWNED" "PWNED" "$(cat "$TMP/err")"
clean "setuid, hostile environment"
expect 127 "control: not setuid, LD_LIBRARY_PATH's libraries are loaded" \
	t_as nobody env LD_LIBRARY_PATH="$H/lib" "$TMP/bin/crmpasswd-plain" --help
grep_err "control: and fail for want of the real ones" "symbol lookup error"
expect 0 "setuid, LD_LIBRARY_PATH is ignored" \
	t_as nobody env LD_LIBRARY_PATH="$H/lib" "$CRMPW" --help
for how in "LC_ALL=$H/evil" "LANG=$H/evil" "LC_ALL=../../../..$H/catalogs/xx" \
		"LC_ALL=xx_XX.UTF-8 LOCPATH=$H/locpath" "NLSPATH=$H/nls/%N LC_ALL=xx_XX.UTF-8"; do
	# shellcheck disable=SC2086
	expect 2 "setuid, $how: a usage error" t_as nobody env $how "$CRMPW" --bogus
	grep_err "setuid, $how: plain usage text" "^usage: crmpasswd"
	hasnt "setuid, $how: no EVIL" "EVIL" "$(cat "$TMP/out" "$TMP/err")"
done
clean "setuid, locales naming paths"

# ---- closed standard descriptors ----
# A setuid program's closed stdout is a /dev/null it cannot write to.
t_as nobody "$CRMPW" status <&- >&- 2>&-
check "setuid, all three closed: status says its output was lost" 1 "$?"
t_as nobody "$CRMPW" --bogus <&- >&- 2>&-
check "setuid, all three closed: a usage error" 2 "$?"
printf '%s\n' "$N_PW" | t_as nobody "$CRMPW" totp enroll --password-stdin >&- 2>&-
[ "$?" != 0 ] && ok "setuid, stdout and stderr closed: an enrolment that cannot show its secret fails" ||
	not_ok "setuid, stdout and stderr closed: an enrolment that cannot show its secret fails"
check "and enrols nothing" 0 "$(sql "select count(*) from totp t join accounts a
	on a.id = t.account_id where a.name = 'nobody'")"
clean "setuid, closed descriptors"
"$BUILD/crmpasswd" --conf "$CONF" user list <&- >&- 2>&-
check "root, all three closed: user list" 0 "$?"
"$BUILD/crmpasswd" --conf "$CONF" user add alice <&- >&- 2>&-
check "root, all three closed: an error after the store is open" 1 "$?"
"$BUILD/crmpasswd" --conf "$CONF" status alice >&- 2> "$TMP/err"
check "root, stdout closed: status" 0 "$?"
clean "root, closed descriptors"
check "the store passes its integrity check" ok "$(sql 'pragma integrity_check')"

# ---- a huge argv ----
mapfile -t many < <(yes x 2> /dev/null | head -n 100000)
BIG=$(head -c 131071 /dev/zero | tr '\0' a)
expect 2 "setuid: status with 100,000 arguments" t_as nobody "$CRMPW" status "${many[@]}"
expect 2 "setuid: --json 100,000 times, then a bad option" \
	t_as nobody "$CRMPW" "${many[@]/x/--json}" --bogus
expect 2 "setuid: a command of 128 KiB (the kernel's limit for one argument)" \
	t_as nobody "$CRMPW" "$BIG"
expect 2 "setuid: status of a user named with 128 KiB" t_as nobody "$CRMPW" status "$BIG"
expect 2 "setuid: 1.5 MB in twelve arguments" t_as nobody "$CRMPW" --password-stdin \
	"$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG" "$BIG"
expect 2 "root: 100,000 arguments to policy show" crm policy show "${many[@]}"
clean "huge argv"

# ---- the helper run by hand in the same ways ----
# shellcheck disable=SC2086
expect 1 "helper, hostile environment: refused" t_as nobody env $HOSTILE \
	LD_LIBRARY_PATH="$H/lib" "$HELPER"
check "helper, hostile environment: silent" "" "$(cat "$TMP/out" "$TMP/err")"
t_as nobody "$HELPER" <&- >&- 2>&-
check "helper, all three closed: refused" 1 "$?"
expect 1 "helper: 100,000 arguments, refused" t_as nobody "$HELPER" "${many[@]}"
clean "helper run by hand"
# On its socket, as an unbound caller, in the hostile environment.
cat > "$TMP/client.py" <<'EOF'
import os, socket, struct, subprocess, sys
def msg(op, a=0, b=0, strs=()):
    out = struct.pack('<BiiB', op, a, b, len(strs))
    for s in strs:
        out += struct.pack('<I', len(s)) + s
    return out
me, it = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
env = dict(v.split('=', 1) for v in sys.argv[2].split())
p = subprocess.Popen([sys.argv[1]], stdin=it, stderr=subprocess.PIPE, env=env)
it.close()
me.send(msg(1, 0, 0, []))
got = []
me.settimeout(10)
while True:
    r = me.recv(70000)
    if not r:
        break
    got.append(r[0])
    if r[0] == 13:
        break
    if r[0] != 12:
        me.send(msg(2, 19))
me.close()
sys.stderr.write(p.stderr.read().decode(errors='replace'))
print(got[-1] if got else None, p.wait())
EOF
# shellcheck disable=SC2086
t_as nobody /usr/bin/python3 "$TMP/client.py" "$HELPER" "$(echo $HOSTILE)" \
	> "$TMP/out" 2> "$TMP/err"
check "helper on its socket, hostile environment: an unbound caller is refused" \
	"13 1" "$(cat "$TMP/out")"
hasnt "helper on its socket: no PWNED" PWNED "$(cat "$TMP/err")"
[ -e "$H/pwned" ] && not_ok "helper on its socket: no library from the caller ran" ||
	ok "helper on its socket: no library from the caller ran"
check "helper on its socket: nothing in TMPDIR" "" "$(ls -A "$H/tmp")"

t_end
