"""Reading TensorBoard event files back, for the tests of what fit and `glassgrad train
--tensorboard` write.

An event file is a sequence of TFRecords: a little-endian uint64 length, its masked CRC-32C,
the bytes of one `Event` protocol buffer, their masked CRC. Each record is parsed with
tensorboardX's own `Event` message, so the tests need nothing beyond the writer's package.
"""
import glob
import os
import struct

import pytest


def read_scalars(folder):
    """{tag: [(step, value), ...]} from every event file in `folder`."""
    event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")
    scalars = {}
    files = sorted(glob.glob(os.path.join(folder, "events.out.tfevents.*")))
    assert files, f"no event file in {folder}: {os.listdir(folder)}"
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        at = 0
        while len(data) - at >= 12:
            (length,) = struct.unpack("<Q", data[at:at + 8])
            if at + 12 + length + 4 > len(data):
                break                            # a record still being written
            record = data[at + 12:at + 12 + length]
            at += 12 + length + 4
            event = event_pb2.Event.FromString(record)
            for value in event.summary.value:
                scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
    return scalars
