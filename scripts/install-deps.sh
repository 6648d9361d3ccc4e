#!/bin/sh
# Installs Debian packages, only those missing; uses sudo when not root.
# Without arguments, the packages crmpolicy needs to build, test and demo,
# and the locales of its translations (generated when missing);
# otherwise those named (install-deb-deps.sh and install-e2e-deps.sh name
# theirs).
#
# Services of the packages installed here (sshd, Apache, cron) are not
# started: the end-to-end suite runs its own instances on loopback, and a
# fresh sshd on port 22 of every interface is nobody's wish.
set -eu
PKGS="${*:-build-essential pkg-config libpam0g-dev libsodium-dev libsqlite3-dev sqlite3 libpq-dev libcrypt-dev nettle-dev
libcmocka-dev libpam-wrapper libpamtest0-dev faketime valgrind gettext
liboath-dev libmaxminddb-dev libqrencode-dev oathtool python3 zbar-tools
postgresql-15 pgbouncer openssl locales}"
# The locales the translations are tested in, as /etc/locale.gen names them.
LOCALES=""
[ $# -gt 0 ] || LOCALES="cs_CZ.UTF-8 ja_JP.UTF-8 it_IT.UTF-8 pl_PL.UTF-8"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# gen_locales: those of LOCALES that locale -a lacks (it lists cs_CZ.UTF-8
# as cs_CZ.utf8) enabled in /etc/locale.gen and generated.
gen_locales() {
	have=$(locale -a 2>/dev/null | tr '[:upper:]' '[:lower:]' | tr -d '-')
	want=""
	for l in $LOCALES; do
		printf '%s\n' "$have" | grep -qxF "$(printf '%s' "$l" | tr '[:upper:]' '[:lower:]' | tr -d '-')" \
			|| want="$want $l"
	done
	[ -n "$want" ] || return 0
	echo "generating locales:$want"
	for l in $want; do
		if grep -qE "^[[:space:]]*#[[:space:]]*${l}[[:space:]]+UTF-8[[:space:]]*\$" \
				/etc/locale.gen 2>/dev/null; then
			$SUDO sed -i -E "s/^[[:space:]]*#[[:space:]]*(${l}[[:space:]]+UTF-8)[[:space:]]*\$/\1/" \
				/etc/locale.gen
		elif ! grep -qE "^[[:space:]]*${l}[[:space:]]+UTF-8" /etc/locale.gen 2>/dev/null; then
			echo "$l UTF-8" | $SUDO tee -a /etc/locale.gen >/dev/null
		fi
	done
	$SUDO locale-gen >/dev/null
}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
		|| missing="$missing $p"
done
if [ -z "$missing" ]; then
	gen_locales
	exit 0
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
rcd=/usr/sbin/policy-rc.d
if [ ! -e "$rcd" ]; then
	# invoke-rc.d and deb-systemd-invoke ask this script; 101: do not start.
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$rcd" >/dev/null
	$SUDO chmod 0755 "$rcd"
	trap '$SUDO rm -f "$rcd"' EXIT
	trap 'exit 1' INT TERM
fi
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
gen_locales
