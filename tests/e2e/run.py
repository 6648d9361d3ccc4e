#!/usr/bin/python3
"""The end-to-end suite: real programs (sshd, Apache with mod_authnz_pam,
msmtp and an SMTP server, Kamailio and SIPp, su, login, sudo, passwd, cron)
driven over loopback against the installed package, each scenario a named check.

  run.py             make e2e: installs the package built by make deb
                     (after the package's own install, upgrade and purge
                     checks) and purges it at the end
  run.py --installed the autopkgtest: the package is installed already and
                     stays installed

Everything the suite adds to the host is taken away at the end, also after
a failure or an interrupt. The last line is "N passed, M failed"."""

import argparse
import glob
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2elib as L  # noqa: E402
from e2elib import Fail, need  # noqa: E402
import area_crmpasswd  # noqa: E402
import area_host  # noqa: E402
import area_mail  # noqa: E402
import area_package  # noqa: E402
import area_sip  # noqa: E402
import area_ssh  # noqa: E402
import area_web  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = 'libpam-crmpolicy'
AREAS = [area_mail, area_ssh, area_web, area_sip, area_crmpasswd, area_host]
# Programs the suite drives; autopkgtest's Depends and
# scripts/install-e2e-deps.sh provide them.
PROGRAMS = ['/usr/sbin/sshd', 'ssh', 'ssh-keygen', '/usr/sbin/apache2', 'curl',
            '/usr/bin/msmtp', '/usr/sbin/cron', 'crontab', 'sudo', 'su', 'runuser',
            '/bin/login', 'passwd', 'chage', 'chpasswd', 'useradd', 'faketime',
            'oathtool', 'pam-auth-update', 'cc', 'pkill', 'kamailio', 'sipp', 'ss']
# The Debian packages of the real programs, whose versions open the log.
DRIVEN = ['openssh-server', 'apache2', 'libapache2-mod-authnz-pam', 'msmtp',
          'python3-aiosmtpd', 'cron', 'sudo', 'login', 'util-linux', 'passwd',
          'libpam-runtime', 'curl', 'faketime', 'oathtool', 'python3-pexpect', 'lintian',
          'kamailio', 'kamailio-lua-modules', 'lua-socket', 'sip-tester']
# What the suite must leave as it found it (with the package's state; the
# store cannot be: its audit trail only grows).
WATCHED = ['/etc/pam.d', '/etc/security', '/etc/msmtprc', '/var/spool/cron/crontabs',
           '/etc/sudoers.d']
# Of the user and group files, only the lines of the suite's accounts: other
# programs may add theirs meanwhile.
ACCOUNT_FILES = ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow']

CONF = """# crmpolicy.conf written by the end-to-end suite (tests/e2e/run.py); the
# file it replaced is put back at the end.
hash_opslimit = 1
hash_memlimit = 8192
geoip_city_db = {tmp}/geo/geo-city-test.mmdb
geoip_asn_db = {tmp}/geo/geo-asn-test.mmdb
sendmail = /usr/bin/msmtp
mail_from = crmpolicy@e2e.test
helper_services = crm-web:www-data, sip:kamailio
# For Apache's one prompt (the helper takes no module arguments).
mfa_append = yes
admin_group = sudo
backup_warn_days = 0
"""

MSMTPRC = """# /etc/msmtprc written by the crmpolicy end-to-end suite, removed at its end
defaults
syslog off
account default
host 127.0.0.1
port {port}
auth off
tls off
from crmpolicy@e2e.test
"""


