"""pam-auth-update --enable crmpolicy on the whole host (stacked mode in
the common-* stacks): local users still log in through su and login and
are locked after three failures; three mistyped sudo passwords lock the
administrator only until admin_unlock_time; cron jobs of www-data and
backup keep running 40 and 100 days later (cron under faketime); the age
of a password comes from /etc/shadow; the outgoing password enters the
history; --disable gives the stacks back as they were."""

import os
import re
import time

import e2elib as L
from e2elib import Fail, need

TITLE = 'pam-auth-update --enable crmpolicy on the host (stacked)'
P0 = 'Init1al!Pw-e2e'
P1 = 'Blue!Harbour7'
P2 = 'Amber%Falcon9'
WRONG = 'Wrong!Guess42'
CURRENT = r'(?<![Nn]ew )[Pp]assword: '
NEW = r'(?i)new password: '
MUST = r'must change your password|required to change your password'
STACKS = ['common-auth', 'common-account', 'common-password', 'common-session']
CRON_USERS = ['www-data', 'backup']
S = {}


def read_stacks():
    out = {}
    for s in STACKS:
        with open(f'/etc/pam.d/{s}') as f:
            out[s] = f.read()
    return out


def setup(ctx):
    host = ctx.host
    host.add_user('crme2e_ann', P0)
    host.add_user('crme2e_sulock', P0)
    host.add_user('crme2e_admin', P0, groups=['sudo'])
    host.on_cleanup('forget the sudo lecture',
                    lambda: os.path.exists(f := '/var/lib/sudo/lectured/crme2e_admin') and
                    os.unlink(f))
    host.add_user('crme2e_old', P0)
    L.run(['chage', '-d', '2020-01-01', 'crme2e_old'], check=True)
    host.add_user('crme2e_fresh', P0)
    host.add_user('crme2e_hist', P0)
    S['stacks'] = read_stacks()
    # The profile ends as it was found (an autopkgtest's testbed may have
    # enabled it).
    was = '--enable' if 'pam_crmpolicy.so' in S['stacks']['common-auth'] else '--disable'
    host.on_cleanup(f'pam-auth-update {was} crmpolicy',
                    lambda: L.run(['pam-auth-update', was, 'crmpolicy'], check=True))
    if was == '--enable':
        L.run(['pam-auth-update', '--disable', 'crmpolicy'], check=True)
        S['stacks'] = read_stacks()
    setup_cron(ctx)


def setup_cron(ctx):
    d = S['cron'] = os.path.join(ctx.tmp, 'cron')
    os.makedirs(d)
    os.chmod(d, 0o1777)
    for user in CRON_USERS:
        had = L.run(['crontab', '-u', user, '-l'])
        if had.returncode == 0:
            ctx.host.on_cleanup(f'restore the crontab of {user}',
                                lambda u=user, t=had.stdout: L.run(['crontab', '-u', u, '-'],
                                                                   input=t, check=True))
        else:
            ctx.host.on_cleanup(f'remove the crontab of {user}',
                                lambda u=user: L.run(['crontab', '-u', u, '-r']))
        # The job writes the pid of the cron that started it, so that a
        # cron already running on the host cannot pass for the test's
        # (which runs in the process group the suite started).
        L.run(['crontab', '-u', user, '-'], check=True, input=(
            '# crmpolicy end-to-end suite: removed at its end\n'
            'HOME=/\n'
            f"* * * * * awk '/^PPid/ {{print $2}}' /proc/$PPID/status > {d}/{user}\n"))
        if L.run([L.CRMPASSWD, 'status', user]).returncode != 0:
            ctx.host.on_cleanup(f'the store row of {user}, if any',
                                lambda u=user: L.crm('user', 'del', u, check=False))
    for f in ('/run/crond.pid', '/run/crond.reboot'):
        if not os.path.exists(f):
            ctx.host.on_cleanup(f'remove {f}', lambda f=f: os.path.exists(f) and os.unlink(f))


def su(user, script, command='echo E2E-SU-$((40+2))'):
    """su - USER -c COMMAND, run by nobody on a terminal (root would not be
    asked for a password)."""
    return L.talk(['runuser', '-u', 'nobody', '--', 'su', '-', user, '-c', command], script)


