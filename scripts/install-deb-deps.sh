#!/bin/sh
# Installs the Debian packages "make deb" needs (the packaging tools and the
# Build-Depends of debian/control), only those missing; uses sudo when not root.
set -eu
PKGS="build-essential dpkg-dev debhelper fakeroot pkg-config libpam0g-dev
libsodium-dev libsqlite3-dev libmaxminddb-dev liboath-dev libqrencode-dev"
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
