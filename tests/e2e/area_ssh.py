"""OpenSSH sshd on 127.0.0.1 under its own PAM service, sshd-crm, with the
standalone stack of the shipped example: password and keyboard-interactive
logins from Czech, Japanese, Italian and Polish test addresses, the first
login's forced change, lockout and unlock, a deny rule, TOTP, an e-mailed
code, a public-key login in the history and the greeting with the place."""

import os
import re

import e2elib as L
from e2elib import Fail, need

TITLE = 'sshd (standalone stack, service sshd-crm)'
FIRST = 'Init1al!Pw-e2e'
GOOD = 'Blue!Harbour7'
WRONG = 'Wrong!Guess42'
OK = 'E2E-SSH-OK'
# Prompts of the module and of the ssh client.
PW = r'\bPassword: |password: '
NEW = r'New password: '
AGAIN = r'Retype new password: '
S = {}


def setup(ctx):
    d = os.path.join(ctx.tmp, 'ssh')
    os.makedirs(d)
    S['dir'] = d
    L.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', f'{d}/host_key'], check=True)
    L.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', f'{d}/client_key'], check=True)
    # sshd names its PAM service after the program it runs as.
    os.symlink('/usr/sbin/sshd', f'{d}/sshd-crm')
    S['port'] = port = L.free_port()
    with open(f'{d}/sshd_config', 'w') as f:
        f.write(f"""Port {port}
ListenAddress 127.0.0.1
HostKey {d}/host_key
PidFile {d}/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication yes
PubkeyAuthentication yes
ExposeAuthInfo yes
PermitRootLogin no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 50
LogLevel VERBOSE
""")
    if not os.path.isdir('/run/sshd'):
        os.makedirs('/run/sshd', 0o755)
        ctx.host.on_cleanup('remove /run/sshd', lambda: os.rmdir('/run/sshd'))
    ctx.host.write_file('/etc/pam.d/sshd-crm', ctx.shipped_example('sshd-standalone.example'))
    # One account per scenario, so that each stands on its own.
    for user in ('first', 'ssh', 'lock', 'totp', 'mcode', 'key'):
        ctx.store_user(f'crme2e_{user}', FIRST, system=True,
                       settle=None if user == 'first' else GOOD)
    L.crm('user', 'set', 'crme2e_ssh', '--email', 'crme2e_ssh@e2e.test', '--verified')
    L.crm('user', 'set', 'crme2e_mcode', '--email', 'crme2e_mcode@e2e.test', '--verified')
    home = os.path.expanduser('~crme2e_key')
    os.makedirs(f'{home}/.ssh', 0o700, exist_ok=True)
    with open(f'{d}/client_key.pub') as src, open(f'{home}/.ssh/authorized_keys', 'w') as dst:
        dst.write(src.read())
    L.run(['chown', '-R', 'crme2e_key:crme2e_key', f'{home}/.ssh'], check=True)
    os.chmod(f'{home}/.ssh/authorized_keys', 0o600)
    L.run([f'{d}/sshd-crm', '-t', '-f', f'{d}/sshd_config'], check=True)
    S['sshd'] = svc = ctx.host.start('sshd', [f'{d}/sshd-crm', '-D', '-e', '-f', f'{d}/sshd_config'])
    try:
        L.wait_port(port, proc=svc.proc)
    except Fail as e:
        raise Fail(f'sshd: {e}\n{svc.tail()}')


def ssh(user, src, method, script, command=f'echo {OK}', tty=False):
    """ssh USER@127.0.0.1 from the source address SRC with one method
    (password, keyboard-interactive or publickey); returns (exit, text)."""
    argv = ['ssh', '-F', '/dev/null', '-p', str(S['port']), '-b', src,
            '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
            '-o', 'LogLevel=ERROR', '-o', 'ConnectTimeout=10',
            '-o', 'NumberOfPasswordPrompts=1',
            '-o', f'PreferredAuthentications={method}']
    if method == 'publickey':
        argv += ['-o', 'IdentitiesOnly=yes', '-i', f'{S["dir"]}/client_key']
    else:
        argv += ['-o', 'PubkeyAuthentication=no']
    if tty:
        argv.append('-tt')
    argv.append(f'{user}@127.0.0.1')
    if command:
        argv.append(command)
    return L.talk(argv, script)


def login_ok(user, src, method='keyboard-interactive', pw=GOOD):
    rc, out = ssh(user, src, method, [(PW, pw)])
    need(rc == 0 and OK in out, f'{user} from {src} ({method}): exit {rc}', out)


def login_refused(user, src, pw, method='keyboard-interactive'):
    rc, out = ssh(user, src, method, [(PW, pw)])
    need(rc != 0 and OK not in out, f'{user} from {src} got in with {pw!r}', out)
    return out


def login_row(user, rhost, **want):
    """USER's latest successful login to sshd-crm from RHOST must have the
    fields WANT."""
    rows = [r for r in L.logins(user)
            if r['rhost'] == rhost and r['service'] == 'sshd-crm' and r['success']]
    need(rows, f'no successful login of {user} from {rhost} in the history', L.logins(user))
    bad = {k: rows[0].get(k) for k, v in want.items() if rows[0].get(k) != v}
    need(not bad, f'history row of {user} from {rhost}: {bad}, wanted {want}', rows[0])


def first_login_change():
    user = 'crme2e_first'
    rc, out = ssh(user, '127.0.1.5', 'keyboard-interactive',
                  [(PW, FIRST), (NEW, GOOD), (AGAIN, GOOD)])
    need('You must change your password now.' in out, 'no forced change', out)
    need(rc == 0 and OK in out, f'the login after the change failed (exit {rc})', out)
    need(not L.status(user)['must_change'], 'must_change is still set')
    login_ok(user, '127.0.1.5', 'password')