def su_ok(user, pw=P0):
    rc, out = su(user, [(CURRENT, pw)])
    need(rc == 0 and 'E2E-SU-42' in out, f'su {user}: exit {rc}', out)
    return out


def enable():
    L.run(['pam-auth-update', '--enable', 'crmpolicy'], check=True)
    now = read_stacks()
    need(all('pam_crmpolicy.so' in now[s] for s in STACKS),
         'not in every common-* stack', '\n'.join(f'{s}:\n{now[s]}' for s in STACKS))


def su_local():
    su_ok('crme2e_ann')


def login_local():
    t = L.Pty(['/bin/login', 'crme2e_ann'])
    t.child.expect(CURRENT)
    t.child.sendline(P0)
    i = t.child.expect([r'[$#] $', 'Login incorrect', r'[Pp]assword: '])
    if i != 0:
        rc, out = t.close()
        raise Fail(f'login refused crme2e_ann\n{out}')
    t.child.sendline('echo LOGIN-$((40+2)); exit')
    t.child.expect('LOGIN-42')
    t.close()


def lockout_local():
    user = 'crme2e_sulock'
    for _ in range(3):
        rc, out = su(user, [(CURRENT, WRONG)])
        need(rc != 0, 'su accepted a wrong password', out)
    rc, out = su(user, [(CURRENT, P0)])
    need(rc != 0 and 'E2E-SU-42' not in out, 'su let a locked user in', out)
    need(L.status(user)['locked'], 'not locked after 3 failures')
    L.crm('user', 'unlock', user)
    su_ok(user)


def sudo(pw_lines):
    return L.run(['runuser', '-u', 'crme2e_admin', '--', 'sudo', '-S', '-k', '-p',
                  'E2E-SUDO-PW:', 'true'], input=''.join(p + '\n' for p in pw_lines))


def sudo_lock():
    r = sudo([WRONG + '1', WRONG + '2', WRONG + '3'])
    need(r.returncode != 0, 'sudo accepted wrong passwords', r.stderr)
    need(L.status('crme2e_admin')['locked'], 'three mistyped sudo passwords did not lock')
    r = sudo([P0])
    need(r.returncode != 0, 'sudo let the locked administrator in', r.stderr)


def admin_unlock(ctx):
    """faketime does not reach into setuid sudo: the lock's end is checked
    on the real /etc/pam.d/sudo stack through pamdrive as root."""
    need(L.status('crme2e_admin')['locked'], 'precondition: the administrator is not locked')
    rc, out = ctx.drive('sudo', 'crme2e_admin', ['auth'], [P0])
    need(rc != 0, 'the lock lifted at once', out)
    rc, out = ctx.drive('sudo', 'crme2e_admin', ['auth'], [P0], faketime='+960')
    need(rc == 0, '16 minutes later the administrator is still locked', out)


def system_cron_pid():
    try:
        with open('/run/crond.pid') as f:
            pid = int(f.read().split()[0])
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


def cron_runs(ctx, days):
    """Runs cron in the foreground with the clock DAYS days ahead, started
    three seconds before a minute so that the jobs run at once, and checks
    that this cron ran both users' jobs."""
    for user in CRON_USERS:
        if os.path.exists(f'{S["cron"]}/{user}'):
            os.unlink(f'{S["cron"]}/{user}')
    ahead = time.time() + days * 86400
    start = ahead - time.localtime(ahead).tm_sec + 57
    argv = L.faketime(time.strftime('@%Y-%m-%d %H:%M:%S', time.localtime(start))) + [
        '/usr/sbin/cron', '-f']
    if system_cron_pid():
        # The host's cron holds /run/crond.pid: this one gets a file of its
        # own there, in a mount namespace of its own.
        pidfile = os.path.join(S['cron'], 'crond.pid')
        open(pidfile, 'w').close()
        argv = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c',
                'mount --bind "$0" /run/crond.pid && exec "$@"', pidfile] + argv
    svc = ctx.host.start(f'cron-{days}d', argv)
    try:
        def ran():
            return all(os.path.exists(f'{S["cron"]}/{u}') and
                       open(f'{S["cron"]}/{u}').read().strip() for u in CRON_USERS)
        try:
            L.wait_for('the jobs of ' + ' and '.join(CRON_USERS), ran, timeout=25)
        except Fail as e:
            ran_ = [u for u in CRON_USERS if os.path.exists(f'{S["cron"]}/{u}')]
            raise Fail(f'{e}; jobs that ran: {ran_}\n{svc.tail()}')
        for u in CRON_USERS:
            pid = int(open(f'{S["cron"]}/{u}').read())
            try:
                ours = os.getpgid(pid) == svc.pgid
            except ProcessLookupError:
                ours = False
            need(ours, f'the job of {u} was run by pid {pid}, not by the test cron')
    finally:
        svc.stop()
        # libfaketime shares the clock with its children through a
        # semaphore and a shared memory object named by cron's pid, which
        # its exit would remove; a stopped cron leaves them.
        for name in (f'sem.faketime_sem_{svc.pgid}', f'faketime_shm_{svc.pgid}'):
            try:
                os.unlink(os.path.join('/dev/shm', name))
            except FileNotFoundError:
                pass


