"""TensorBoard event files written without TensorFlow, read back by TensorBoard's own
loader (in the test extra) and by a plain decoder of the TFRecord framing."""

from __future__ import annotations

import io
import os
import struct

import numpy as np
import pytest
from PIL import Image

from genjax.training.tensorboard import SummaryWriter, crc32c


def test_crc32c_known_values():
    # RFC 3720 B.4 test vectors: 32 zero bytes and 32 bytes of 0xff.
    assert crc32c(bytes(32)) == 0x8A9136AA
    assert crc32c(b"\xff" * 32) == 0x62A8AB43
    assert crc32c(bytes(range(32))) == 0x46DD794E


def _png(h, w):
    buffer = io.BytesIO()
    Image.fromarray(np.arange(h * w, dtype=np.uint8).reshape(h, w)).save(buffer, "PNG")
    return buffer.getvalue()


def _records(path):
    with open(path, "rb") as f:
        data = f.read()
    out, i = [], 0
    while i < len(data):
        (n,) = struct.unpack("<Q", data[i : i + 8])
        out.append(data[i + 12 : i + 12 + n])
        i += 12 + n + 4
    assert i == len(data)
    return out


def test_events_read_back_by_tensorboard(tmp_path):
    with SummaryWriter(str(tmp_path)) as writer:
        writer.scalars(5, {"train/loss": 1.25, "note": "text is skipped"})
        writer.scalars(10, {"train/loss": 0.75, "eval/rec_error": 12.5})
        writer.image(10, "samples", _png(6, 4))
    (name,) = os.listdir(tmp_path)
    assert len(_records(tmp_path / name)) == 4  # version, two scalar events, one image

    loader = pytest.importorskip("tensorboard.backend.event_processing.event_file_loader")
    events = list(loader.LegacyEventFileLoader(str(tmp_path / name)).Load())
    assert events[0].file_version == "brain.Event:2"
    scalars = [
        (e.step, v.tag, v.simple_value)
        for e in events[1:]
        for v in e.summary.value
        if v.HasField("simple_value")
    ]
    assert scalars == [(5, "train/loss", 1.25), (10, "train/loss", 0.75),
                       (10, "eval/rec_error", 12.5)]  # fmt: skip
    (image,) = [v.image for e in events for v in e.summary.value if v.HasField("image")]
    assert (image.height, image.width, image.colorspace) == (6, 4, 1)
    decoded = np.asarray(Image.open(io.BytesIO(image.encoded_image_string)))
    np.testing.assert_array_equal(decoded, np.arange(24, dtype=np.uint8).reshape(6, 4))
