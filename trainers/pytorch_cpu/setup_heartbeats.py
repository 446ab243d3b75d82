"""Heartbeats while a train job sets up (docs/trainer-contract.md, "Progress lines"): from the moment the job
is read until the step-0 heartbeat, a line {"event": "heartbeat", "phase": "setup", "at": ...} at least every
heartbeat_interval_ms, so a coordinator watching the beats does not call a trainer stale while it reads its
base and shard, imports torch and computes h (22 s on a loaded CI machine).

The beats come from a forked child process, not a thread: `import torch` holds the GIL while it loads
libtorch, and a thread here that should have woken every 50 ms was held 37 s on a cold import, so a thread
would fall silent exactly when setup is slowest. The child has its own interpreter and only sleeps and writes.
Lines cannot interleave: while the child runs the parent prints nothing, and stop() waits for the child to
exit before it returns, so every setup line is out before the next line of the parent. If the parent dies,
its end of the socket closes and the child stops at its next wake-up: no orphan goes on beating.
"""
import os
import select
import socket
import sys

from outputs import event, now, progress_line


class SetupHeartbeats:
    """Started when the job is read; stop() before the step-0 heartbeat (and before an error line)."""

    def __init__(self, interval_ms):
        # The first beat from this process, at once: however quick the setup, one precedes step 0.
        event(event="heartbeat", phase="setup", at=now())
        self._count = None
        self._socket, theirs = socket.socketpair()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            self._socket.close()
            _beat_until_told(theirs, interval_ms / 2000.0)
        theirs.close()
        self._pid = pid

    def stop(self):
        """Stops the child and waits for it; returns how many setup heartbeats were printed. Idempotent."""
        if self._count is None:
            self._socket.shutdown(socket.SHUT_WR)
            reply = b""
            while True:
                chunk = self._socket.recv(64)
                if not chunk:
                    break
                reply += chunk
            self._socket.close()
            os.waitpid(self._pid, 0)
            # A child that failed to report (it could not write, say) counts as having printed none: the
            # manifest may undercount, which only makes the validator's average stricter, never laxer.
            self._count = 1 + (int(reply) if reply.isdigit() else 0)
        return self._count


def _beat_until_told(parent, period):
    """The child: a line every `period` seconds (half the interval, the training loop's margin) until the
    parent shuts its end of the socket or dies; then it reports its count and exits without running any of
    the parent's cleanup (os._exit: the parent's buffers and handlers are not the child's to flush)."""
    count = 0
    try:
        while not select.select([parent], [], [], period)[0]:
            raw = progress_line(event="heartbeat", phase="setup", at=now()).encode("utf-8")
            while raw:
                raw = raw[os.write(1, raw):]
            count += 1
        parent.sendall(str(count).encode("ascii"))
    except BaseException:  # noqa: BLE001 (stdout gone, a signal: the child stops, the parent reports the job)
        pass
    os._exit(0)
