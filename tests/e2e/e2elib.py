"""Shared parts of the end-to-end suite: named checks and their closing
"N passed, M failed" line, the record of every change made to the host
(files under /etc, users, crontabs, services) so that all of it is undone
at the end, the mail server the suite reads back, and helpers that drive
real programs on a pseudo-terminal."""

import email
import email.policy
import glob
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import traceback

import pexpect

CRMPASSWD = '/usr/bin/crmpasswd'
# Messages in English whatever the host's locale.
ENV = dict(os.environ, LC_ALL='C.UTF-8', LANG='C.UTF-8', LANGUAGE='')


class Fail(Exception):
    """A check's expectation that did not hold; the message says which."""


def need(cond, what, detail=None):
    if not cond:
        raise Fail(what if detail is None else f'{what}\n{detail}')


def run(argv, input=None, check=False, timeout=120, env=None, **kw):
    """Runs argv, text in and out; with check, a non-zero exit is a Fail."""
    r = subprocess.run(argv, input=input, capture_output=True, text=True,
                       timeout=timeout, env=env or ENV, **kw)
    if check and r.returncode != 0:
        raise Fail(f'{" ".join(argv)}: exit {r.returncode}\n{r.stdout}{r.stderr}')
    return r


def crm(*args, input=None, check=True):
    """The installed crmpasswd as root."""
    return run([CRMPASSWD, *args], input=input, check=check)


def crm_json(*args):
    return json.loads(crm(*args, '--json').stdout)


def status(user):
    return crm_json('status', user)


def audit_mark():
    """The newest audit row's id: rows after it are what a step wrote."""
    rows = crm_json('audit')
    return max((r['id'] for r in rows), default=0)


def audit_since(mark, **match):
    return [r for r in crm_json('audit') if r['id'] > mark and
            all(r.get(k) == v for k, v in match.items())]


def logins(user):
    """The login history of USER, newest first."""
    rows = crm_json('logins', user)
    return sorted(rows, key=lambda r: r['last_time'], reverse=True)


