"""Apache httpd with mod_authnz_pam (HTTP Basic) on a loopback port, its
own configuration in the temporary directory, workers running as
www-data: PAM service crm-web (standalone stack, store accounts) reached
through crmpolicy_helper, which helper_services allows for www-data;
crm-other is not allowed. curl logs in from chosen source addresses."""

import os

import e2elib as L
from e2elib import need

TITLE = 'Apache mod_authnz_pam as www-data (service crm-web, through the helper)'
FIRST = 'Init1al!Pw-e2e'
GOOD = 'Blue!Harbour7'
WRONG = 'Wrong!Guess42'
MODULES = ['mpm_prefork', 'dir', 'authn_core', 'authz_core', 'authz_user', 'auth_basic',
           'authnz_pam']
S = {}

HTTPD_CONF = """# Apache for the crmpolicy end-to-end suite: nothing of /etc/apache2
ServerRoot {d}
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile {d}/httpd.pid
DefaultRuntimeDir {d}/run
ErrorLog {d}/error.log
LogLevel info
User www-data
Group www-data
StartServers 2
MaxRequestWorkers 4
{modules}
DocumentRoot {d}/htdocs
DirectoryIndex index.html
<Directory {d}/htdocs>
    Require all granted
</Directory>
<Location /private>
    AuthType Basic
    AuthName "crmpolicy e2e"
    AuthBasicProvider PAM
    AuthPAMService crm-web
    Require valid-user
</Location>
<Location /other>
    AuthType Basic
    AuthName "crmpolicy e2e other"
    AuthBasicProvider PAM
    AuthPAMService crm-other
    Require valid-user
</Location>
"""

STACK = """# {service}: Apache mod_authnz_pam in the crmpolicy end-to-end suite
# (standalone: the store owns the web users' passwords)
auth     required  pam_crmpolicy.so
account  required  pam_crmpolicy.so
"""


def setup(ctx):
    S['dir'] = d = os.path.join(ctx.tmp, 'httpd')
    for sub in ('run', 'htdocs/private', 'htdocs/other'):
        os.makedirs(os.path.join(d, sub))
    for sub in ('private', 'other'):
        with open(os.path.join(d, 'htdocs', sub, 'index.html'), 'w') as f:
            f.write(f'{sub}\n')
    S['port'] = port = L.free_port()
    modules = '\n'.join(f'LoadModule {m}_module /usr/lib/apache2/modules/mod_{m}.so'
                        for m in MODULES)
    with open(os.path.join(d, 'httpd.conf'), 'w') as f:
        f.write(HTTPD_CONF.format(d=d, port=port, modules=modules))
    L.run(['chmod', '-R', 'a+rX', d], check=True)
    # A service reached through the helper takes no module arguments: its
    # settings, mfa_append among them, come from crmpolicy.conf (run.py).
    for service in ('crm-web', 'crm-other'):
        ctx.host.write_file(f'/etc/pam.d/{service}', STACK.format(service=service))
    for user in ('web', 'weblock', 'webtotp'):
        ctx.store_user(f'crme2e_{user}', FIRST, settle=GOOD)
    S['secret'] = ctx.enrol_totp('crme2e_webtotp')
    L.crm('user', 'set', 'crme2e_webtotp', '--mfa', 'totp')
    argv = ['/usr/sbin/apache2', '-f', f'{d}/httpd.conf', '-DFOREGROUND']
    L.run(argv[:3] + ['-t'], check=True)
    svc = ctx.host.start('apache2', argv)
    try:
        L.wait_port(port, proc=svc.proc)
    except L.Fail as e:
        raise L.Fail(f'apache2: {e}\n{svc.tail()}')
    ps = L.run(['ps', '-o', 'user=', '--ppid', str(svc.proc.pid)]).stdout.split()
    need(ps and set(ps) == {'www-data'}, f'the workers run as {set(ps)}, not www-data')


