"""The package's life on a host: what the .deb holds, lintian, install of
the released 0.1.0 (built from its commit), upgrade to this build with the
store, key, audit chain, an account and an enabled pam-auth-update profile
kept, reinstall, remove (data kept, module out of the stacks), install
again, and purge (stacks first, then store, key and backups)."""

import glob
import hashlib
import os
import re
import shutil
import stat

import e2elib as L
from e2elib import Fail, need

PACKAGE = 'libpam-crmpolicy'
# The tree released as 0.1.0, the "previous build" upgraded from.
RELEASED = 'fb2ea2542478c6dcd04df233f72d520c4cfa38c6'
PROFILE_STACKS = ['common-auth', 'common-account', 'common-password', 'common-session']
SETUID = ['/usr/bin/crmpasswd', '/usr/sbin/crmpolicy_helper']
DATA = ['/var/lib/crmpolicy/crmpolicy.db', '/etc/security/crmpolicy.key',
        '/var/backups/crmpolicy']
S = {}


def apt(*args):
    r = L.run(['apt-get', '-y', '-q', '--no-install-recommends', *args], timeout=600,
              env=dict(L.ENV, DEBIAN_FRONTEND='noninteractive'))
    need(r.returncode == 0, f'apt-get {" ".join(args)}: exit {r.returncode}', r.stdout + r.stderr)
    return r.stdout + r.stderr


def dpkg_state():
    r = L.run(['dpkg-query', '-W', '-f', '${Status} ${Version}', PACKAGE])
    return r.stdout.strip() if r.returncode == 0 else 'not-installed'


def stacks_naming_module():
    """/etc/pam.d files that use pam_crmpolicy.so, but for the package's
    own crmpasswd stack (a conffile: it stays after remove, and serves only
    crmpasswd, which is gone then)."""
    found = []
    for path in sorted(glob.glob('/etc/pam.d/*')):
        if os.path.basename(path) == 'crmpasswd' or not os.path.isfile(path):
            continue
        with open(path, errors='replace') as f:
            if re.search(r'^[^#]*pam_crmpolicy\.so', f.read(), re.M):
                found.append(path)
    return found


def profile_enabled():
    return all(p in stacks_naming_module() for p in
               (f'/etc/pam.d/{s}' for s in PROFILE_STACKS))


