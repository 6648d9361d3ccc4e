#!/bin/bash
# Runs 1,000 PAM transactions (auth + account + session open/close, with
# wrong passwords and unknown users mixed in) through the real module in
# one process under valgrind, and fails on any definite or indirect leak or
# memory error. Usage: valgrind-check.sh BUILD
set -u
BUILD=$(cd "${1:?usage: valgrind-check.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
N=1000
DIR=$(mktemp -d /tmp/crmvg.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
CONF=$DIR/crmpolicy.conf
INIT='Init1al!Pw' PW='Corr3ct!Horse' WRONG='Wr0ng!Guess'

die() { echo "valgrind: $*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind is not installed"
for f in pam_crmpolicy.so crmpasswd tests/pamdrive; do
	[ -x "$BUILD/$f" ] || [ -f "$BUILD/$f" ] || die "$BUILD/$f is missing (run make tests)"
done

cat >"$CONF" <<EOF
db = $DIR/crmpolicy.db
key_file = $DIR/crmpolicy.key
badwords_file = $DIR/badwords
hash_opslimit = 1
hash_memlimit = 8192
ip_deny = 0
EOF
printf '12345Aa!\n' >"$DIR/badwords"
chmod 0644 "$CONF" "$DIR/badwords"
mkdir "$DIR/pam.d"
for phase in auth account password session; do
	echo "$phase required $BUILD/pam_crmpolicy.so conf=$CONF"
done >"$DIR/pam.d/crmvalgrind"

crm() { "$BUILD/crmpasswd" --conf "$CONF" "$@"; }
crm init >/dev/null || die "crmpasswd init failed"
printf '%s\n' "$INIT" | crm user add vguser --password-stdin >/dev/null ||
	die "crmpasswd user add failed"
# Satisfy the first-login change through the module itself.
printf '%s\n%s\n' "$PW" "$PW" |
	"$BUILD/tests/pamdrive" --confdir "$DIR/pam.d" crmvalgrind vguser chauthtok >/dev/null ||
	die "the first password change failed"

SUPP=()
[ -f "$TOP/tests/pam/valgrind.supp" ] && SUPP=(--suppressions="$TOP/tests/pam/valgrind.supp")
LOG=$DIR/valgrind.log
# pamdrive uses pam_start_confdir: no pam_wrapper (and no RTLD_DEEPBIND)
# in this process; the variable is set for runs that preload it anyway.
printf '%s\n%s\n' "$PW" "$WRONG" |
	PAM_WRAPPER_DISABLE_DEEPBIND=1 valgrind --quiet --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--error-exitcode=1 --log-file="$LOG" "${SUPP[@]}" \
	"$BUILD/tests/pamdrive" --confdir "$DIR/pam.d" --rhost 127.0.20.5 \
	--preload "$BUILD/pam_crmpolicy.so" --loop "$N" crmvalgrind vguser >"$DIR/out" 2>&1
rc=$?
if [ "$rc" -ne 0 ]; then
	cat "$DIR/out" "$LOG" >&2
	die "failed (exit $rc)"
fi
grep -q "pamdrive: $N transactions" "$DIR/out" || { cat "$DIR/out" >&2; die "the loop did not finish"; }
if grep -qE 'definitely lost|indirectly lost|Invalid (read|write)|uninitialised' "$LOG"; then
	cat "$LOG" >&2
	die "errors reported"
fi
# What the store saw of the loop.
n=$(sqlite3 "$DIR/crmpolicy.db" "SELECT count(*) FROM audit WHERE event = 'login.success' AND subject = 'vguser'" 2>/dev/null || echo "?")
echo "valgrind: $n logins recorded in the store"
echo "valgrind: $N transactions, 0 leaks"
