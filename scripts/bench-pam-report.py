#!/usr/bin/python3
"""The tables of scripts/bench-pam.sh for bench/RESULTS.md.

  bench-pam-report.py login RUNS TX KDF_MS CORES GROWTH_BYTES GROWTH_LOGINS
  bench-pam-report.py scale
  bench-pam-report.py pg RUNS TX
  bench-pam-report.py targets

Reads the raw figures from PAMTX_DIR (the script's temporary directory),
writes Markdown fragments and JSON summaries into PAMTX_OUT, and the plot
bench/pam-concurrency.png with gnuplot.
"""
import json
import os
import re
import statistics
import subprocess
import sys

DIR = os.environ['PAMTX_DIR']
OUT = os.environ['PAMTX_OUT']
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLOT = os.path.join(TOP, 'bench', 'pam-concurrency.png')

NAMES = {
    'permit': 'pam_permit (the floor)',
    'unix': 'pam_unix alone',
    'stock': 'stock: faillock + access (20 rules) + lastlog over pam_unix',
    'crm-stacked': 'crmpolicy stacked over pam_unix',
    'crm-cheap': 'crmpolicy standalone, cheapest argon2id',
    'crm-default': 'crmpolicy standalone, default argon2id',
}
SHORT = {
    'permit': 'pam_permit', 'unix': 'pam_unix alone', 'stock': 'stock stack',
    'crm-stacked': 'crmpolicy stacked', 'crm-cheap': 'standalone, cheapest',
    'crm-default': 'standalone, default',
}
CHPW_NAMES = {
    'unix': 'pam_unix alone',
    'stock': 'pwquality + pwhistory over pam_unix',
    'crm-stacked': 'crmpolicy over pam_unix (quality, history, commit)',
}


def write(name, text):
    with open(os.path.join(OUT, name), 'w') as f:
        f.write(text)


def save(name, data):
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(data, f, indent=1, sort_keys=True)


def load(name):
    try:
        with open(os.path.join(OUT, name)) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def num(x, digits=0):
    return f'{x:,.{digits}f}'


def mega(x):
    return f'{x / 1e6:.2f} M'


def lines(name):
    with open(os.path.join(DIR, name)) as f:
        return [ln.split() for ln in f if ln.strip()]


# ---- wall clock ----

def wall(runs):
    """Medians over runs per (service, procs); failures summed."""
    rows = {}
    for run, svc, procs, tps, med, p99, ok, fail, busy in lines('wall.txt'):
        r = rows.setdefault((svc, int(procs)), {'tps': [], 'med': [],
                                                'p99': [], 'ok': 0,
                                                'fail': 0, 'busy': 0})
        r['tps'].append(float(tps))
        r['med'].append(float(med))
        r['p99'].append(float(p99))
        r['ok'] += int(ok)
        r['fail'] += int(fail)
        r['busy'] += int(busy)
    for r in rows.values():
        r['runs'] = [round(t) for t in r['tps']]
        for k in ('tps', 'med', 'p99'):
            r[k] = statistics.median(r[k])
    return rows


def wall_table(rows, order, procs):
    out = ['| stack | processes | transactions/s | vs pam_unix | median | p99'
           ' | p99 / median | transactions | failed | SQLITE_BUSY |',
           '|---|---|---|---|---|---|---|---|---|---|']
    for p in procs:
        base = rows[('unix', p)]['tps']
        for s in order:
            r = rows[(s, p)]
            out.append(
                f'| {NAMES[s]} | {p} | {num(r["tps"])} (runs '
                f'{", ".join(num(t) for t in r["runs"])}) | '
                f'{100 * r["tps"] / base:.0f} % | {r["med"]:.2f} ms | '
                f'{r["p99"]:.2f} ms | {r["p99"] / r["med"]:.1f}× | '
                f'{num(r["ok"] + r["fail"])} | {r["fail"]} | {r["busy"]} |')
    return '\n'.join(out) + '\n'


