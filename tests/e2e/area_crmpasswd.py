"""A user changes their own password with the installed setuid crmpasswd
and the shipped /etc/pam.d/crmpasswd, run as that user on a terminal:
for a store account (crmpasswd user add) and for an /etc/shadow account;
the right current password, a wrong one (counted toward lockout) and a
weak new password (refused with its reason)."""

import e2elib as L
from e2elib import need

TITLE = 'crmpasswd: a user changes their own password'
FIRST = 'Init1al!Pw-e2e'
NEXT = 'Quiet#River42'
WRONG = 'Wrong!Guess42'
WEAK = 'quiet#river42'  # no upper-case letter
# Any password prompt but a new-password one asks for the current password.
CURRENT = r'(?<![Nn]ew )[Pp]assword: '
NEW = r'(?i)new password: '
KINDS = {'store': 'a store account', 'shadow': 'an /etc/shadow account'}


def user(kind, case):
    return f'crme2e_{kind}_{case}'


def setup(ctx):
    for kind in KINDS:
        for case in ('right', 'wrong', 'weak'):
            name = user(kind, case)
            if kind == 'store':
                ctx.store_user(name, FIRST, system=True)
            else:
                ctx.host.add_user(name, password=FIRST)


def own_change(name, current, new):
    """crmpasswd as NAME on a terminal; returns (exit, transcript)."""
    return L.talk(['runuser', '-u', name, '--', L.CRMPASSWD],
                  [(CURRENT, current), (NEW, [new, new])])


def shadow_hash(name):
    with open('/etc/shadow') as f:
        return next(ln.split(':')[1] for ln in f if ln.startswith(name + ':'))


def right(kind):
    name = user(kind, 'right')
    before = shadow_hash(name)
    rc, out = own_change(name, FIRST, NEXT)
    need(rc == 0 and 'Password changed.' in out, f'exit {rc}', out)
    if kind == 'shadow':
        need(shadow_hash(name) != before, 'the /etc/shadow hash did not change')
    else:
        need(not L.status(name)['must_change'], 'must_change is still set')


def wrong(kind):
    name = user(kind, 'wrong')
    rc, out = own_change(name, WRONG, NEXT)
    need(rc != 0 and 'Password changed.' not in out, f'a wrong current password passed (exit {rc})',
         out)
    st = L.status(name)
    need(st['failures'] == 1, f'failures = {st["failures"]}, wanted 1')


def weak(kind):
    name = user(kind, 'weak')
    rc, out = own_change(name, FIRST, WEAK)
    need(rc != 0 and 'Password changed.' not in out, f'a weak password passed (exit {rc})', out)
    need('must contain an upper-case letter' in out, 'the reason is not shown', out)


def checks(ctx):
    out = []
    for kind in KINDS:
        out += [(f'crmpasswd.{kind}_account_right_current_password', lambda k=kind: right(k)),
                (f'crmpasswd.{kind}_account_wrong_current_counted', lambda k=kind: wrong(k)),
                (f'crmpasswd.{kind}_account_weak_new_refused_with_reason', lambda k=kind: weak(k))]
    return out
