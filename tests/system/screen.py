# SPDX-License-Identifier: GPL-2.0
"""What Kestrel's screen console should show, computed from the serial log, and checks of it.

The screen gets the same lines as the serial port from the banner on, so replaying the serial
log through the same rules as hv/screen.c (a full line wraps only when more comes, the last
line scrolls, '\\t' to the next multiple of 8, anything unprintable as '?') gives the expected
grid. VGA text memory is compared cell by cell; a screendump is compared pixel by pixel with
the grid drawn in the glyphs the build uses (tools/psffont.py reads the same font file).
"""
import os
import re
import struct
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools"))
import psffont  # noqa: E402

TEXT_ATTR = 0x07  # hv/screen.h SCREEN_TEXT_ATTR: light grey on black
FG = bytes((0xaa, 0xaa, 0xaa))  # SCREEN_FG_RGB
BG = bytes((0, 0, 0))  # SCREEN_BG_RGB
BANNER_RE = re.compile(r"\nKestrel \S+ hypervisor\n")


class Mismatch(Exception):
    pass


def grid(log, cols, rows):
    """The rows of text the screen shows after the log (from the banner on), each cols wide."""
    m = BANNER_RE.search(log)
    if not m:
        raise Mismatch("no 'Kestrel ... hypervisor' banner in the serial log")
    cells = [[" "] * cols for _ in range(rows)]
    x = y = 0

    def newline():
        nonlocal x, y
        x = 0
        if y + 1 < rows:
            y += 1
        else:
            del cells[0]
            cells.append([" "] * cols)

    for c in log[m.start():]:
        if c == "\n":
            newline()
            continue
        if x == cols:
            newline()
        if c == "\t":
            while True:
                cells[y][x] = " "
                x += 1
                if x % 8 == 0 or x == cols:
                    break
            continue
        cells[y][x] = c if psffont.FIRST <= ord(c) <= psffont.LAST else "?"
        x += 1
    return ["".join(r) for r in cells]


def check_vga_text(data, expected):
    """data: the 80x25 VGA text buffer; expected: grid(log, 80, 25)."""
    cols = len(expected[0])
    if len(data) < 2 * cols * len(expected):
        raise Mismatch(f"VGA text memory: {len(data)} bytes")
    for y, row in enumerate(expected):
        cells = data[y * 2 * cols:(y + 1) * 2 * cols]
        got = cells[0::2].decode("latin-1")
        if got != row or any(a != TEXT_ATTR for a in cells[1::2]):
            raise Mismatch(f"screen row {y} is {got.rstrip()!r} (attributes "
                           f"{sorted(set(cells[1::2]))}), expected {row.rstrip()!r}")


def read_ppm(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, w, h, maxval, pixels = data.split(maxsplit=4)
    if magic != b"P6" or maxval != b"255":
        raise Mismatch(f"{path}: not an 8-bit P6 PPM")
    w, h = int(w), int(h)
    return w, h, pixels[:w * h * 3]


def write_png(path, w, h, rgb):
    """A plain RGB PNG (PNG spec: IHDR, one zlib IDAT with filter 0 per row, IEND)."""
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    raw = b"".join(b"\0" + rgb[y * w * 3:(y + 1) * w * 3] for y in range(h))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def render(expected, w, h):
    """The grid drawn as 24-bit RGB pixels, w x h, as hv/screen.c draws it."""
    glyphs = psffont.load()
    bits = {b: b"".join(FG if b & (0x80 >> i) else BG for i in range(psffont.WIDTH))
            for b in range(256)}
    margin = BG * (w - len(expected[0]) * psffont.WIDTH)
    out = []
    for row in expected:
        for r in range(psffont.HEIGHT):
            out.append(b"".join(bits[glyphs[ord(c)][r]] for c in row) + margin)
    out.append(BG * w * (h - len(expected) * psffont.HEIGHT))
    return b"".join(out)


def check_pixels(ppm, log, png=None):
    """Compares a screendump with the log's grid drawn in the font; png: where to save it."""
    w, h, got = read_ppm(ppm)
    if png:
        write_png(png, w, h, got)
    expected = grid(log, w // psffont.WIDTH, h // psffont.HEIGHT)
    want = render(expected, w, h)
    if got == want:
        return expected
    first = next(i for i in range(min(len(got), len(want))) if got[i] != want[i]) \
        if len(got) == len(want) else 0
    py = first // 3 // w
    row = min(py // psffont.HEIGHT, len(expected) - 1)
    if png:
        write_png(png[:-4] + "-expected.png", w, h, want)
    raise Mismatch(f"the {w}x{h} screendump differs from the expected rendering first at pixel "
                   f"({first // 3 % w}, {py}), in text row {row}: {expected[row].rstrip()!r}")
