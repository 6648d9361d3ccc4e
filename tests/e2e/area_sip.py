"""Kamailio as a SIP registrar on a loopback UDP port, with the shipped
kamailio-crmpolicy.cfg and crmpolicy.lua, its workers running as
kamailio; the installed crmpolicy_registrar, run by the suite as root on a
socket in the temporary directory, decides for service sip, which
helper_services binds to kamailio. SIPp registers extensions (store
accounts in a group whose policy sets sip_realm) from chosen loopback
source addresses: REGISTER, 401, REGISTER with the MD5 digest."""

import hashlib
import os
import re
import socket
import time

import e2elib as L
from e2elib import need

TITLE = 'Kamailio SIP registrar with SIPp (service sip, through crmpolicy_registrar)'
REALM = 'e2e.test'
GROUP = 'crme2e_phones'
FIRST = 'Init1al!Pw-e2e'
GOOD = 'Blue!Harbour7'
NEXT = 'Green!Meadow8'
WRONG = 'Wrong!Guess42'
WEAK = 'blue!harbour7'  # no upper-case letter
EXAMPLES = '/usr/share/doc/libpam-crmpolicy/examples/kamailio'
DAEMON = '/usr/sbin/crmpolicy_registrar'
S = {}


def ext(name):
    return f'crme2e_sip_{name}'


def udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def example(ctx, name):
    """A file of the Kamailio example as installed (else from the tree)."""
    path = os.path.join(S['dir'], name)
    with open(path, 'w') as f:
        f.write(ctx.shipped_example(f'kamailio/{name}', f'etc/kamailio/{name}'))
    os.chmod(path, 0o644)
    return path


def kamailio_argv(cfg, lua, port, run, *defines):
    return ['kamailio', '-DD', '-E', '-f', cfg, '-Y', run, '-u', 'kamailio', '-g', 'kamailio',
            '-m', '64', '-M', '8', '-A', f'CRM_LISTEN=udp:127.0.0.1:{port}',
            '-A', f'CRM_REALM="{REALM}"', '-A', f'CRM_SOCKET="{S["socket"]}"',
            '-A', f'CRM_LUA="{lua}"', '-A', 'CRM_CHILDREN=4', *defines]


def start_kamailio(ctx, label, port, *defines):
    run = os.path.join(S['dir'], f'run-{label}')
    os.makedirs(run)
    L.run(['chown', 'kamailio:kamailio', run], check=True)
    argv = kamailio_argv(S['cfg'], S['lua'], port, run, *defines)
    L.run(argv + ['-c'], check=True)
    svc = ctx.host.start(label, argv)

    def listening():
        if svc.proc.poll() is not None:
            raise L.Fail(f'{label} exited with {svc.proc.returncode}\n{svc.tail()}')
        return L.run(['ss', '-Hlun', f'sport = :{port}']).stdout.strip()
    L.wait_for(f'{label} on udp 127.0.0.1:{port}', listening)
    ps = L.run(['ps', '-o', 'user=', '--ppid', str(svc.proc.pid)]).stdout.split()
    need(ps and set(ps) == {'kamailio'}, f'the workers run as {set(ps)}, not kamailio')
    return svc


def setup(ctx):
    S['dir'] = d = os.path.join(ctx.tmp, 'sip')
    os.makedirs(d)
    os.chmod(d, 0o755)
    S['scenario'] = os.path.join(ctx.top, 'tests', 'e2e', 'sip', 'register.xml')
    S['cfg'] = example(ctx, 'kamailio-crmpolicy.cfg')
    S['lua'] = example(ctx, 'crmpolicy.lua')

    # The extensions: store accounts in a group whose policy keeps HA1
    # for the realm, each with its first password changed (a provisioned
    # phone does not answer a forced change).
    L.crm('group', 'add', GROUP)
    ctx.host.on_cleanup(f'crmpasswd group del {GROUP}',
                        lambda: L.crm('group', 'del', GROUP, check=False))
    L.crm('policy', 'set', '--group', GROUP, f'sip_realm={REALM}')
    for name in ('ext', 'lock', 'change', 'weak', 'history'):
        ctx.store_user(ext(name), FIRST, settle=GOOD, groups=[GROUP])

    S['socket'] = os.path.join(d, 'registrar.sock')
    need(os.path.exists(DAEMON), f'{DAEMON} is not installed')
    start_daemon(ctx)
    S['port'] = udp_port()
    S['kamailio'] = start_kamailio(ctx, 'kamailio', S['port'])