class Context:
    """What the areas share: the host record, the temporary directory, the
    mode, and the set-up common to all areas (done once, on first need)."""

    def __init__(self, tmp, host, installed):
        self.top = TOP
        self.tmp = tmp
        self.host = host
        self.installed = installed
        self.mail = None
        self.pamdrive = None
        self._common = None

    def deb(self):
        """The .deb make deb left in the top directory (build mode)."""
        v = L.run(['dpkg-parsechangelog', '-l', f'{TOP}/debian/changelog', '-S', 'Version'],
                  check=True).stdout.strip()
        a = L.run(['dpkg', '--print-architecture'], check=True).stdout.strip()
        path = f'{TOP}/{PACKAGE}_{v}_{a}.deb'
        need(os.path.exists(path), f'{path} is missing: run make deb (make e2e does)')
        return path, v

    def common(self):
        """The suite's crmpolicy.conf, geolocation databases, mail server
        with /etc/msmtprc, the PAM driver and the first-change stack."""
        if self._common is not None:
            if isinstance(self._common, BaseException):
                raise Fail(f'common set-up failed earlier: {self._common}')
            return
        try:
            self._setup_common()
            self._common = True
        except Exception as e:
            self._common = e
            raise

    def _setup_common(self):
        geo = os.path.join(self.tmp, 'geo')
        os.makedirs(geo)
        for f in glob.glob(f'{TOP}/tests/data/geo-*-test.mmdb'):
            shutil.copy(f, geo)
            os.chmod(os.path.join(geo, os.path.basename(f)), 0o644)
        self.host.write_file('/etc/security/crmpolicy.conf', CONF.format(tmp=self.tmp))
        self.mail = L.Mail(self.host)
        self.host.write_file('/etc/msmtprc', MSMTPRC.format(port=self.mail.port))
        # pamdrive: the project's PAM conversation driver, built against
        # the system's libpam (no build tree in an autopkgtest).
        self.pamdrive = os.path.join(self.tmp, 'pamdrive')
        L.run(['cc', '-O2', '-o', self.pamdrive, f'{TOP}/tests/pam/pamdrive.c', '-lpam'],
              check=True)
        # Sets the first password of a store account, as its owner would at
        # the first login (chauthtok as root asks no current password).
        self.host.write_file('/etc/pam.d/crm-e2e-first',
                             '# end-to-end suite: first password of a store account\n'
                             'password required pam_crmpolicy.so\n')

    def drive(self, service, user, ops, answers, faketime=None, rhost=None):
        """pamdrive on /etc/pam.d/SERVICE; returns (exit, output)."""
        argv = [self.pamdrive] + (['--rhost', rhost] if rhost else []) + [service, user] + ops
        if faketime:
            argv = L.faketime(faketime) + argv
        r = L.run(argv, input=''.join(a + '\n' for a in answers))
        return r.returncode, r.stdout + r.stderr

    def store_user(self, name, first, system=False, settle=None, email=None, groups=()):
        """A store account (crmpasswd user add) in the store GROUPS, with a
        system account of the same name if SYSTEM; SETTLE is its password
        after the first change, or None to leave the change to the
        scenario."""
        if system:
            self.host.add_user(name)
        else:
            self.host.on_cleanup(f'crmpasswd user del {name}',
                                 lambda: L.crm('user', 'del', name, check=False))
        L.crm('user', 'add', name, '--password-stdin', *(['--email', email] if email else []),
              *[a for g in groups for a in ('--group', g)], input=first + '\n')
        if settle is not None:
            rc, out = self.drive('crm-e2e-first', name, ['chauthtok'], [settle, settle])
            need(rc == 0, f'the first password of {name} could not be set', out)

    def enrol_totp(self, user):
        """Enrols USER (crmpasswd totp enroll --user) with the code oathtool
        computes from the otpauth:// secret; returns the secret."""
        out_path = os.path.join(self.tmp, f'enrol-{user}')
        with open(out_path, 'w') as out:
            p = subprocess.Popen([L.CRMPASSWD, 'totp', 'enroll', '--user', user,
                                  '--password-stdin'], stdin=subprocess.PIPE,
                                 stdout=out, stderr=subprocess.STDOUT, text=True, env=L.ENV)

        def uri():
            with open(out_path) as f:
                return next((ln for ln in f if ln.startswith('otpauth://')), None)
        try:
            secret = L.wait_for('the otpauth:// address', uri).split('secret=')[1].split('&')[0]
            p.communicate(L.run(['oathtool', '--totp', '-b', secret], check=True).stdout, 20)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        with open(out_path) as f:
            need(p.returncode == 0, f'totp enroll --user {user} failed', f.read())
        return secret

    @staticmethod
    def totp_code(secret):
        """The next step's code: the enrolment spent the current one."""
        return L.run(['oathtool', '--totp', '-b', secret, '-N', 'now + 30 seconds'],
                     check=True).stdout.strip()

    def shipped_example(self, name, source=None):
        """An example file as installed, else as in the source tree at
        SOURCE (etc/pam.d/NAME unless given), for hosts that drop
        /usr/share/doc."""
        for path in (f'/usr/share/doc/{PACKAGE}/examples/{name}',
                     f'/usr/share/doc/{PACKAGE}/examples/{name}.gz'):
            if os.path.exists(path):
                return L.run(['zcat', '-f', path], check=True).stdout
        with open(f'{TOP}/{source or "etc/pam.d/" + name}') as f:
            return f.read()


