#!/usr/bin/python3
"""A registrar's side of crmpolicy_registrar's socket, for the tests.

  registrar-client.py SOCKET LINE...   one connection; each LINE is sent
                                       and its reply printed; in a LINE,
                                       $T is the token of the last ALLOW
  registrar-client.py SOCKET --race N USER ADDRESS REALM
                                       N connections at once, each a CHECK
                                       of USER and a wrong RESULT; prints
                                       how many got ALLOW and how DENY"""
import socket
import sys
import threading


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s, s.makefile('rw', encoding='ascii', newline='\n')


def ask(f, line):
    f.write(line + '\n')
    f.flush()
    return f.readline().rstrip('\n')


def session(path, lines):
    s, f = connect(path)
    token = ''
    for line in lines:
        reply = ask(f, line.replace('$T', token))
        print(reply)
        if reply.startswith('ALLOW '):
            token = reply.split()[1]
    s.close()


def race(path, n, user, address, realm):
    start = threading.Barrier(n)
    replies = []
    lock = threading.Lock()

    def one():
        s, f = connect(path)
        start.wait()
        r = ask(f, f'CHECK sip {user} {address} {realm} MD5')
        if r.startswith('ALLOW '):
            ask(f, f'RESULT {r.split()[1]} wrong')
        with lock:
            replies.append(r.split()[0] + (' ' + r.split()[1] if r.startswith('DENY') else ''))
        s.close()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for word in sorted(set(replies)):
        print(word, replies.count(word))


if __name__ == '__main__':
    if len(sys.argv) > 2 and sys.argv[2] == '--race':
        race(sys.argv[1], int(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        session(sys.argv[1], sys.argv[2:])
