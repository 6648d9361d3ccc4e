#!/bin/bash
# make bench (or make bench-timing), as root: whether the time of a
# refusal tells what the account is. An unknown user, a locked user, a
# disabled user and a known user with a wrong password each try TRIES
# logins (pam_authenticate alone, a wrong password each time, default
# argon2id cost) in standalone mode: through the module in a process with
# root, then through the setuid helper from a process without it. Their
# medians must lie within 5 % of each other; the table goes to
# OUT/timing.md for bench/RESULTS.md. A benchmark, not a test: make check
# never runs it.
#   usage: scripts/bench-timing.sh BUILD
set -euo pipefail
BUILD=$(cd "${1:?usage: bench-timing.sh BUILD}" && pwd)
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${BENCH_OUT:-$BUILD/bench/results}
TRIES=${BENCH_TIMING_TRIES:-200}
ROUNDS=10
PY=/usr/bin/python3

if [ "$(id -u)" -ne 0 ]; then
	echo "bench-timing: skipped: the helper's run needs a system user and a setuid copy (sudo make bench)"
	exit 0
fi
"$TOP/scripts/install-deps.sh" libpam-modules util-linux
for f in "$BUILD/bench/pamtx" "$BUILD/pam_crmpolicy.so" "$BUILD/crmpasswd" \
		"$BUILD/crmpolicy_helper"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "bench-timing: $f is missing (make all bench)" >&2; exit 1; }
done
mkdir -p "$OUT"

dir=$(mktemp -d)
chmod 711 "$dir"
caller="crmtime$$"
added=""
cleanup() {
	[ -z "$added" ] || userdel "$caller" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
useradd -M -N -s /usr/sbin/nologin "$caller"
added=1

# The store, at the default argon2id cost, without address throttling
# (every try comes from its own address anyway); the helper serves the
# service crm-timing to the caller only.
mkdir -m 700 "$dir/store"
mkdir -p "$dir/bin" "$dir/etc-security" "$dir/pam.d"
cat > "$dir/crmpolicy.conf" <<EOF
db = $dir/store/crmpolicy.db
key_file = $dir/crmpolicy.key
badwords_file = $TOP/etc/crmpolicy.badwords
ip_deny = 0
backup_warn_days = 0
helper_services = crm-timing-helper:$caller
EOF
chmod 0644 "$dir/crmpolicy.conf"
cp "$dir/crmpolicy.conf" "$dir/etc-security/crmpolicy.conf"
C=("$BUILD/crmpasswd" --conf "$dir/crmpolicy.conf")
"${C[@]}" init > /dev/null
PW='Corr3ct!Horse' WRONG='Wr0ng!Guess7'
for u in tkate tlocked tdisabled; do
	printf '%s\n' "$PW" | "${C[@]}" user add "$u" --password-stdin > /dev/null
done
# The wrong-password user never locks; the locked one is locked by three
# wrong passwords, the disabled one by the administrator.
"${C[@]}" policy set --user tkate deny=0 > /dev/null
"${C[@]}" user disable tdisabled > /dev/null

cp "$BUILD/pam_crmpolicy.so" "$BUILD/bench/pamtx" "$dir/bin/"
cp "$BUILD/crmpolicy_helper" "$dir/bin/crmpolicy_helper"
chmod 4755 "$dir/bin/crmpolicy_helper"
chmod 0755 "$dir/bin" "$dir/bin/pamtx"
chmod 0644 "$dir/bin/pam_crmpolicy.so"
for t in auth account password session; do echo "$t required pam_deny.so"; done > "$dir/pam.d/other"
echo "auth required $dir/bin/pam_crmpolicy.so conf=$dir/crmpolicy.conf" > "$dir/pam.d/crm-timing"
echo "auth required $dir/bin/pam_crmpolicy.so helper=$dir/bin/crmpolicy_helper" \
	> "$dir/pam.d/crm-timing-helper"
chmod -R a+rX "$dir/pam.d"

# as_caller CMD...: CMD as the caller, with the helper's configuration
# where it reads it (/etc/security, in a private mount namespace).
cat > "$dir/ns.sh" <<EOF
#!/bin/sh
mount --bind "$dir/etc-security" /etc/security || exit 99
exec setpriv --reuid="$caller" --regid="\$(id -g "$caller")" --clear-groups "\$@"
EOF
chmod 0755 "$dir/ns.sh"
# tx PATH USER N FIRST: N authentications of USER with the wrong password;
# prints pamtx's median in ms.
tx() {
	local path=$1 user=$2 n=$3 first=$4
	if [ "$path" = module ]; then
		printf '%s\n' "$WRONG" | "$dir/bin/pamtx" --confdir "$dir/pam.d" \
			--user "$user" --procs 0 --tx "$n" --first "$first" --auth crm-timing
	else
		printf '%s\n' "$WRONG" | unshare -m "$dir/ns.sh" "$dir/bin/pamtx" \
			--confdir "$dir/pam.d" --user "$user" --procs 0 --tx "$n" \
			--first "$first" --auth crm-timing-helper
	fi | awk '{ print $4 }'
}
tx module tlocked 3 1000 > /dev/null
"${C[@]}" status tlocked | grep -q 'locked' ||
	{ echo "bench-timing: tlocked did not lock" >&2; exit 1; }

echo "refusal timing: $TRIES tries per user and path, $ROUNDS interleaved rounds (at ${SECONDS} s)"
: > "$dir/timing.txt"
users=(tghost tlocked tdisabled tkate)
per=$(( (TRIES + ROUNDS - 1) / ROUNDS ))
k=0
for path in module helper; do
	for r in $(seq 1 "$ROUNDS"); do
		# Start one further each round, so that drift hits them alike.
		for i in 0 1 2 3; do
			u=${users[$(( (i + r) % 4 ))]}
			k=$((k + 1))
			echo "$path $u $(tx "$path" "$u" "$per" $((k * 1000)))" >> "$dir/timing.txt"
		done
	done
done

$PY - "$dir/timing.txt" "$OUT/timing.md" "$TRIES" <<'EOF'
import statistics, sys, subprocess
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
tries = int(sys.argv[3])
label = {'tghost': 'unknown user', 'tlocked': 'locked user',
         'tdisabled': 'disabled user', 'tkate': 'known user, wrong password'}
order = ['tghost', 'tlocked', 'tdisabled', 'tkate']
out = ['| path | ' + ' | '.join(label[u] for u in order) +
       ' | spread | within 5 % |', '|---' * 7 + '|']
ok_all = True
for path, name in (('module', 'the module, with root'),
                   ('helper', 'the setuid helper, without root')):
    med = {u: statistics.median(float(r[2]) for r in rows
                                if r[0] == path and r[1] == u) for u in order}
    lo, hi = min(med.values()), max(med.values())
    spread = 100 * (hi - lo) / lo
    ok = spread <= 5
    ok_all &= ok
    out.append(f'| {name} | ' + ' | '.join(f'{med[u]:.1f} ms' for u in order)
               + f' | {spread:.1f} % | {"yes" if ok else "**no**"} |')
text = (f'{tries} authentications per user and path, a wrong password each '
        'time, default argon2id cost; medians of ten interleaved rounds.\n\n'
        + '\n'.join(out) + '\n')
open(sys.argv[2], 'w').write(text)
print(text, end='')
sys.exit(0 if ok_all else 3)
EOF