def snapshot():
    """Names and contents of the WATCHED paths, the loopback addresses and
    the package's state."""
    state = {}
    for top in WATCHED:
        paths = [top]
        if os.path.isdir(top):
            paths = [os.path.join(d, f) for d, _, fs in os.walk(top) for f in fs]
        for p in paths:
            try:
                with open(p, 'rb') as f:
                    state[p] = hashlib.sha256(f.read()).hexdigest()
            except OSError:
                pass
    for path in ACCOUNT_FILES:
        with open(path) as f:
            state[path] = [ln for ln in f if 'crme2e' in ln]
    state['lo'] = L.run(['ip', '-4', '-o', 'addr', 'show', 'dev', 'lo']).stdout
    state['dpkg'] = L.run(['dpkg-query', '-W', '-f', '${Status}', PACKAGE]).stdout
    return state


def strays(host, tmp):
    """Processes the suite started that still run."""
    left = [f'{s.label} (group {s.pgid})' for s in host.services if L.group_alive(s.pgid)]
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/cmdline', 'rb') as f:
                cmd = f.read().replace(b'\0', b' ').decode(errors='replace')
        except OSError:
            continue
        if tmp in cmd and int(pid) != os.getpid():
            left.append(f'{pid}: {cmd}')
    return left


def after_cleanup(suite, host, tmp, before, errors):
    def services_stopped():
        try:
            L.wait_for('every service stopped', lambda: not strays(host, tmp), timeout=10)
        except Fail:
            raise Fail('still running:\n' + '\n'.join(strays(host, tmp)))

    def host_as_before():
        need(not errors, 'clean-up steps failed', '\n'.join(errors))
        now = snapshot()
        diff = sorted(k for k in set(before) | set(now) if before.get(k) != now.get(k))
        need(not diff, 'changed by the suite: ' + ', '.join(diff))

    suite.area('after the clean-up', None, [
        ('cleanup.services_stopped', services_stopped),
        ('cleanup.host_as_before', host_as_before)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--installed', action='store_true',
                    help='test the installed package (autopkgtest); do not install or purge')
    ap.add_argument('--area', action='append', default=[],
                    help='run only these areas (package, mail, ssh, web, sip, crmpasswd, host)')
    args = ap.parse_args()
    if os.geteuid() != 0:
        print('e2e: must run as root (sudo make e2e)', file=sys.stderr)
        return 2
    missing = [p for p in PROGRAMS if not shutil.which(p)]
    if missing:
        print('e2e: missing programs: ' + ' '.join(missing) +
              ' (make e2e installs them; an autopkgtest lists them in Depends)', file=sys.stderr)
        return 2
    state = L.run(['dpkg-query', '-W', '-f', '${Status}', PACKAGE]).stdout
    if args.installed and 'installed' not in state.split():
        print(f'e2e: --installed, but {PACKAGE} is not installed', file=sys.stderr)
        return 2
    if not args.installed and state not in ('', 'unknown ok not-installed'):
        print(f'e2e: {PACKAGE} is on this host ({state}): the suite installs, upgrades and '
              f'purges it, so it will not touch a real installation. Purge it '
              f'(apt purge {PACKAGE}) or test it as installed (run.py --installed).',
              file=sys.stderr)
        return 2

    def stop(signum, frame):
        raise KeyboardInterrupt(f'signal {signum}')
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)

    tmp = tempfile.mkdtemp(prefix='crm-e2e.')
    os.chmod(tmp, 0o755)  # test users and www-data reach files in it
    host = L.Host(tmp)
    suite = L.Suite()
    ctx = Context(tmp, host, args.installed)
    before = snapshot()
    print(f'# crmpolicy end-to-end suite, {"installed package" if args.installed else "make e2e"}'
          f', {time.strftime("%Y-%m-%d %H:%M:%S")}')
    versions = L.run(['dpkg-query', '-W', '-f', '${Package} ${Version}\n', *DRIVEN]).stdout
    print('# ' + ', '.join(versions.split('\n')[:-1]))
    interrupted = None
    want = set(args.area)
    try:
        if not want or 'package' in want:
            area_package.run(suite, ctx)
        if not args.installed:
            area_package.install_for_areas(suite, ctx)
        for area in AREAS:
            if want and area.__name__.removeprefix('area_') not in want:
                continue

            def setup(area=area):
                ctx.common()
                area.setup(ctx)
            suite.area(area.TITLE, setup, area.checks(ctx))
    except KeyboardInterrupt as e:
        interrupted = e
        print(f'# interrupted ({e or "SIGINT"}): cleaning up; the checks after it did not run')
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            errors = host.cleanup()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        after_cleanup(suite, host, tmp, before, errors)
    ok = suite.summary()
    return 0 if ok and interrupted is None else 1


if __name__ == '__main__':
    sys.exit(main())
