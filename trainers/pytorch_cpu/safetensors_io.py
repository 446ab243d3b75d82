"""safetensors read and write with struct + json (docs/safetensors.md), for F32 tensors only.

Writing follows the reference writer's layout, as SwarmPS's SafetensorsWriter does: compact JSON with
`__metadata__` first (its keys in ordinal order), tensors by dtype (all F32 here) then UTF-8 name, each entry
`{"dtype","shape","data_offsets"}`, the header padded with spaces to a multiple of 8. So the same values give
the same bytes whichever trainer wrote them. Reading checks what the reference checks (header length, JSON
object, offsets covering the data exactly) and raises SafetensorsError with a sentence.
"""
import json
import struct

import numpy as np

MAX_HEADER = 100_000_000


class SafetensorsError(Exception):
    pass


def encode(tensors, metadata):
    """The file's bytes. `tensors`: name -> float32 numpy array; `metadata`: str -> str."""
    header = {"__metadata__": {key: metadata[key] for key in sorted(metadata)}} if metadata else {}
    data = []
    offset = 0
    for name in sorted(tensors, key=lambda n: n.encode("utf-8")):
        raw = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(raw)]}
        data.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(data)


def decode(raw):
    """(tensors, metadata) from a file's bytes: name -> float32 numpy array (a copy), str -> str."""
    if len(raw) < 8:
        raise SafetensorsError("it is shorter than the 8-byte header length")
    (length,) = struct.unpack_from("<Q", raw, 0)
    if length > MAX_HEADER or 8 + length > len(raw):
        raise SafetensorsError(f"its header length {length} is past the end of the file or above {MAX_HEADER}")

    def unique(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                raise SafetensorsError(f"the name '{key}' appears twice in its header")
            seen[key] = value
        return seen

    try:
        header = json.loads(raw[8:8 + length].decode("utf-8"), object_pairs_hook=unique)
    except (UnicodeDecodeError, ValueError) as error:
        raise SafetensorsError(f"its header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise SafetensorsError("its header is not a JSON object")

    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise SafetensorsError("its __metadata__ is not an object of strings")

    data = memoryview(raw)[8 + length:]
    entries = []
    for name, entry in header.items():
        if not isinstance(entry, dict) or entry.get("dtype") != "F32":
            raise SafetensorsError(f"the tensor '{name}' is not F32")
        shape, offsets = entry.get("shape"), entry.get("data_offsets")
        if not (isinstance(shape, list) and all(type(d) is int and d >= 0 for d in shape)):
            raise SafetensorsError(f"the tensor '{name}' has no valid shape")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(o) is int for o in offsets) and 0 <= offsets[0] <= offsets[1]):
            raise SafetensorsError(f"the tensor '{name}' has no valid data_offsets")
        count = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if offsets[1] - offsets[0] != 4 * count:
            raise SafetensorsError(f"the tensor '{name}' spans {offsets[1] - offsets[0]} bytes, not {4 * count}")
        entries.append((offsets[0], offsets[1], name, shape))

    entries.sort()
    position = 0
    tensors = {}
    for begin, end, name, shape in entries:
        if begin != position:
            raise SafetensorsError(f"the tensor '{name}' does not start where the previous one ends")
        if end > len(data):
            raise SafetensorsError(f"the tensor '{name}' ends past the end of the file")
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").astype(np.float32).reshape(shape)
        position = end
    if position != len(data):
        raise SafetensorsError(f"{len(data) - position} bytes follow the last tensor")
    return tensors, metadata