def faketime(spec):
    """The argv prefix that runs a command with libfaketime preloaded and its
    clock at SPEC (libfaketime's FAKETIME: "+960", "@2026-03-01 12:00:00").
    Not the faketime wrapper: it keeps a semaphore and a shared memory
    object named by its own pid in /dev/shm, leaves them behind when it is
    killed (as a stopped service is), and refuses to start when a stale
    pair carries the pid it was given."""
    libs = sorted(glob.glob('/usr/lib/*/faketime/libfaketime.so.1'))
    need(libs, 'libfaketime.so.1 is missing (Debian package faketime)')
    preload = ':'.join([libs[0]] + ([os.environ['LD_PRELOAD']] if os.environ.get('LD_PRELOAD') else []))
    return ['env', f'LD_PRELOAD={preload}', f'FAKETIME={spec}']


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_port(port, timeout=15, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise Fail(f'exited with {proc.returncode} before listening')
        try:
            socket.create_connection(('127.0.0.1', port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise Fail(f'nothing listens on 127.0.0.1:{port} after {timeout} s')


def wait_for(what, fn, timeout=15, step=0.2):
    """fn's first true value within timeout seconds."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > end:
            raise Fail(f'{what}: not within {timeout} s')
        time.sleep(step)


class Suite:
    """Named checks, each passing or failing on its own."""

    def __init__(self):
        self.passed = 0
        self.failed = []
        self.started = time.monotonic()

    def _fail(self, name, why):
        self.failed.append(name)
        print(f'not ok - {name}')
        for line in str(why).rstrip().splitlines()[-40:]:
            print(f'#   {line}')

    def check(self, name, fn, *args):
        t0 = time.monotonic()
        try:
            fn(*args)
        except Fail as e:
            self._fail(name, e)
        except (Exception, pexpect.ExceptionPexpect) as e:
            self._fail(name, ''.join(traceback.format_exception(e)[-6:]))
        else:
            self.passed += 1
            print(f'ok - {name} ({time.monotonic() - t0:.1f} s)')
        sys.stdout.flush()

    def area(self, title, setup, checks):
        """Runs setup, then each (name, fn) of checks; if setup fails, every
        check of the area fails with its reason."""
        print(f'# == {title}')
        try:
            if setup is not None:
                setup()
        except (Exception, pexpect.ExceptionPexpect) as e:
            why = e if isinstance(e, Fail) else ''.join(
                traceback.format_exception(e)[-6:])
            for name, _ in checks:
                self._fail(name, f'set-up of {title} failed: {why}')
            return
        for name, fn in checks:
            self.check(name, fn)

    def summary(self):
        print(f'# {time.monotonic() - self.started:.0f} s')
        if self.failed:
            print('failed: ' + ' '.join(self.failed))
        print(f'{self.passed} passed, {len(self.failed)} failed')
        return not self.failed


class Service:
    """A program the suite started, in its own process group."""

    def __init__(self, label, argv, log, env=None):
        self.label = label
        self.log = log
        with open(log, 'ab') as out:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=out, stderr=subprocess.STDOUT,
                                         env=env or ENV, start_new_session=True)
        self.pgid = self.proc.pid

    def stop(self):
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.pgid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                continue
            # The leader is gone; the rest of its group must follow.
            end = time.monotonic() + grace
            while group_alive(self.pgid) and time.monotonic() < end:
                time.sleep(0.1)
            if not group_alive(self.pgid):
                break
        if self.proc.poll() is None:
            self.proc.wait(5)

    def tail(self, n=30):
        try:
            with open(self.log, errors='replace') as f:
                return ''.join(f.readlines()[-n:])
        except OSError:
            return ''


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


class Host:
    """Every change the suite makes outside its temporary directory, undone
    in reverse order by cleanup(), also after a failure or an interrupt."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.undo = []
        self.services = []

    def on_cleanup(self, label, fn):
        self.undo.append((label, fn))

    def write_file(self, path, text, mode=0o644):
        """Writes PATH; cleanup puts back what was there, or removes it."""
        if os.path.lexists(path):
            saved = os.path.join(self.tmp, 'saved', path.strip('/').replace('/', '%'))
            os.makedirs(os.path.dirname(saved), exist_ok=True)
            shutil.copy2(path, saved)
            self.on_cleanup(f'restore {path}', lambda: shutil.copy2(saved, path))
        else:
            self.on_cleanup(f'remove {path}', lambda: os.path.lexists(path) and os.unlink(path))
        new = f'{path}.crm-e2e'
        with open(new, 'w') as f:
            f.write(text)
        os.chmod(new, mode)
        os.replace(new, path)

    def add_group(self, name):
        run(['groupadd', name], check=True)
        self.on_cleanup(f'groupdel {name}', lambda: run(['groupdel', name]))

    def add_user(self, name, password=None, groups=(), shell='/bin/bash'):
        """A system account with a home; PASSWORD goes to /etc/shadow."""
        argv = ['useradd', '-m', '-s', shell]
        if groups:
            argv += ['-G', ','.join(groups)]
        run(argv + [name], check=True)
        self.on_cleanup(f'userdel {name}', lambda: remove_user(name))
        if password is not None:
            run(['chpasswd'], input=f'{name}:{password}\n', check=True)

    def start(self, label, argv, env=None):
        svc = Service(label, argv, os.path.join(self.tmp, f'{label}.log'), env)
        self.services.append(svc)
        self.on_cleanup(f'stop {label}', svc.stop)
        return svc

    def cleanup(self):
        """Undoes everything; returns the steps that failed."""
        errors = []
        while self.undo:
            label, fn = self.undo.pop()
            try:
                fn()
            except Exception as e:  # every step is tried whatever happens
                errors.append(f'{label}: {e}')
        return errors


def remove_user(name):
    # The user's processes first: userdel refuses while any runs.
    run(['pkill', '-KILL', '-u', name])
    r = run(['userdel', '-r', '-f', name])
    if r.returncode not in (0, 6, 12):  # 6: no such user; 12: no home
        raise Fail(f'userdel {name}: {r.stderr.strip()}')
    if os.path.exists(CRMPASSWD):  # its store row, if it has one
        crm('user', 'del', name, check=False)


class Mail:
    """The SMTP server on 127.0.0.1 (aiosmtpd, Maildir handler) and what it
    received."""

    def __init__(self, host):
        self.port = free_port()
        self.dir = os.path.join(host.tmp, 'maildir')  # aiosmtpd creates it
        self.svc = host.start('aiosmtpd', [
            '/usr/bin/python3', '-m', 'aiosmtpd', '-n',
            '-l', f'127.0.0.1:{self.port}',
            '-c', 'aiosmtpd.handlers.Mailbox', self.dir])
        try:
            wait_port(self.port, proc=self.svc.proc)
        except Fail as e:
            raise Fail(f'aiosmtpd: {e}\n{self.svc.tail()}')

    def _files(self):
        out = []
        for sub in ('new', 'cur'):
            d = os.path.join(self.dir, sub)
            if os.path.isdir(d):
                out += [os.path.join(d, f) for f in os.listdir(d)]
        return sorted(out, key=os.path.getmtime)

    def mark(self):
        return set(self._files())

    def wait(self, what, pred, mark, timeout=20):
        """The first message after MARK for which pred(msg, body) holds."""
        def find():
            for path in self._files():
                if path in mark:
                    continue
                with open(path, 'rb') as f:
                    msg = email.message_from_binary_file(f, policy=email.policy.default)
                body = msg.get_body(('plain',))
                text = body.get_content() if body is not None else ''
                if pred(msg, text):
                    return msg, text
            return None
        return wait_for(f'a mail with {what}', find, timeout)


def email_code(text):
    """The code of a code mail: the line of four spaces and digits."""
    m = re.search(r'^    (\d{6,10})$', text, re.M)
    return m.group(1) if m else None


class Pty:
    """A program on a pseudo-terminal, answering its prompts."""

    def __init__(self, argv, timeout=30):
        self.out = io.StringIO()
        self.child = pexpect.spawn(argv[0], argv[1:], env=ENV, timeout=timeout,
                                   encoding='utf-8', codec_errors='replace',
                                   dimensions=(40, 200))
        self.child.logfile_read = self.out

    def converse(self, script):
        """script: (regex, answer) pairs. Whenever a regex appears its next
        answer is sent (answers: a string, or a function called for it when
        the prompt comes, or a list of them used in turn); a regex
        whose answers are used up ends the talk (the program is closed).
        Returns (exit status, transcript); -signal if killed."""
        pats = [re.compile(p) for p, _ in script]
        left = [list(a) if isinstance(a, list) else [a] for _, a in script]
        while True:
            i = self.child.expect(pats + [pexpect.EOF, pexpect.TIMEOUT])
            if i == len(pats):
                break
            if i == len(pats) + 1:
                self.child.close(force=True)
                raise Fail(f'no answer within {self.child.timeout} s; '
                           f'transcript:\n{self.text()}')
            if not left[i]:
                self.child.close(force=True)
                break
            answer = left[i].pop(0)
            self.child.sendline(answer() if callable(answer) else answer)
        return self.close()

    def close(self):
        if self.child.isalive():
            self.child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=10)
        self.child.close(force=True)
        code = self.child.exitstatus
        if code is None:
            code = -(self.child.signalstatus or 0)
        return code, self.text()

    def text(self):
        return self.out.getvalue().replace('\r', '')


def talk(argv, script, timeout=30):
    return Pty(argv, timeout).converse(script)
