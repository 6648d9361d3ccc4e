#!/bin/sh
# Installs the Debian packages of the end-to-end suite (make e2e), only
# those missing: the real programs it drives and the tools it checks with.
# Keep the list in step with the Depends of debian/tests/control.
exec "$(dirname "$0")/install-deps.sh" openssh-server openssh-client apache2 \
	libapache2-mod-authnz-pam curl msmtp python3 python3-aiosmtpd python3-pexpect cron \
	sudo login passwd util-linux faketime oathtool procps iproute2 strace lintian git \
	gcc libc6-dev libpam0g-dev dpkg-dev kamailio kamailio-lua-modules lua-socket sip-tester
