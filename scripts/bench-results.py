#!/usr/bin/python3
"""Puts the benchmarks' tables into bench/RESULTS.md.

  bench-results.py RESULTS.md DIR

Every block between "<!-- bench:NAME -->" and "<!-- /bench:NAME -->" is
replaced by DIR/NAME.md when a benchmark wrote it in this run; the prose
around the blocks, and a block whose benchmark did not run, stay as they
are.
"""
import os
import re
import sys

BLOCK = re.compile(r'(<!-- bench:([\w.-]+) -->\n)(.*?)(<!-- /bench:\2 -->)',
                   re.S)


def main():
    path, frags = sys.argv[1], sys.argv[2]
    with open(path) as f:
        text = f.read()
    done = []

    def fill(m):
        frag = os.path.join(frags, m.group(2) + '.md')
        if not os.path.exists(frag):
            return m.group(0)
        done.append(m.group(2))
        with open(frag) as f:
            return m.group(1) + f.read() + m.group(4)

    text = BLOCK.sub(fill, text)
    with open(path, 'w') as f:
        f.write(text)
    print(f'{path}: {len(done)} tables regenerated'
          f'{": " + ", ".join(done) if done else ""}')


if __name__ == '__main__':
    main()