def start_daemon(ctx):
    if os.path.exists(S['socket']):
        os.unlink(S['socket'])
    S['daemon'] = svc = ctx.host.start(
        'crmpolicy_registrar', [DAEMON, '--foreground', '--socket', S['socket']])

    def ready():
        if svc.proc.poll() is not None:
            raise L.Fail(f'crmpolicy_registrar exited with {svc.proc.returncode}\n{svc.tail()}')
        return os.path.exists(S['socket'])
    L.wait_for('the socket of crmpolicy_registrar', ready)


def register(user, pw, src, count=1):
    """COUNT registrations of USER with PW from SRC (SIPp, one after the
    other); returns the status each got for its digest, '-' for none."""
    return register_many([(user, pw)] * count, src)


def register_many(pairs, src):
    run = os.path.join(S['dir'], f'sipp-{time.monotonic_ns()}')
    os.makedirs(run)
    inf = os.path.join(run, 'users.csv')
    with open(inf, 'w') as f:
        f.write('SEQUENTIAL\n')
        for user, pw in pairs:
            f.write(f'{user};[authentication username={user} password={pw}];{REALM}\n')
    log = os.path.join(run, 'sipp.log')
    r = L.run(['sipp', '-sf', S['scenario'], '-inf', inf, '-i', src, '-p', '0',
               '-m', str(len(pairs)), '-l', '1', '-r', '100', '-nostdin',
               '-recv_timeout', '8000', '-timeout', '60s', '-timeout_error',
               '-trace_logs', '-log_file', log, f'127.0.0.1:{S["port"]}'],
              cwd=run, timeout=90)
    got = []
    if os.path.exists(log):
        with open(log) as f:
            got = [ln.split()[1] for ln in f if len(ln.split()) == 2]
    need(len(got) == len(pairs), f'SIPp (exit {r.returncode}): {len(got)} answers for '
         f'{len(pairs)} registrations', r.stdout[-1500:] + r.stderr[-500:] + kamailio_tail())
    return got


def expect(code, user, pw, src, count=1):
    got = register(user, pw, src, count)
    need(got == [code] * count, f'{user} from {src}: {got}, wanted {[code] * count}',
         kamailio_tail())


def kamailio_tail():
    return '\n' + S['kamailio'].tail(8) if 'kamailio' in S else ''


def failures(user):
    return L.status(user)['failures']


def sip_rows(user, src):
    return [r for r in L.logins(user) if r['service'] == 'sip' and r['rhost'] == src
            and r['success']]


def right_password():
    expect('200', ext('ext'), GOOD, '127.0.1.40')
    need(failures(ext('ext')) == 0, 'a failure was counted')


def wrong_password():
    user = ext('ext')
    expect('401', user, WRONG, '127.0.1.41')
    need(failures(user) == 1, f'failures = {failures(user)}, wanted 1')
    expect('200', user, GOOD, '127.0.1.41')
    # Successes are recorded in batches, within moments.
    L.wait_for('the success clearing the count', lambda: failures(user) == 0, timeout=5)


def unknown_extension():
    # An extension the store does not know is challenged again like a
    # wrong password: no 401/403 difference tells which ones exist.
    expect('401', ext('nosuchext'), WRONG, '127.0.1.42')


def lockout():
    user = ext('lock')
    expect('401', user, WRONG, '127.0.1.43', count=3)
    need(L.status(user)['locked'], 'not locked after 3 wrong digests')
    expect('403', user, GOOD, '127.0.1.43')
    L.crm('user', 'unlock', user)
    expect('200', user, GOOD, '127.0.1.43')


def deny_rule():
    user = ext('ext')
    mark = L.audit_mark()
    L.crm('rule', 'add', 'e2e-sip-japan', '--network', '127.0.2.0/24', '--action', 'deny',
          '--service', 'sip')
    try:
        # Refused when the digest arrives, before it is checked: the right
        # password is refused, and a wrong one counts nothing.
        expect('403', user, GOOD, '127.0.2.40')
        expect('403', user, WRONG, '127.0.2.40')
        need(failures(user) == 0, f'failures = {failures(user)}: a digest was checked')
        need('REGISTER from 127.0.2.40 refused: denied' in S['kamailio'].tail(40),
             'Kamailio did not log the refusal before the digest check', kamailio_tail())
        need(L.audit_since(mark, event='ip.denied', user=user), 'no ip.denied audit row')
        expect('200', user, GOOD, '127.0.1.44')
    finally:
        L.crm('rule', 'del', 'e2e-sip-japan')
    expect('200', user, GOOD, '127.0.2.40')