def plot(rows, order, procs):
    data = os.path.join(DIR, 'plot.dat')
    with open(data, 'w') as f:
        for s in order:
            f.write(f'# {s}\n')
            for p in procs:
                r = rows[(s, p)]
                f.write(f'{p} {r["tps"]:.1f} {r["p99"]:.2f}\n')
            f.write('\n\n')
    series = ', '.join(
        f'"{data}" index {i} using 1:{{col}} with linespoints lw 2 pt 7 '
        f'title "{SHORT[s]}"' for i, s in enumerate(order))
    script = f'''
set terminal pngcairo noenhanced size 1200,640 font "DejaVu Sans,10"
set output "{PLOT}"
set multiplot layout 1,2 title "Full PAM transactions against concurrency (medians of the runs)"
set logscale xy
set xrange [0.8:40]
set xtics ({", ".join(str(p) for p in procs)})
set xlabel "processes"
set grid
set key outside below horizontal maxcols 3 font ",9"
set ylabel "transactions/s"
plot {series.replace("{col}", "2")}
set ylabel "p99 latency (ms)"
plot {series.replace("{col}", "3")}
unset multiplot
'''
    subprocess.run(['gnuplot'], input=script, text=True, check=True)


# ---- callgrind ----

def icounts(name):
    """service -> (n=1, n=11, per transaction)."""
    out = {}
    for s, one, eleven in lines(name):
        out[s] = (int(one), int(eleven), (int(eleven) - int(one)) / 10)
    return out


def icount_table(ic, names, base='unix', floor=True):
    out = ['| stack | instructions, n=1 | n=11 | per transaction, (n=11 − n=1)/10'
           ' | layer over pam_unix |', '|---|---|---|---|---|']
    for s, (one, eleven, per) in ic.items():
        layer = '' if s in (base, 'permit') or s.startswith('crm-cheap') \
            else mega(per - ic[base][2])
        out.append(f'| {names[s]} | {num(one)} | {num(eleven)} | {mega(per)}'
                   f' | {layer} |')
    return '\n'.join(out) + '\n'


FN = re.compile(r'^\s*([\d,]+) \([^)]*\)\s+(?:\S*:)?([^\s\[]+)')
KEEP = re.compile(r'^(crm_|sqlite3_|getgrouplist|MMDB_|crypto_|fdatasync|'
                  r'pwhash|argon2)')


def functions(path):
    """function -> inclusive instructions (largest entry of a name)."""
    fns = {}
    with open(path) as f:
        for ln in f:
            m = FN.match(ln)
            if m:
                name = m.group(2).split("'")[0]
                fns[name] = max(fns.get(name, 0), int(m.group(1).replace(',', '')))
    return fns


def profile_table(top=18):
    one = functions(os.path.join(DIR, 'profile.1.txt'))
    eleven = functions(os.path.join(DIR, 'profile.11.txt'))
    per = {fn: (eleven[fn] - one.get(fn, 0)) / 10 for fn in eleven
           if KEEP.match(fn)}
    best = sorted(per.items(), key=lambda kv: -kv[1])[:top]
    out = ['| function (inclusive) | instructions per transaction |',
           '|---|---|']
    out += [f'| `{fn}` | {mega(v)} |' for fn, v in best]
    return '\n'.join(out) + '\n', [(fn, v) for fn, v in best]


