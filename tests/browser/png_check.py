"""Checks a screenshot is a real picture: a PNG of the expected width whose
pixels are not nearly all one colour. No PIL needed: decodes 8-bit RGB(A)."""
import struct
import sys
import zlib
from collections import Counter


def pixels(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    step = 3 if colour == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * step, [], bytearray(width * step)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - step] if i >= step else 0
            b, c = prev[i], prev[i - step] if i >= step else 0
            predictor = [0, a, b, (a + b) // 2,
                         a if abs(b - c) <= abs(a - c) and abs(b - c) <= abs(a + b - 2 * c)
                         else (b if abs(a - c) <= abs(a + b - 2 * c) else c)][kind]
            line[i] = (line[i] + predictor) & 0xFF
        rows.append(line)
        prev = line
    return width, height, [bytes(row[x:x + 3]) for row in rows for x in range(0, stride, step)]


def main():
    path, expected_width = sys.argv[1], int(sys.argv[2])
    data = open(path, "rb").read()
    if len(data) < 5000:
        sys.exit(f"FAIL: {path} is only {len(data)} bytes")
    width, height, colours = pixels(data)
    counts = Counter(colours)
    top = counts.most_common(1)[0][1] / len(colours)
    print(f"screenshot {width}x{height}, {len(counts)} colours, the commonest covers {top:.0%}")
    if width != expected_width:
        sys.exit(f"FAIL: width {width}, expected {expected_width}")
    if len(counts) < 8 or top > 0.95:
        sys.exit("FAIL: the screenshot is (nearly) blank")


main()