def guessing_blocked(ctx):
    src = '127.0.5.40'
    ctx.host.on_cleanup(f'crmpasswd blocked clear {src}',
                        lambda: L.crm('blocked', 'clear', src, check=False))
    guesses = [(ext(f'guess{i}'), WRONG) for i in range(10)]
    got = register_many(guesses, src)
    need(got == ['401'] * 10, f'the guesses got {got}')
    blocked = [b['ip'] for b in L.crm_json('blocked', 'list')]
    need(src in blocked, f'{src} is not blocked', blocked)
    expect('403', ext('ext'), GOOD, src)
    expect('200', ext('ext'), GOOD, '127.0.1.45')


def logins_type_and_place():
    user = ext('history')
    src = '127.0.1.46'
    expect('200', user, GOOD, src, count=3)
    # Successes are written in batches: the rows come within moments.
    rows = L.wait_for(f'3 sip logins of {user} from {src} in the history',
                      lambda: sum(r['count'] for r in sip_rows(user, src)) >= 3
                      and sip_rows(user, src), timeout=5)
    need(len(rows) == 1, f'{len(rows)} history rows for 3 registrations, wanted one', rows)
    row = rows[0]
    want = {'type': 'sip', 'country_code': 'CZ', 'city': 'Prague'}
    bad = {k: row.get(k) for k, v in want.items() if row.get(k) != v}
    need(not bad, f'history row: {bad}, wanted {want}', row)
    need(row['count'] == 3, f'count {row["count"]}, wanted 3 (refreshes merged)', row)
    out = L.crm('logins', user).stdout
    need('sip' in out and 'Prague' in out, 'crmpasswd logins does not show type and place', out)


def password_change():
    user = ext('change')
    expect('200', user, GOOD, '127.0.1.47')
    L.crm('passwd', user, '--password-stdin', input=NEXT + '\n')
    expect('401', user, GOOD, '127.0.1.47')
    expect('200', user, NEXT, '127.0.1.47')


def weak_password():
    user = ext('weak')
    r = L.crm('passwd', user, '--password-stdin', input=WEAK + '\n', check=False)
    need(r.returncode == 4, f'crmpasswd passwd with a weak password: exit {r.returncode}',
         r.stdout + r.stderr)
    need('upper-case' in r.stderr, 'the rule is not named', r.stderr)
    r = L.crm('user', 'add', ext('weaknew'), '--group', GROUP, '--password-stdin',
              input=WEAK + '\n', check=False)
    need(r.returncode == 4, f'crmpasswd user add with a weak password: exit {r.returncode}',
         r.stdout + r.stderr)
    need('upper-case' in r.stderr, 'the rule is not named', r.stderr)
    expect('200', user, GOOD, '127.0.1.48')


def unbound_user():
    # Only kamailio is bound to service sip: another user's request is
    # refused whatever it asks.
    script = ('import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); '
              's.sendall(b"PING\\nCHECK sip crme2e_sip_ext 127.0.1.49 e2e.test MD5\\n"); '
              'f=s.makefile(); print(f.readline().strip()); print(f.readline().strip())')
    r = L.run(['runuser', '-u', 'nobody', '--', '/usr/bin/python3', '-c', script, S['socket']],
              check=True)
    need(r.stdout.split('\n')[:2] == ['PONG', 'DENY unbound'], 'nobody was not refused',
         r.stdout)