def login(runs, tx, kdf_ms, cores, growth_bytes, growth_logins):
    rows = wall(int(runs))
    order = [s for s in NAMES if (s, 1) in rows]
    procs = sorted({p for _, p in rows})
    write('pam-wall.md', wall_table(rows, order, procs))
    plot(rows, order, procs)
    ic = icounts('icount.txt')
    write('pam-icount.md', icount_table(ic, NAMES))
    prof, best = profile_table()
    write('pam-profile.md', prof)
    chpw = {s: (float(tps), float(med), float(p99), int(ok), int(fail))
            for s, _, tps, med, p99, ok, fail, _ in lines('chpw.txt')}
    chic = icounts('chpw-icount.txt')
    out = ['| password stack | changes/s | median | p99 | failed |'
           ' instructions per change | layer over pam_unix |',
           '|---|---|---|---|---|---|---|']
    for s, (tps, med, p99, ok, fail) in chpw.items():
        per = chic[s][2]
        layer = '' if s == 'unix' else mega(per - chic['unix'][2])
        out.append(f'| {CHPW_NAMES[s]} | {tps:.1f} | {med:.2f} ms | '
                   f'{p99:.2f} ms | {fail} | {mega(per)} | {layer} |')
    write('pam-chpw.md', '\n'.join(out) + '\n')
    unix = ic['unix'][2]
    summary = {
        'stock_layer': ic['stock'][2] - unix,
        'crm_layer': ic['crm-stacked'][2] - unix,
        'crm_stacked_tx': ic['crm-stacked'][2],
        'crm_cheap_tx': ic['crm-cheap'][2],
        'tps8_unix': rows[('unix', 8)]['tps'],
        'tps8_crm': rows[('crm-stacked', 8)]['tps'],
        'med8_crm': rows[('crm-stacked', 8)]['med'],
        'p99_8_crm': rows[('crm-stacked', 8)]['p99'],
        'fail32': {s: rows[(s, 32)]['fail'] for s in order},
        'busy32': {s: rows[(s, 32)]['busy'] for s in order},
        'tps_default': {p: rows[('crm-default', p)]['tps'] for p in procs},
        'kdf_ms': float(kdf_ms),
        'cores': int(cores),
        'growth_bytes': int(growth_bytes),
        'growth_logins': int(growth_logins),
        'chpw_stock_layer': chic['stock'][2] - chic['unix'][2],
        'chpw_crm_layer': chic['crm-stacked'][2] - chic['unix'][2],
        'profile': best[:8],
        'runs': int(runs), 'tx': int(tx),
    }
    save('pam.json', summary)
    ratio = summary['crm_layer'] / summary['stock_layer']
    print(f'layers: stock {mega(summary["stock_layer"])}, crmpolicy stacked '
          f'{mega(summary["crm_layer"])} per transaction: {100 * ratio:.0f} % '
          f'of stock (target at most 50 %)')
    print(open(os.path.join(OUT, 'pam-wall.md')).read())


def main():
    mode = sys.argv[1]
    if mode == 'login':
        login(*sys.argv[2:9])
    elif mode == 'scale':
        scale(*sys.argv[2:3])
    elif mode == 'pg':
        pg(*sys.argv[2:4])
    elif mode == 'targets':
        targets()
    else:
        sys.exit('usage: bench-pam-report.py login|scale|pg|targets ...')


def scale(runs):
    gen_s, gen_bytes, bytes_after, accounts, rows, probe = \
        lines('scale-gen.txt')[0]
    acc, nrows = int(accounts), int(rows)
    wall_rows = {}
    for run, svc, procs, tps, med, p99, ok, fail, busy in lines('scale-wall.txt'):
        r = wall_rows.setdefault((svc, int(procs)), {'tps': [], 'med': [],
                                                     'p99': [], 'fail': 0})
        r['tps'].append(float(tps))
        r['med'].append(float(med))
        r['p99'].append(float(p99))
        r['fail'] += int(fail)
    for r in wall_rows.values():
        for k in ('tps', 'med', 'p99'):
            r[k] = statistics.median(r[k])
    ic = icounts('scale-icount.txt')
    cli = {label: (float(ms), int(n)) for label, ms, n in lines('scale-cli.txt')}
    empty, big = ic['crm-stacked'][2], ic['crm-scale'][2]
    out = [f'Store: {num(acc)} accounts, {num(nrows)} login-history rows and '
           f'{num(nrows)} chained audit rows, generated in {float(gen_s):.1f} s'
           f' ({num(int(gen_bytes) / 2**20)} MiB, '
           f'{int(gen_bytes) / nrows:.0f} bytes per history row and audit row'
           f' together).', '',
           '| crmpolicy stacked over pam_unix | empty store | large store |'
           ' large / empty |', '|---|---|---|---|',
           f'| instructions per transaction (callgrind) | {mega(empty)} | '
           f'{mega(big)} | {big / empty:.2f}× |']
    for p in sorted({p for _, p in wall_rows}):
        e, b = wall_rows[('crm-stacked', p)], wall_rows[('crm-scale', p)]
        out.append(f'| {p} process(es): transactions/s | {num(e["tps"])} | '
                   f'{num(b["tps"])} | {b["tps"] / e["tps"]:.2f}× |')
        out.append(f'| {p} process(es): median | {e["med"]:.2f} ms | '
                   f'{b["med"]:.2f} ms | {b["med"] / e["med"]:.2f}× |')
        out.append(f'| {p} process(es): p99 | {e["p99"]:.2f} ms | '
                   f'{b["p99"]:.2f} ms | {b["p99"] / e["p99"]:.2f}× |')
    out += ['', '| command on the large store | wall time | lines of output |',
            '|---|---|---|']
    label = {'logins': f'`crmpasswd logins {probe}`',
             'audit-user': f'`crmpasswd audit --user {probe}`',
             'check': '`crmpasswd check`',
             'verify': f'`crmpasswd audit verify` ({num(nrows)} rows and more)'}
    for k, (ms, n) in cli.items():
        shown = f'{ms / 1000:.1f} s' if ms >= 1000 else f'{ms:.1f} ms'
        out.append(f'| {label[k]} | {shown} | {num(n)} |')
    write('pam-scale.md', '\n'.join(out) + '\n')
    save('scale.json', {
        'accounts': acc, 'rows': nrows, 'gen_s': float(gen_s),
        'gen_bytes': int(gen_bytes), 'icount_empty': empty,
        'icount_big': big,
        'med1_empty': wall_rows[('crm-stacked', 1)]['med'],
        'med1_big': wall_rows[('crm-scale', 1)]['med'],
        'fails': sum(r['fail'] for r in wall_rows.values()),
        'cli_ms': {k: v[0] for k, v in cli.items()},
    })
    print('\n'.join(out))


