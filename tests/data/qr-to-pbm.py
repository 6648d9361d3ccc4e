#!/usr/bin/env python3
"""Turns a QR code drawn by crmpasswd without colour (Unicode half blocks,
a block for each light module, two module rows a line) into a PBM image
that zbarimg can read: each module becomes an 8 x 8 square."""
import sys

BLOCKS = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1), " ": (0, 0)}
SCALE = 8

rows = []
for line in sys.stdin:
    line = line.rstrip("\n")
    if not any(c in line for c in "\u2588\u2580\u2584"):
        continue
    top = [BLOCKS.get(c, (0, 0))[0] for c in line]
    bottom = [BLOCKS.get(c, (0, 0))[1] for c in line]
    rows += [top, bottom]
if not rows:
    sys.exit("no QR code in the input")
width = max(len(r) for r in rows)
out = ["P1", "%d %d" % (width * SCALE, len(rows) * SCALE)]
for r in rows:
    r = r + [1] * (width - len(r))
    # PBM: 1 is black; a light module (a block) is white.
    text = "".join(("0" if light else "1") * SCALE for light in r)
    out += [text] * SCALE
sys.stdout.write("\n".join(out) + "\n")
