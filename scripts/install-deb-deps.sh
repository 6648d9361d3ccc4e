#!/bin/sh
# Installs the Debian packages "make deb" needs (the packaging tools and the
# Build-Depends of debian/control), only those missing.
exec "$(dirname "$0")/install-deps.sh" build-essential dpkg-dev debhelper fakeroot \
	pkg-config libpam0g-dev libsodium-dev libsqlite3-dev libmaxminddb-dev liboath-dev \
	libqrencode-dev libcrypt-dev nettle-dev gettext
