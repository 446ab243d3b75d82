"""What the trainer writes: progress lines on standard output, canonical JSON, files written atomically."""
import datetime
import hashlib
import json
import os
import sys
import tempfile


def now():
    """UTC, to the millisecond, as manifests write it: 2026-12-01T09:30:00.000Z."""
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def progress_line(**fields):
    """One progress line's text: a JSON object, keys sorted, and its newline."""
    return json.dumps(fields, sort_keys=True) + "\n"


def event(**fields):
    """One progress line, flushed at once: a heartbeat is only worth its time."""
    sys.stdout.write(progress_line(**fields))
    sys.stdout.flush()


def canonical(value):
    """Canonical JSON: Python's json.dumps(sort_keys=True, indent=2) and a newline. ensure_ascii=False as
    SwarmPS's CanonicalJson writes it; every field a trainer writes is ASCII, where the two agree anyway."""
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def digest(raw):
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def file_digest(path):
    with open(path, "rb") as f:
        return digest(f.read())


def make_directory(path):
    """The output directory, created owner-only when missing."""
    os.makedirs(path, mode=0o700, exist_ok=True)


def write_atomic(path, raw):
    """A temporary file (0600) in the same folder, fsynced, then renamed over `path`: a reader sees the
    whole file or none, and a failure leaves nothing behind."""
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