def get(user, pw, src='127.0.1.5', path='/private/'):
    """The HTTP status of one Basic-auth request from SRC."""
    r = L.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '20',
               '--interface', src, '-u', f'{user}:{pw}',
               f'http://127.0.0.1:{S["port"]}{path}'], check=True)
    return r.stdout.strip()


def expect(code, user, pw, src='127.0.1.5', path='/private/'):
    got = get(user, pw, src, path)
    need(got == code, f'{user} from {src} at {path}: HTTP {got}, wanted {code}', tail())


def tail():
    """The end of Apache's error log, to explain a wrong status."""
    try:
        with open(os.path.join(S['dir'], 'error.log'), errors='replace') as f:
            return ''.join(f.readlines()[-5:])
    except OSError:
        return ''


def rows(user, service='crm-web', rhost='127.0.1.5'):
    return [r for r in L.logins(user) if r['service'] == service and r['rhost'] == rhost
            and r['success']]


def success():
    expect('200', 'crme2e_web', GOOD)
    need(rows('crme2e_web'), 'the login is not in the history')


def merged():
    expect('200', 'crme2e_web', GOOD)
    before = rows('crme2e_web')
    need(len(before) == 1, f'{len(before)} history rows before the repeats')
    for _ in range(3):
        expect('200', 'crme2e_web', GOOD)
    after = rows('crme2e_web')
    need(len(after) == 1, f'{len(after)} history rows for repeated requests, wanted one', after)
    need(after[0]['count'] == before[0]['count'] + 3,
         f'count {before[0]["count"]} -> {after[0]["count"]}, wanted +3')


def wrong_password():
    expect('200', 'crme2e_web', GOOD)
    expect('401', 'crme2e_web', WRONG)
    need(L.status('crme2e_web')['failures'] == 1, 'the failure was not counted')
    expect('200', 'crme2e_web', GOOD)


def lockout():
    user = 'crme2e_weblock'
    for _ in range(3):
        expect('401', user, WRONG, '127.0.4.5')
    expect('401', user, GOOD, '127.0.4.5')
    need(L.status(user)['locked'], 'not locked after 3 failures')
    L.crm('user', 'unlock', user)
    expect('200', user, GOOD, '127.0.4.5')


def deny_rule():
    mark = L.audit_mark()
    L.crm('rule', 'add', 'e2e-web-japan', '--network', '127.0.2.0/24', '--action', 'deny',
          '--scope', 'user:crme2e_web', '--service', 'crm-web')
    try:
        expect('401', 'crme2e_web', GOOD, '127.0.2.5')
        need(L.audit_since(mark, event='ip.denied', user='crme2e_web'), 'no ip.denied audit row')
        expect('200', 'crme2e_web', GOOD, '127.0.1.5')
    finally:
        L.crm('rule', 'del', 'e2e-web-japan')
    expect('200', 'crme2e_web', GOOD, '127.0.2.5')


def totp_append(ctx):
    user = 'crme2e_webtotp'
    expect('401', user, GOOD)
    expect('200', user, GOOD + ctx.totp_code(S['secret']))


def other_service():
    mark = L.audit_mark()
    expect('200', 'crme2e_web', GOOD)
    expect('401', 'crme2e_web', GOOD, path='/other/')
    rows_ = [r for r in L.audit_since(mark) if 'crm-other' in f'{r.get("service")} {r.get("details")}']
    need(rows_, 'no audit row for the refused service crm-other')
    need(all(r['event'] != 'login.success' for r in rows_), 'crm-other logged in', rows_)


def checks(ctx):
    return [
        ('web.basic_auth_success', success),
        ('web.repeated_requests_one_history_row', merged),
        ('web.wrong_password_401_and_counted', wrong_password),
        ('web.lockout_and_unlock', lockout),
        ('web.deny_rule', deny_rule),
        ('web.totp_appended_to_password', lambda: totp_append(ctx)),
        ('web.service_not_in_helper_services_refused', other_service),
    ]
