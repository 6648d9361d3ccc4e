# Shared parts of the shell tests, sourced by tests/cli/*.sh and
# tests/pam/*.sh: a temporary directory with a crmpolicy.conf, the pass and
# fail counters with their checks, and the closing "NAME: N passed, M failed"
# line. Plain POSIX sh, so that scripts run by sh may source it too.

# t_begin NAME PREFIX: TMP (a new directory, removed at exit), CONF (its
# configuration file, written by t_conf) and zeroed counters.
t_begin() {
	T_NAME=$1
	PASSED=0
	FAILED=0
	TMP=$(mktemp -d "/tmp/$2.XXXXXX") || exit 2
	chmod 0755 "$TMP"
	trap 'rm -rf "$TMP"' EXIT INT TERM
	CONF=$TMP/crmpolicy.conf
}

# t_need_root: the commands under test change owners and drop privileges.
t_need_root() {
	if [ "$(id -u)" != 0 ]; then
		echo "$(basename "$0") must run as root" >&2
		exit 2
	fi
}

# t_need_tools TOOL...: a missing tool counts as one failure.
t_need_tools() {
	for tool in "$@"; do
		command -v "$tool" > /dev/null && continue
		echo "$T_NAME: $tool is missing"
		echo "$T_NAME: 0 passed, 1 failed"
		exit 1
	done
}

# t_mail_sink: the test sendmail in $TMP/mail, a directory open to all
# (it also runs as the users), writing to MAIL, which it sets.
t_mail_sink() {
	mkdir -m 1777 "$TMP/mail"
	cp "$TOP/tests/data/fake-sendmail" "$TMP/mail/sendmail"
	chmod 0755 "$TMP/mail/sendmail"
	MAIL=$TMP/mail/sendmail.out
	: > "$MAIL"
	chmod 0666 "$MAIL"
}

# t_conf DB WORDS [LINE...]: CONF with the store at DB, cheap hashing and
# the lines given; the space-separated WORDS make the bad-words file.
t_conf() {
	db=$1 words=$2
	shift 2
	{
		echo "db = $db"
		echo "key_file = $TMP/crmpolicy.key"
		echo "hash_opslimit = 1"
		echo "hash_memlimit = 8192"
		echo "badwords_file = $TMP/badwords"
		for line in "$@"; do
			echo "$line"
		done
	} > "$CONF"
	: > "$TMP/badwords"
	for word in $words; do
		echo "$word"
	done >> "$TMP/badwords"
	chmod 0644 "$CONF" "$TMP/badwords"
}

# t_pamd SERVICE: $TMP/pam.d/SERVICE running the built module in every
# phase with CONF; BUILD is the build directory.
t_pamd() {
	mkdir -p "$TMP/pam.d"
	for phase in auth account password session; do
		echo "$phase required $BUILD/pam_crmpolicy.so conf=$CONF"
	done > "$TMP/pam.d/$1"
}

# crm ARGS...: the built crmpasswd with CONF.
crm() {
	"$BUILD/crmpasswd" --conf "$CONF" "$@"
}

# drive ARGS...: the PAM test driver with the services of t_pamd.
drive() {
	"$BUILD/tests/pamdrive" --confdir "$TMP/pam.d" "$@"
}

# t_faketime OFFSET CMD...: CMD with libfaketime preloaded and its clock at
# OFFSET (libfaketime's FAKETIME: "+85d", "-3600", "@2026-03-01 12:00:00").
# Not the faketime wrapper: it keeps a semaphore and a shared memory object
# named by its own pid in /dev/shm, leaves them behind when it is killed,
# and refuses to start when a stale pair carries the pid it was given.
t_faketime() {
	local off=$1
	shift
	if [ -z "${T_FAKETIME_LIB:-}" ]; then
		T_FAKETIME_LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2> /dev/null | head -n 1)
	fi
	if [ -z "$T_FAKETIME_LIB" ]; then
		echo "t_faketime: libfaketime.so.1 is missing" >&2
		return 127
	fi
	env LD_PRELOAD="$T_FAKETIME_LIB${LD_PRELOAD:+:$LD_PRELOAD}" FAKETIME="$off" "$@"
}

# at OFFSET crm|drive ARGS...: crm or drive with the clock moved by OFFSET
# ("+85d").
at() {
	t_off=$1 t_what=$2
	shift 2
	case "$t_what" in
	crm) t_faketime "$t_off" "$BUILD/crmpasswd" --conf "$CONF" "$@" ;;
	drive) t_faketime "$t_off" "$BUILD/tests/pamdrive" \
		--confdir "$TMP/pam.d" "$@" ;;
	esac
}