def sha(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def setuid_programs():
    """crmpasswd and the helper as installed: setuid root."""
    bad = []
    for path in SETUID:
        st = os.stat(path) if os.path.exists(path) else None
        if st is None or stat.S_IMODE(st.st_mode) != 0o4755 or st.st_uid != 0:
            bad.append(f'{path}: {oct(st.st_mode) if st else "missing"}, wanted root 4755')
    need(not bad, 'setuid programs', '\n'.join(bad))


def runtime_files():
    """What postinst creates (the runtime directories, the store, the key),
    the module, and crmpasswd setuid root."""
    bad = []
    for path, mode in (('/var/lib/crmpolicy', 0o700), ('/var/backups/crmpolicy', 0o700),
                       ('/var/lib/crmpolicy/crmpolicy.db', 0o600),
                       ('/etc/security/crmpolicy.key', 0o600), (SETUID[0], 0o4755)):
        st = os.stat(path) if os.path.exists(path) else None
        if st is None or stat.S_IMODE(st.st_mode) != mode or st.st_uid != 0:
            bad.append(f'{path}: {oct(st.st_mode) if st else "missing"}, wanted root {oct(mode)}')
    if not glob.glob('/lib/*/security/pam_crmpolicy.so'):
        bad.append('pam_crmpolicy.so is not installed')
    need(not bad, 'installed files', '\n'.join(bad))


def previous_deb(ctx):
    """The 0.1.0 package, built from the released commit in a temporary
    tree (git archive) once, then kept in build/e2e."""
    arch = L.run(['dpkg', '--print-architecture'], check=True).stdout.strip()
    cache = os.path.join(ctx.top, 'build', 'e2e')
    deb = os.path.join(cache, f'{PACKAGE}_0.1.0_{arch}.deb')
    stamp = os.path.join(cache, 'previous.commit')
    if os.path.exists(deb) and os.path.exists(stamp) and open(stamp).read().strip() == RELEASED:
        return deb
    # root runs this on a clone another user owns: trust it for this call.
    git = ['git', '-c', 'safe.directory=*', '-C', ctx.top]
    if L.run(git + ['rev-parse', '--git-dir']).returncode != 0:
        raise Fail(f'{ctx.top} is not a git clone: the upgrade is tested from release 0.1.0, '
                   f'built from commit {RELEASED}, which needs the history')
    if L.run(git + ['cat-file', '-e', RELEASED + '^{commit}']).returncode != 0:
        shallow = L.run(git + ['rev-parse', '--is-shallow-repository']).stdout.strip() == 'true'
        raise Fail(f'commit {RELEASED} (release 0.1.0, the upgrade\'s starting point) is not '
                   f'in this clone' + ('; it is a shallow clone: git fetch --unshallow'
                                       if shallow else ''))
    src = os.path.join(ctx.tmp, 'previous')
    os.makedirs(src)
    tree = os.path.join(src, f'{PACKAGE}-0.1.0')
    r = L.run(['sh', '-c', f'"$@" | tar -x -C {src}', 'sh', *git, 'archive',
               f'--prefix={PACKAGE}-0.1.0/', RELEASED])
    need(r.returncode == 0, 'git archive of 0.1.0 failed', r.stderr)
    env = {k: v for k, v in L.ENV.items()
           if k not in ('MAKEFLAGS', 'MAKEOVERRIDES', 'MFLAGS', 'MAKELEVEL', 'SAN', 'BUILD')}
    env['MAKEFLAGS'] = '-j2'
    r = L.run(['dpkg-buildpackage', '-us', '-uc', '-b'], cwd=tree, env=env, timeout=900)
    built = os.path.join(src, os.path.basename(deb))
    need(r.returncode == 0 and os.path.exists(built), 'building 0.1.0 failed',
         (r.stdout + r.stderr)[-3000:])
    os.makedirs(cache, exist_ok=True)
    shutil.copy(built, deb)
    with open(stamp, 'w') as f:
        f.write(RELEASED + '\n')
    # The cache belongs to whoever owns the tree, so that make clean works.
    st = os.stat(ctx.top)
    for path in (cache, deb, stamp):
        os.chown(path, st.st_uid, st.st_gid)
    return deb


def deb_setuid():
    out = L.run(['dpkg-deb', '-c', S['deb']], check=True).stdout
    bad = [f'{p} is not setuid root in the .deb' for p in SETUID
           if not re.search(rf'^-rwsr-xr-x root/root .* \.{re.escape(p)}$', out, re.M)]
    need(not bad, 'package contents', '\n'.join(bad))


def deb_nothing_in_var():
    out = L.run(['dpkg-deb', '-c', S['deb']], check=True).stdout
    var = [ln.split()[-1] for ln in out.splitlines() if ln.split()[-1].startswith('./var')]
    need(not var, 'the .deb ships ' + ', '.join(var))


def lintian():
    r = L.run(['lintian', S['deb']], timeout=300)
    tags = [ln for ln in r.stdout.splitlines() if re.match(r'[EW]: ', ln)]
    need(not tags and r.returncode == 0, 'lintian', r.stdout + r.stderr)


def install_previous(ctx):
    S['previous'] = deb = previous_deb(ctx)
    apt('install', deb)
    need(dpkg_state() == 'install ok installed 0.1.0', f'state: {dpkg_state()}')
    for path in DATA:
        need(os.path.exists(path), f'0.1.0 did not create {path}')
    L.crm('user', 'add', 'crme2e_upgrade', '--email', 'crme2e_upgrade@e2e.test',
          '--password-stdin', input='Init1al!Pw-e2e\n')
    L.crm('rule', 'add', 'e2e-upgrade', '--network', '127.0.4.0/24', '--action', 'deny')
    L.run(['pam-auth-update', '--enable', 'crmpolicy'], check=True)
    need(profile_enabled(), 'pam-auth-update --enable crmpolicy did not enable it')
    L.crm('audit', 'verify')
    S['key'] = sha('/etc/security/crmpolicy.key')


def data_kept(enabled=True):
    """The 0.1.0 data is all there and sound."""
    need(os.path.exists('/var/lib/crmpolicy/crmpolicy.db'), 'the store is gone')
    need(sha('/etc/security/crmpolicy.key') == S['key'], 'the key changed')
    names = [u['name'] for u in L.crm_json('user', 'list')]
    need('crme2e_upgrade' in names, f'the account is gone: {names}')
    rules = L.crm('rule', 'list').stdout
    need('e2e-upgrade' in rules, 'the rule is gone', rules)
    r = L.crm('audit', 'verify', check=False)
    need(r.returncode == 0, 'crmpasswd audit verify', r.stdout + r.stderr)
    if enabled:
        need(profile_enabled(), 'the pam-auth-update profile is no longer enabled')


def after_previous():
    """Every step after the first stands on the 0.1.0 installation."""
    need('key' in S, 'the released 0.1.0 was not installed (see above)')


def upgrade():
    after_previous()
    apt('install', S['deb'])
    need(dpkg_state() == f'install ok installed {S["version"]}', f'state: {dpkg_state()}')
    data_kept()
    runtime_files()


def reinstall():
    after_previous()
    apt('install', '--reinstall', S['deb'])
    need(dpkg_state() == f'install ok installed {S["version"]}', f'state: {dpkg_state()}')
    data_kept()
    runtime_files()


def remove():
    after_previous()
    apt('remove', PACKAGE)
    need(dpkg_state().startswith('deinstall ok config-files'), f'state: {dpkg_state()}')
    need(not stacks_naming_module(), 'stacks still name the module: ' +
         ', '.join(stacks_naming_module()))
    need(not glob.glob('/lib/*/security/pam_crmpolicy.so'), 'the module is still there')
    for path in DATA:
        need(os.path.exists(path), f'remove deleted {path}')


def install_again():
    after_previous()
    apt('install', S['deb'])
    data_kept(enabled=False)


def purge(ctx):
    """Purge of the installed package with its profile enabled and a
    backup made; strace shows pam-auth-update --remove ran before the store
    or the key was deleted."""
    after_previous()
    L.run(['pam-auth-update', '--enable', 'crmpolicy'], check=True)
    need(profile_enabled(), 'could not enable the profile before the purge')
    L.crm('backup')
    need(os.listdir('/var/backups/crmpolicy'), 'crmpasswd backup wrote nothing')
    trace = os.path.join(ctx.tmp, 'purge.strace')
    r = L.run(['strace', '-f', '--seccomp-bpf', '-qq', '-s', '256', '-o', trace,
               '-e', 'trace=execve,unlink,unlinkat,rmdir',
               'apt-get', '-y', '-q', 'purge', PACKAGE], timeout=600,
              env=dict(L.ENV, DEBIAN_FRONTEND='noninteractive'))
    need(r.returncode == 0, 'apt-get purge', r.stdout + r.stderr)
    need(dpkg_state() in ('not-installed', 'unknown ok not-installed'), f'state: {dpkg_state()}')
    need(not stacks_naming_module(), 'stacks still name the module: ' +
         ', '.join(stacks_naming_module()))
    left = [p for p in DATA + ['/var/lib/crmpolicy', '/etc/security/crmpolicy.conf',
                               '/etc/pam.d/crmpasswd'] if os.path.exists(p)]
    need(not left, 'purge left ' + ', '.join(left))
    with open(trace, errors='replace') as f:
        lines = f.read().splitlines()
    remove_at = next((i for i, ln in enumerate(lines) if 'execve(' in ln and
                      'pam-auth-update' in ln and '"--remove"' in ln), None)
    data_at = next((i for i, ln in enumerate(lines) if re.search(r'unlink(at)?\(', ln) and
                    re.search(r'crmpolicy\.(db|key)"', ln)), None)
    need(remove_at is not None, 'pam-auth-update --remove did not run')
    need(data_at is not None, 'no deletion of the store or the key was seen')
    need(remove_at < data_at, 'the store or key was deleted before pam-auth-update --remove',
         f'{lines[data_at]}\n{lines[remove_at]}')


def purge_at_end(ctx):
    """Clean-up: the package goes if the suite installed it."""
    if dpkg_state() not in ('not-installed', 'unknown ok not-installed'):
        L.run(['pam-auth-update', '--package', '--remove', 'crmpolicy'])
        apt('purge', PACKAGE)


def run(suite, ctx):
    if ctx.installed:
        suite.area('the installed package', None,
                   [('package.installed_runtime_files', runtime_files),
                    ('package.installed_setuid_programs', setuid_programs)])
        return

    def setup():
        S['deb'], S['version'] = ctx.deb()
        ctx.host.on_cleanup('purge the package', lambda: purge_at_end(ctx))
    suite.area('the package (make deb, 0.1.0 from history)', setup, [
        ('package.deb_crmpasswd_and_helper_setuid_root', deb_setuid),
        ('package.deb_ships_nothing_under_var', deb_nothing_in_var),
        ('package.lintian_clean', lintian),
        ('package.install_released_0.1.0', lambda: install_previous(ctx)),
        ('package.upgrade_keeps_store_key_audit_account_profile', upgrade),
        ('package.reinstall_keeps_data', reinstall),
        ('package.remove_keeps_data_and_leaves_stacks', remove),
        ('package.install_after_remove_finds_data', install_again),
        ('package.purge_after_stacks_removes_store_key_backups', lambda: purge(ctx)),
    ])


def install_for_areas(suite, ctx):
    """apt install of this build for the scenarios that follow."""
    def fresh():
        if 'deb' not in S:
            S['deb'], S['version'] = ctx.deb()
            ctx.host.on_cleanup('purge the package', lambda: purge_at_end(ctx))
        before = stacks_naming_module()
        apt('install', S['deb'])
        need(dpkg_state() == f'install ok installed {S["version"]}', f'state: {dpkg_state()}')
        runtime_files()
        need(stacks_naming_module() == before, 'installing changed the PAM stacks')
    suite.area('this build installed for the scenarios', None,
               [('package.fresh_install_enables_nothing', fresh),
                ('package.installed_setuid_programs', setuid_programs)])
