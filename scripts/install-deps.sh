#!/bin/sh
# Installs Debian packages, only those missing; uses sudo when not root.
# Without arguments, the packages crmpolicy needs to build, test and demo;
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
postgresql-15 openssl}"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
		|| missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
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