# wrong_of CODE: a six-digit code that is not CODE.
wrong_of() {
	printf '%s%d' "${1%?}" $(( (${1#?????} + 1) % 10 ))
}

# enroll OUT PASSWORD WRONG CMD...: (TMP must be set) runs an enrolment with its answers on
# a pipe: PASSWORD first (unless it is -), then, once the otpauth:// URI
# is printed, WRONG wrong codes and the right one from oathtool. The
# output goes to OUT; RC is the exit code, URI the address shown.
enroll() {
	local out=$1 pw=$2 wrong=$3 pid i sec code
	shift 3
	rm -f "$TMP/answers"
	mkfifo "$TMP/answers"
	"$@" < "$TMP/answers" > "$out" 2>&1 &
	pid=$!
	exec 7> "$TMP/answers"
	[ "$pw" = - ] || printf '%s\n' "$pw" >&7
	URI=""
	for i in $(seq 100); do
		URI=$(grep -m 1 '^otpauth://' "$out")
		[ -n "$URI" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -n "$URI" ]; then
		sec=${URI#*secret=}
		sec=${sec%%&*}
		code=$(oathtool --totp -b "$sec")
		for i in $(seq "$wrong"); do
			wrong_of "$code" >&7
			echo >&7
		done
		printf '%s\n' "$code" >&7
		SECRET=$sec
	fi
	exec 7>&-
	wait "$pid"
	RC=$?
}

# t_as USER CMD...: CMD as USER (its primary group, no others) in a
# private mount namespace where /etc/security is $TMP/etc-security and,
# when that exists, /etc/pam.d is $TMP/etc-pamd: a real unprivileged user
# running a setuid copy of crmpasswd or the module's helper against the
# test's conf. A LeakSanitizer cannot stop a setuid process's threads, so
# leaks are not checked there.
t_as() {
	if [ ! -x "$TMP/ns.sh" ]; then
		cat > "$TMP/ns.sh" <<EOF
#!/bin/sh
u=\$1
shift
mount --bind "$TMP/etc-security" /etc/security || exit 99
if [ -d "$TMP/etc-pamd" ]; then
	mount --bind "$TMP/etc-pamd" /etc/pam.d || exit 99
fi
ASAN_OPTIONS="\${ASAN_OPTIONS:-}:detect_leaks=0" exec setpriv --reuid="\$u" \
	--regid="\$(id -g "\$u")" --clear-groups "\$@"
EOF
		chmod 0755 "$TMP/ns.sh"
	fi
	unshare -m "$TMP/ns.sh" "$@"
}

ok() {
	PASSED=$((PASSED + 1))
	echo "ok - $1"
}

# not_ok NAME: a failure, with what the last expect printed.
not_ok() {
	FAILED=$((FAILED + 1))
	echo "not ok - $1"
	[ -s "$TMP/out" ] && sed 's/^/#   out: /' "$TMP/out"
	[ -s "$TMP/err" ] && sed 's/^/#   err: /' "$TMP/err"
	return 0
}

# check NAME EXPECTED ACTUAL [OUTPUT]
check() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		echo "# expected $2, got $3"
		[ -n "${4:-}" ] && printf '%s\n' "$4" | sed 's/^/#   | /'
		not_ok "$1"
	fi
}

# has NAME NEEDLE OUTPUT: OUTPUT contains NEEDLE.
has() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) check "$1" "output with '$2'" "none" "$3" ;;
	esac
}

# hasnt NAME NEEDLE OUTPUT: OUTPUT does not contain NEEDLE.
hasnt() {
	case "$3" in
	*"$2"*) check "$1" "no '$2'" "'$2' shown" "$3" ;;
	*) ok "$1" ;;
	esac
}

# expect CODE NAME COMMAND...: runs COMMAND, output in $TMP/out and $TMP/err.
expect() {
	want=$1 name=$2
	shift 2
	"$@" > "$TMP/out" 2> "$TMP/err" < /dev/null
	got=$?
	if [ "$got" = "$want" ]; then ok "$name"; else
		echo "# exit $got, wanted $want"
		not_ok "$name"
	fi
}

# grep_out NAME PATTERN: the last command's stdout matches PATTERN.
grep_out() {
	if grep -q -- "$2" "$TMP/out"; then ok "$1"; else not_ok "$1"; fi
}

no_grep_out() {
	if grep -q -- "$2" "$TMP/out"; then not_ok "$1"; else ok "$1"; fi
}

grep_err() {
	if grep -q -- "$2" "$TMP/err"; then ok "$1"; else not_ok "$1"; fi
}

# The JSON checks use SQLite's own JSON functions over the output file.
json_sql() {
	sqlite3 :memory: "select $1 from (select cast(readfile('$TMP/out') as text) as j)" 2>/dev/null
}

# json_is NAME SQL WANT: an SQL expression over j (the command's stdout).
json_is() {
	got=$(json_sql "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else
		echo "# got '$got', wanted '$3'"
		not_ok "$1"
	fi
}

# one_syslog_line NAME LINES PATTERN...: LINES (the error-level syslog
# lines of a run) is exactly one line, matching every PATTERN (grep -E).
one_syslog_line() {
	name=$1 got=$2
	shift 2
	n=$(printf '%s' "$got" | grep -c '')
	echo "# syslog: $got"
	if [ "$n" != 1 ]; then
		check "$name: one syslog line" 1 "$n" "$got"
		return
	fi
	for needle in "$@"; do
		printf '%s' "$got" | grep -qE -- "$needle" && continue
		check "$name: the line names '$needle'" "$needle" "$got"
		return
	done
	ok "$name: one syslog line naming it"
}

# t_end: the closing line; its status is the script's exit status.
t_end() {
	echo "$T_NAME: $PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
}
