"""Writing events the way SwarmPS does, for agents written in Python (docs/agent-contract.md, "Events").

One event is one JSON line appended to $SWARM_RUN_DIR/events.jsonl in a single write, so several agents of a
site can share the file and a reader never sees half a line: {"ts", "site", "agent", "kind", ...fields}.
"""

import datetime
import json
import os


def timestamp(moment=None):
    """UTC with exactly three fractional digits and Z, as every SwarmPS timestamp."""
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def record(kind, **fields):
    """Appends one event of this agent (SWARM_SITE, SWARM_AGENT) to its site's events.jsonl."""
    event = {"ts": timestamp(), "site": os.environ["SWARM_SITE"], "agent": os.environ["SWARM_AGENT"], "kind": kind}
    event.update(fields)
    line = (json.dumps(event, separators=(",", ":")) + "\n").encode("utf-8")
    # 0600 if this agent creates it: events name agents, hosts and problems (the launcher creates it so anyway).
    fd = os.open(os.path.join(os.environ["SWARM_RUN_DIR"], "events.jsonl"), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