def password_auth():
    login_ok('crme2e_ssh', '127.0.1.5', 'password')
    login_row('crme2e_ssh', '127.0.1.5', country_code='CZ', city='Prague')


def keyboard_interactive():
    login_ok('crme2e_ssh', '127.0.2.5', 'keyboard-interactive')
    login_row('crme2e_ssh', '127.0.2.5', country_code='JP', city='Tokyo')


def new_address_alert(ctx):
    mark = ctx.mail.mark()
    login_ok('crme2e_ssh', '127.0.3.5', 'password')
    msg, text = ctx.mail.wait(
        'the new-address alert for 127.0.3.5',
        lambda m, t: 'crme2e_ssh@e2e.test' in str(m['To']) and '127.0.3.5' in str(m['Subject']),
        mark)
    need('Milan, Italy' in text, 'the alert does not name the place', text)


def greeting():
    login_ok('crme2e_ssh', '127.0.1.5', 'password')
    t = L.Pty(['ssh', '-F', '/dev/null', '-p', str(S['port']), '-b', '127.0.1.5', '-tt',
               '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
               '-o', 'LogLevel=ERROR', '-o', 'PreferredAuthentications=password',
               '-o', 'PubkeyAuthentication=no', 'crme2e_ssh@127.0.0.1'])
    t.child.expect(PW)
    t.child.sendline(GOOD)
    t.child.expect(r'[$#] ')
    t.child.sendline('echo SHELL-$((40+2)); exit')
    t.child.expect('SHELL-42')
    rc, out = t.close()
    need(re.search(r'Last login: .+ from 127\.0\.1\.5 \(Prague, Czechia\)', out),
         'no greeting naming the place', out)


def lockout_unlock():
    user = 'crme2e_lock'
    for _ in range(3):
        login_refused(user, '127.0.3.5', WRONG)
    login_refused(user, '127.0.3.5', GOOD)
    st = L.status(user)
    need(st['locked'], f'not locked after 3 failures: {st}')
    L.crm('user', 'unlock', user)
    login_ok(user, '127.0.3.5')
    need(L.status(user)['failures'] == 0, 'the failures were not cleared')


def deny_rule():
    user = 'crme2e_ssh'
    mark = L.audit_mark()
    L.crm('rule', 'add', 'e2e-ssh-japan', '--network', '127.0.2.0/24', '--action', 'deny',
          '--scope', f'user:{user}')
    try:
        rc, out = ssh(user, '127.0.2.5', 'keyboard-interactive', [(PW, [])])
        need(rc != 0 and OK not in out, 'a login from 127.0.2.5 passed the deny rule', out)
        need(not re.search(PW, out), 'a password was asked for before the refusal', out)
        need(L.audit_since(mark, event='ip.denied', user=user), 'no ip.denied audit row')
        login_ok(user, '127.0.1.5')
    finally:
        L.crm('rule', 'del', 'e2e-ssh-japan')
    login_ok(user, '127.0.2.5')


def totp(ctx):
    user = 'crme2e_totp'
    secret = ctx.enrol_totp(user)
    L.crm('user', 'set', user, '--mfa', 'totp')
    code = ctx.totp_code(secret)
    rc, out = ssh(user, '127.0.1.5', 'keyboard-interactive',
                  [(PW, GOOD), (r'Verification code', '000000')])
    need(rc != 0 and OK not in out, 'a wrong code was accepted', out)
    rc, out = ssh(user, '127.0.1.5', 'keyboard-interactive',
                  [(PW, GOOD), (r'Verification code', code)])
    need(rc == 0 and OK in out, f'the right code was refused (exit {rc})', out)


def emailed_code(ctx):
    user = 'crme2e_mcode'
    L.crm('user', 'set', user, '--mfa', 'email')
    mark = ctx.mail.mark()

    def code():  # the mail is handed over before the prompt
        _, text = ctx.mail.wait(f'the login code for {user}',
                                lambda m, t: str(m['Subject']) == f'Login code for {user}', mark)
        need(L.email_code(text), 'no code in the mail', text)
        return L.email_code(text)
    rc, out = ssh(user, '127.0.4.5', 'keyboard-interactive',
                  [(PW, GOOD), (r'A code was sent to \S+\. Code: ', code)])
    need(rc == 0 and OK in out, f'the e-mailed code did not let {user} in (exit {rc})', out)


def publickey():
    user = 'crme2e_key'
    rc, out = ssh(user, '127.0.4.5', 'publickey', [(PW, [])])
    need(rc == 0 and OK in out, f'the key login failed (exit {rc})', out)
    login_row(user, '127.0.4.5', type='publickey', country_code='PL')


def checks(ctx):
    return [
        ('ssh.first_login_forced_change', first_login_change),
        ('ssh.password_auth_from_127.0.1.5', password_auth),
        ('ssh.keyboard_interactive_from_127.0.2.5', keyboard_interactive),
        ('ssh.new_address_alert_mailed', lambda: new_address_alert(ctx)),
        ('ssh.greeting_names_place', greeting),
        ('ssh.lockout_and_unlock', lockout_unlock),
        ('ssh.deny_rule_refuses_before_prompt', deny_rule),
        ('ssh.totp_code_from_oathtool', lambda: totp(ctx)),
        ('ssh.emailed_code_from_mail_server', lambda: emailed_code(ctx)),
        ('ssh.publickey_login_in_history', publickey),
    ]