def digest_register(port, user, pw, src):
    """One registration by hand (SIPp 3.6 speaks MD5 digest only): REGISTER,
    the challenge, REGISTER with a digest of the challenge's algorithm.
    Returns (the challenge's algorithm, the final status)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((src, 0))
        s.settimeout(5)
        s.connect(('127.0.0.1', port))
        lport = s.getsockname()[1]
        uri = f'sip:{REALM}'

        def request(cseq, auth=''):
            s.send((f'REGISTER {uri} SIP/2.0\r\n'
                    f'Via: SIP/2.0/UDP {src}:{lport};branch=z9hG4bK{cseq}{time.monotonic_ns()}\r\n'
                    f'Max-Forwards: 70\r\nFrom: <sip:{user}@{REALM}>;tag=e2e{lport}\r\n'
                    f'To: <sip:{user}@{REALM}>\r\nCall-ID: e2e-{lport}@{src}\r\n'
                    f'CSeq: {cseq} REGISTER\r\nContact: <sip:{user}@{src}:{lport}>\r\n'
                    f'Expires: 600\r\n{auth}Content-Length: 0\r\n\r\n').encode())
            reply = s.recv(65535).decode(errors='replace')
            return reply.split(' ', 2)[1], reply

        code, reply = request(1)
        need(code == '401', f'the first REGISTER got {code}', reply)
        chal = re.search(r'^WWW-Authenticate: Digest ([^\r\n]*)', reply, re.M | re.I)
        need(chal, 'no digest challenge', reply)
        p = dict(re.findall(r'(\w+)="?([^",]*)"?', chal.group(1)))
        alg = p.get('algorithm', 'MD5')
        h = {'MD5': hashlib.md5, 'SHA-256': hashlib.sha256}[alg]

        def hx(text):
            return h(text.encode()).hexdigest()
        cnonce, nc = os.urandom(8).hex(), '00000001'
        ha1 = hx(f'{user}:{p["realm"]}:{pw}')
        ha2 = hx(f'REGISTER:{uri}')
        resp = hx(f'{ha1}:{p["nonce"]}:{nc}:{cnonce}:auth:{ha2}')
        auth = (f'Authorization: Digest username="{user}", realm="{p["realm"]}", '
                f'nonce="{p["nonce"]}", uri="{uri}", response="{resp}", algorithm={alg}, '
                f'cnonce="{cnonce}", nc={nc}, qop=auth\r\n')
        code, _ = request(2, auth)
        return alg, code


def sha256(ctx):
    # Kamailio 5.6 challenges with one algorithm for the whole server: a
    # second instance, started with CRM_SHA256, asks for the SHA-256 HA1.
    port = udp_port()
    svc = start_kamailio(ctx, 'kamailio-sha256', port, '-A', 'CRM_SHA256')
    try:
        user = ext('ext')
        got = digest_register(port, user, GOOD, '127.0.1.51')
        need(got == ('SHA-256', '200'), f'right password: {got}, wanted SHA-256 and 200',
             svc.tail(8))
        got = digest_register(port, user, WRONG, '127.0.1.51')
        need(got == ('SHA-256', '401'), f'wrong password: {got}, wanted SHA-256 and 401')
        need(failures(user) == 1, f'failures = {failures(user)}, wanted 1')
        got = digest_register(port, user, GOOD, '127.0.1.51')
        need(got == ('SHA-256', '200'), f'right password again: {got}')
    finally:
        svc.stop()
    # The MD5 registrar and this client agree too.
    need(digest_register(S['port'], user, GOOD, '127.0.1.51') == ('MD5', '200'),
         'the hand-made MD5 registration failed')


def daemon_restart(ctx):
    # Without the daemon the registrar fails closed; once it is back, the
    # workers connect again by themselves.
    S['daemon'].stop()
    got = register(ext('ext'), GOOD, '127.0.1.50', count=2)
    need(got == ['500', '500'], f'without the daemon: {got}, wanted 500', kamailio_tail())
    start_daemon(ctx)
    expect('200', ext('ext'), GOOD, '127.0.1.50', count=2)


def checks(ctx):
    return [
        ('sip.right_password_registers', right_password),
        ('sip.wrong_password_401_and_counted', wrong_password),
        ('sip.unknown_extension_like_wrong_password', unknown_extension),
        ('sip.lockout_and_unlock', lockout),
        ('sip.deny_rule_refuses_before_digest', deny_rule),
        ('sip.guessing_address_blocked', lambda: guessing_blocked(ctx)),
        ('sip.logins_type_sip_and_place', logins_type_and_place),
        ('sip.password_change_takes_effect', password_change),
        ('sip.weak_password_refused', weak_password),
        ('sip.sha256_digest', lambda: sha256(ctx)),
        ('sip.socket_refuses_unbound_user', unbound_user),
        ('sip.daemon_down_fails_closed_then_reconnects', lambda: daemon_restart(ctx)),
    ]
