"""TensorBoard event files without TensorFlow or torch: scalars and PNG images.

`SummaryWriter(logdir)` appends to ``<logdir>/events.out.tfevents.<time>.<host>`` so that
``tensorboard --logdir runs/`` shows every run side by side (as the Flax examples'
``metric_writers`` and big_vision do). The format, written here by hand in ~100 lines:

- a file is a sequence of records ``[len: uint64][masked crc32c(len): uint32][data]
  [masked crc32c(data): uint32]``, little-endian, where ``masked(c) = ((c >> 15) |
  (c << 17)) + 0xa282ead8 mod 2³²`` (TFRecord);
- each record is a serialized ``tensorflow.Event`` protobuf: ``wall_time`` (field 1,
  double), ``step`` (2, int64), ``file_version`` (3, string; the first record says
  ``"brain.Event:2"``), ``summary`` (5): repeated ``Summary.Value`` (1) with ``tag`` (1),
  ``simple_value`` (2, float) or ``image`` (4: height 1, width 2, colorspace 3,
  ``encoded_image_string`` 4 = PNG bytes).

Only the main process should write (the trainer's `Reporter` decides). Viewing needs
``pip install tensorboard``; writing needs nothing beyond the standard library.
"""

from __future__ import annotations

import os
import socket
import struct
import time

_CRC32C_TABLE: list[int] = []
for _n in range(256):
    _c = _n
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC32C_TABLE.append(_c)


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli) of ``data``, as TFRecord uses; pure Python, ~5 MB/s.

    >>> hex(crc32c(b"123456789"))  # the standard check value (RFC 3720, B.4)
    '0xe3069283'
    """
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _varint(n: int) -> bytes:
    if n < 0:
        n += 1 << 64  # int64 as protobuf encodes negatives
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, wire_type: int, payload: bytes) -> bytes:
    return _varint((number << 3) | wire_type) + payload


def _bytes_field(number: int, data: bytes) -> bytes:
    return _field(number, 2, _varint(len(data)) + data)


def _event(step: int, *, summary: bytes | None = None, file_version: str | None = None) -> bytes:
    out = _field(1, 1, struct.pack("<d", time.time())) + _field(2, 0, _varint(int(step)))
    if file_version is not None:
        out += _bytes_field(3, file_version.encode())
    if summary is not None:
        out += _bytes_field(5, summary)
    return out


def scalar_value(tag: str, value: float) -> bytes:
    """One serialized ``Summary.Value`` holding a float32 scalar."""
    return _bytes_field(1, _bytes_field(1, tag.encode()) + _field(2, 5, struct.pack("<f", value)))


def image_value(tag: str, png: bytes, height: int, width: int, channels: int) -> bytes:
    """One serialized ``Summary.Value`` holding a PNG image."""
    image = (
        _field(1, 0, _varint(height))
        + _field(2, 0, _varint(width))
        + _field(3, 0, _varint(channels))
        + _bytes_field(4, png)
    )
    return _bytes_field(1, _bytes_field(1, tag.encode()) + _bytes_field(4, image))


class SummaryWriter:
    """Appends scalars and images to one TensorBoard event file in ``logdir``.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     with SummaryWriter(d) as writer:
    ...         writer.scalars(10, {"train/loss": 0.5, "eval/rec_error": 12.0})
    ...     [name.startswith("events.out.tfevents.") for name in os.listdir(d)]
    [True]
    """

    def __init__(self, logdir: str):
        os.makedirs(logdir, exist_ok=True)
        name = f"events.out.tfevents.{int(time.time())}.{socket.gethostname()}.{os.getpid()}"
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "ab")  # noqa: SIM115 (closed by close())
        self._write(_event(0, file_version="brain.Event:2"))

    def _write(self, record: bytes) -> None:
        header = struct.pack("<Q", len(record))
        self._file.write(header + struct.pack("<I", _masked_crc(header)))
        self._file.write(record + struct.pack("<I", _masked_crc(record)))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        """One event at ``step`` with a float scalar per tag (non-numbers are skipped)."""
        summary = b"".join(
            scalar_value(tag, float(v)) for tag, v in values.items() if _is_number(v)
        )
        if summary:
            self._write(_event(step, summary=summary))
            self._file.flush()

    def image(self, step: int, tag: str, png: bytes) -> None:
        """A PNG (as `genjax.training.images` writes them) at ``step`` under ``tag``."""
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(png[25], 3)
        self._write(_event(step, summary=image_value(tag, png, height, width, channels)))
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _is_number(v) -> bool:
    try:
        float(v)
    except (TypeError, ValueError):
        return False
    return not isinstance(v, bool | str)