# ---- PostgreSQL ----

PG = [('crm-stacked', 'SQLite'), ('crm-pg-sock', 'PostgreSQL, unix socket'),
      ('crm-pg-tcp', 'PostgreSQL, TCP loopback + TLS'),
      ('crm-pg-pool', 'PostgreSQL through PgBouncer (session), local socket')]
TRACE = re.compile(
    r'^\s*(?:(\d+)\s+)?(connect|sendto|recvfrom|close)\((\d+),\s*(.*)$')


def requests(path, port):
    """Sends to the server in an strace log, and round trips: a send whose
    answer is read before the next send (a reader's COMMIT goes out
    unawaited and is read with the next request, which makes one round
    trip of both). A socket is the server's from its connect to the
    cluster's port (the unix socket's name ends in it) to its close; the
    goodbye (X, no answer) is not counted."""
    fds, waiting = set(), set()
    sends = trips = 0
    with open(path) as f:
        for ln in f:
            m = TRACE.match(ln)
            if not m:
                continue
            pid, call, fd, rest = m.groups()
            key = (pid, fd)
            if call == 'connect':
                if f'.s.PGSQL.{port}"' in rest or f'htons({port})' in rest:
                    fds.add(key)
            elif call == 'close':
                fds.discard(key)
                waiting.discard(key)
            elif key in fds and call == 'sendto':
                if rest.startswith('"X"'):
                    continue
                sends += 1
                waiting.add(key)
            elif key in fds and key in waiting and re.search(r'= [1-9]', rest):
                trips += 1
                waiting.discard(key)
    return {'sends': sends, 'trips': trips}


