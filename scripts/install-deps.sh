#!/bin/sh
# Installs the Debian packages crmpolicy needs to build, test and demo,
# only those missing; uses sudo when not root.
set -eu
PKGS="build-essential pkg-config libpam0g-dev libsodium-dev libsqlite3-dev sqlite3
libcrypt-dev
libcmocka-dev libpam-wrapper libpamtest0-dev faketime valgrind gettext
liboath-dev libmaxminddb-dev libqrencode-dev oathtool python3 zbar-tools"
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
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
