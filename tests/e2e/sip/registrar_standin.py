#!/usr/bin/python3
"""A stand-in for crmpolicy_registrar, for trying the Kamailio side by hand
where the real daemon is not built: it speaks the same socket protocol
(CHECK, RESULT, PING) with a toy policy kept in memory. Nothing shipped and
no test uses it.

  registrar_standin.py --socket PATH --users FILE [--helper-services LIST]

FILE: one extension a line, "user realm password"; a line "deny NETWORK"
refuses that network. Three wrong digests lock a user, ten from one
address block it; unknown users get a decoy HA1."""

import argparse
import hashlib
import ipaddress
import os
import pwd
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

FIELD_MAX = 255
LOCK = threading.Lock()
STATE = {'next': 1, 'tokens': {}, 'fails': {}, 'locked': set(), 'ip_fails': {}}


def field(s):
    return 1 <= len(s) <= FIELD_MAX and all(0x21 <= ord(c) <= 0x7e for c in s)


def ha1(alg, user, realm, password):
    h = hashlib.md5 if alg == 'MD5' else hashlib.sha256
    return h(f'{user}:{realm}:{password}'.encode()).hexdigest()


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        creds = self.request.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                        struct.calcsize('3i'))
        uid = struct.unpack('3i', creds)[1]
        try:
            peer = pwd.getpwuid(uid).pw_name
        except KeyError:
            peer = str(uid)
        mine = []
        try:
            for raw in self.rfile:
                line = raw.decode('ascii', 'replace').rstrip('\n')
                reply = self.answer(line.split(' '), peer, mine)
                self.wfile.write((reply + '\n').encode())
        finally:
            with LOCK:  # attempts of a closed connection count nothing
                for t in mine:
                    STATE['tokens'].pop(t, None)

    def answer(self, f, peer, mine):
        srv = self.server
        if f == ['PING']:
            return 'PONG'
        if f[0] == 'CHECK':
            if len(f) != 6 or not all(field(x) for x in f[1:]) or f[5] not in ('MD5', 'SHA-256'):
                return 'DENY invalid'
            _, service, user, addr, realm, alg = f
            if (service, peer) not in srv.bound:
                return 'DENY unbound'
            with LOCK:
                now = time.monotonic()
                if len([t for t in STATE['ip_fails'].get(addr, []) if now - t < 900]) >= 10:
                    return 'DENY throttled'
                try:
                    ip = ipaddress.ip_address(addr)
                    if any(ip in n for n in srv.deny):
                        return 'DENY denied'
                except ValueError:
                    return 'DENY invalid'
                if user in STATE['locked']:
                    return 'DENY locked'
                entry = srv.users.get(user)
                if entry is not None and entry[0] != realm:
                    return 'DENY nosip'
                pw = entry[1] if entry else os.urandom(16).hex()
                token = STATE['next']
                STATE['next'] += 1
                STATE['tokens'][token] = (user, addr, now)
                mine.append(token)
            return f'ALLOW {token} {ha1(alg, user, realm, pw)}'
        if f[0] == 'RESULT':
            if len(f) != 3 or not f[1].isdigit() or f[2] not in ('ok', 'wrong', 'none'):
                return 'ERROR malformed'
            with LOCK:
                t = STATE['tokens'].pop(int(f[1]), None)
                if t is None or time.monotonic() - t[2] > 30:
                    return 'ERROR unknown-token'
                user, addr, _ = t
                if f[2] == 'wrong':
                    STATE['fails'][user] = STATE['fails'].get(user, 0) + 1
                    if STATE['fails'][user] >= 3:
                        STATE['locked'].add(user)
                    STATE['ip_fails'].setdefault(addr, []).append(time.monotonic())
                elif f[2] == 'ok':
                    STATE['fails'][user] = 0
            return 'DONE'
        return 'ERROR malformed'


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def stop(signum, frame):
    raise KeyboardInterrupt


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--socket', required=True)
    ap.add_argument('--users', required=True)
    ap.add_argument('--helper-services', default='sip:kamailio')
    args = ap.parse_args()
    users, deny = {}, []
    with open(args.users) as fh:
        for ln in fh:
            w = ln.split()
            if len(w) == 2 and w[0] == 'deny':
                deny.append(ipaddress.ip_network(w[1]))
            elif len(w) == 3:
                users[w[0]] = (w[1], w[2])
    if os.path.exists(args.socket):
        os.unlink(args.socket)
    srv = Server(args.socket, Handler)
    os.chmod(args.socket, 0o666)
    srv.users, srv.deny = users, deny
    srv.bound = {tuple(p.strip().split(':', 1)) for p in args.helper_services.split(',')}
    signal.signal(signal.SIGTERM, stop)
    print(f'stand-in registrar on {args.socket}: {len(users)} users', file=sys.stderr)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        os.unlink(args.socket)


if __name__ == '__main__':
    main()