def pg(runs, tx):
    rows = wall(int(runs))
    procs = sorted({p for s, p in rows if s == 'crm-pg-sock'})
    with open(os.path.join(DIR, 'pg-machine.txt')) as f:
        out = [' '.join(f.read().split()), '']
    out += ['| processes | store of crmpolicy stacked | transactions/s |'
            ' % of SQLite | median | added median | p99 | failed |',
            '|---|---|---|---|---|---|---|---|']
    summary = {'runs': int(runs), 'tx': int(tx), 'tps': {}, 'med': {},
               'p99': {}, 'fail': {}}
    for p in procs:
        base = rows[('crm-stacked', p)]
        for s, label in PG:
            r = rows[(s, p)]
            share = f'{100 * r["tps"] / base["tps"]:.0f} %'
            added = '' if s == 'crm-stacked' else \
                f'{r["med"] - base["med"]:+.2f} ms'
            out.append(f'| {p} | {label} | {num(r["tps"])} (runs '
                       f'{", ".join(num(t) for t in r["runs"])}) | {share} |'
                       f' {r["med"]:.2f} ms | {added} | {r["p99"]:.2f} ms |'
                       f' {r["fail"]} |')
            for k in ('tps', 'med', 'p99', 'fail'):
                summary[k][f'{s} {p}'] = r[k]
    ic = icounts('pg-icount.txt')
    sq, pq = ic['crm-stacked'][2], ic['crm-pg-sock'][2]
    bq = ic['crm-pg-pool'][2]
    out += ['', '| per transaction, one process | SQLite | PostgreSQL, unix'
            ' socket | PostgreSQL, TCP + TLS | PgBouncer, local socket |',
            '|---|---|---|---|---|',
            f'| instructions of the PAM process (callgrind; the server\'s'
            f' work is not counted) | {mega(sq)} | {mega(pq)} | |'
            f' {mega(bq)} |']
    port, pool_port = lines('pg-port.txt')[0][:2]
    rt = {}
    for s, _ in PG[1:]:
        p = pool_port if s == 'crm-pg-pool' else port
        one = requests(os.path.join(DIR, f'strace.{s}.1'), p)
        eleven = requests(os.path.join(DIR, f'strace.{s}.11'), p)
        rt[s] = {k: (eleven.get(k, 0) - one.get(k, 0)) / 10
                 for k in set(one) | set(eleven)}
    def trips(s):
        return rt[s].get('trips', 0)
    out.append(f'| round trips to the server (strace: a send on its socket'
               f' and its answer read) | | {trips("crm-pg-sock"):.1f} |'
               f' {trips("crm-pg-tcp"):.1f} | {trips("crm-pg-pool"):.1f} |')
    out.append(f'| … sends on its socket (pipelined requests: several'
               f' statements each; a reader\'s end unawaited) | |'
               f' {rt["crm-pg-sock"].get("sends", 0):.1f} |'
               f' {rt["crm-pg-tcp"].get("sends", 0):.1f} |'
               f' {rt["crm-pg-pool"].get("sends", 0):.1f} |')
    direct, pooled = (float(x) for x in lines('pg-rtt.txt')[0][:2])
    out.append(f'| one round trip with nothing to do (pgbench, prepared'
               f' `SELECT 1`, one client) | | {direct:.3f} ms | |'
               f' {pooled:.3f} ms |')
    out.append(f'| … times the round trips above | | '
               f'{direct * trips("crm-pg-sock"):.1f} ms | | '
               f'{pooled * trips("crm-pg-pool"):.1f} ms |')
    summary.update({'icount_sqlite': sq, 'icount_pg': pq, 'icount_pool': bq,
                    'rtt': {'direct': direct, 'pool': pooled},
                    'trips': {s: trips(s) for s in rt}, 'kinds': rt})
    write('pam-pg.md', '\n'.join(out) + '\n')
    save('pg.json', summary)
    print('\n'.join(out))


# The rows of the targets table each benchmark's summary gives; a summary
# this run did not write (BENCH_ONLY_PG=1) keeps the rows RESULTS.md has.
PG_TARGETS = ('8 processes: PostgreSQL', 'PostgreSQL (socket)',
              'PostgreSQL through')


def kept_targets():
    path = os.path.join(TOP, 'bench', 'RESULTS.md')
    try:
        with open(path) as f:
            m = re.search(r'<!-- bench:pam-targets -->\n(.*?)<!-- /bench',
                          f.read(), re.S)
    except FileNotFoundError:
        return []
    if not m:
        return []
    return [ln for ln in m.group(1).splitlines()[2:]
            if ln.startswith('| ') and not ln[2:].startswith(PG_TARGETS)]


def mark(ok):
    return '**met**' if ok else '**missed**'