def no_store_row():
    rows = [u for u in CRON_USERS if L.run([L.CRMPASSWD, 'status', u]).returncode == 0]
    need(not rows, 'service accounts with a store row: ' + ', '.join(rows))


def old_password():
    rc, out = su('crme2e_old', [(CURRENT, [P0, P0]), (NEW, [P1, P1])])
    need(re.search(MUST, out), 'a password last changed in 2020 was not expired', out)
    need(rc == 0 and 'E2E-SU-42' in out, f'the change did not complete (exit {rc})', out)


def fresh_password():
    rc, out = su('crme2e_fresh', [(CURRENT, P0), (NEW, [])])
    need(not re.search(MUST, out), 'a fresh password was expired', out)
    need(rc == 0 and 'E2E-SU-42' in out, f'exit {rc}', out)


def passwd(user, current, new):
    return L.talk(['runuser', '-u', user, '--', 'passwd'], [(CURRENT, current), (NEW, [new, new])])


def stacked_history():
    user = 'crme2e_hist'
    rc, out = passwd(user, P0, P1)
    need(rc == 0, f'the first change through passwd failed (exit {rc})', out)
    rc, out = passwd(user, P1, P0)
    need(rc != 0, 'the password from before the first change was taken again', out)
    need('was used recently' in out, 'the refusal does not say why', out)
    rc, out = passwd(user, P1, P2)
    need(rc == 0, f'a new password was refused (exit {rc})', out)


def disable():
    L.crm('user', 'disable', 'crme2e_ann')
    rc, out = su('crme2e_ann', [(CURRENT, P0)])
    need(rc != 0, 'a disabled account logged in while the profile is enabled', out)
    L.run(['pam-auth-update', '--disable', 'crmpolicy'], check=True)
    now = read_stacks()
    changed = [s for s in STACKS if now[s] != S['stacks'][s]]
    need(not changed, 'stacks differ from before --enable: ' + ', '.join(changed))
    su_ok('crme2e_ann')
    L.crm('user', 'enable', 'crme2e_ann')


def checks(ctx):
    return [
        ('host.pam_auth_update_enable', enable),
        ('host.su_local_user', su_local),
        ('host.login_local_user', login_local),
        ('host.lockout_applies_to_local_user', lockout_local),
        ('host.sudo_three_mistyped_passwords_lock_admin', sudo_lock),
        ('host.admin_lock_lifts_after_admin_unlock_time', lambda: admin_unlock(ctx)),
        ('host.cron_jobs_of_www-data_and_backup_run_at_enable', lambda: cron_runs(ctx, 0)),
        ('host.cron_jobs_run_40_days_later', lambda: cron_runs(ctx, 40)),
        ('host.cron_jobs_run_100_days_later', lambda: cron_runs(ctx, 100)),
        ('host.cron_service_accounts_get_no_store_row', no_store_row),
        ('host.shadow_age_old_password_must_change', old_password),
        ('host.shadow_age_fresh_password_no_change', fresh_password),
        ('host.stacked_history_refuses_password_from_before_first_change', stacked_history),
        ('host.pam_auth_update_disable_restores_stacks', disable),
    ]