def targets():
    pam, sc, pgs = load('pam.json'), load('scale.json'), load('pg.json')
    out = ['| target | measured | |', '|---|---|---|']
    if not pam and not sc:
        out += kept_targets()
    if pam:
        ratio = pam['crm_layer'] / pam['stock_layer']
        out.append(f'| crmpolicy stacked layer ≤ 50 % of the stock layer '
                   f'(instructions per transaction) | {mega(pam["crm_layer"])}'
                   f' vs {mega(pam["stock_layer"])}: {100 * ratio:.0f} % | '
                   f'{mark(ratio <= 0.5)} |')
        share = pam['tps8_crm'] / pam['tps8_unix']
        out.append(f'| 8 processes: crmpolicy stacked ≥ 90 % of pam_unix '
                   f'alone\'s transactions/s | {num(pam["tps8_crm"])} vs '
                   f'{num(pam["tps8_unix"])}: {100 * share:.0f} % | '
                   f'{mark(share >= 0.9)} |')
        spread = pam['p99_8_crm'] / pam['med8_crm']
        out.append(f'| 8 processes: crmpolicy stacked p99 ≤ 3× its median | '
                   f'{pam["p99_8_crm"]:.1f} ms / {pam["med8_crm"]:.1f} ms = '
                   f'{spread:.1f}× | {mark(spread <= 3)} |')
        crm = [s for s in pam['fail32'] if s.startswith('crm-')]
        fails = sum(pam['fail32'][s] for s in crm)
        busy = sum(pam['busy32'][s] for s in crm)
        out.append(f'| 32 processes: 0 failed transactions and 0 SQLITE_BUSY '
                   f'(crmpolicy stacks) | {fails} failed, {busy} SQLITE_BUSY |'
                   f' {mark(fails == 0 and busy == 0)} |')
        limit = pam['cores'] * 1000 / pam['kdf_ms']
        best = max(pam['tps_default'].values())
        out.append(f'| standalone, default argon2id: throughput within 5 % of '
                   f'the KDF-bound limit (cores ÷ one verification, '
                   f'{pam["cores"]} ÷ {pam["kdf_ms"]:.1f} ms = {limit:.1f}/s) '
                   f'| best {best:.1f}/s: {100 * best / limit:.0f} % | '
                   f'{mark(best >= 0.95 * limit)} |')
        per = pam['growth_bytes'] / max(pam['growth_logins'], 1)
        out.append(f'| store growth ≤ 300 bytes per recorded login | '
                   f'{num(pam["growth_bytes"])} bytes for '
                   f'{num(pam["growth_logins"])} logins: {per:.0f} bytes | '
                   f'{mark(per <= 300)} |')
    if sc:
        r = sc['icount_big'] / sc['icount_empty']
        out.append(f'| {num(sc["accounts"])} accounts and {num(sc["rows"])} '
                   f'rows: per-transaction cost ≤ 1.2× the empty store\'s | '
                   f'{r:.2f}× in instructions, '
                   f'{sc["med1_big"] / sc["med1_empty"]:.2f}× in median time '
                   f'at 1 process | {mark(r <= 1.2)} |')
        ms = sc['cli_ms']['logins']
        out.append(f'| a user\'s history listed (`crmpasswd logins USER`) in '
                   f'≤ 50 ms | {ms:.1f} ms | {mark(ms <= 50)} |')
        v = sc['cli_ms']['verify'] / 1000
        out.append(f'| `audit verify` of {num(sc["rows"])} rows in ≤ 60 s | '
                   f'{v:.1f} s | {mark(v <= 60)} |')
    if pgs:
        sq, pq = pgs['tps']['crm-stacked 8'], pgs['tps']['crm-pg-sock 8']
        out.append(f'| 8 processes: PostgreSQL (socket) stacked ≥ 80 % of '
                   f'SQLite stacked throughput | {num(pq)} vs {num(sq)}: '
                   f'{100 * pq / sq:.0f} % | {mark(pq >= 0.8 * sq)} |')
        added = pgs['med']['crm-pg-sock 1'] - pgs['med']['crm-stacked 1']
        out.append(f'| PostgreSQL (socket): ≤ 2 ms added median per '
                   f'transaction (1 process) | '
                   f'{pgs["med"]["crm-pg-sock 1"]:.2f} ms vs '
                   f'{pgs["med"]["crm-stacked 1"]:.2f} ms: {added:+.2f} ms | '
                   f'{mark(added <= 2)} |')
        if 'crm-pg-pool 8' in pgs['tps']:
            bq = pgs['tps']['crm-pg-pool 8']
            out.append(f'| 8 processes: PostgreSQL through a local PgBouncer '
                       f'≥ 80 % of SQLite stacked throughput | {num(bq)} vs '
                       f'{num(sq)}: {100 * bq / sq:.0f} % | '
                       f'{mark(bq >= 0.8 * sq)} |')
            added = pgs['med']['crm-pg-pool 1'] - pgs['med']['crm-stacked 1']
            out.append(f'| PostgreSQL through a local PgBouncer: ≤ 2 ms added '
                       f'median per transaction (1 process) | '
                       f'{pgs["med"]["crm-pg-pool 1"]:.2f} ms vs '
                       f'{pgs["med"]["crm-stacked 1"]:.2f} ms: '
                       f'{added:+.2f} ms | {mark(added <= 2)} |')
    write('pam-targets.md', '\n'.join(out) + '\n')
    print('\n'.join(out))


if __name__ == '__main__':
    main()
