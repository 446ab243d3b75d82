#!/usr/bin/env python3
"""A counter agent for the federated-chat demo: two of these, on two sites, pass a number back and forth
through the exchange until it reaches --stop-at. Python standard library only.

Everything comes from the environment SwarmPS gives every agent (docs/agent-contract.md):
SWARM_RUN_ID, SWARM_SITE, SWARM_AGENT, SWARM_AGENT_UID, SWARM_PEERS, SWARM_EXCHANGE_URL,
SWARM_EXCHANGE_TOKEN, SWARM_RUN_DIR.

- The initial agent waits for the kickoff ({"kind": "bootstrap"}), then sends 1 to its peer.
- On {"kind": "count", "n": n}: if n reached --stop-at it is done; else it sends n + 1, and is done
  if that reached --stop-at.
- Each message it sends or receives becomes a line in $SWARM_RUN_DIR/events.jsonl, so the run's merged
  timeline (Get-SwarmEvent) shows the conversation alternating between sites.
- Delivery is at least once: a count already seen is acknowledged and ignored, and each count is sent
  with an id derived from (run, sender, n), so a resend after a crash or an exchange outage is stored once.
- An exchange that goes away is retried until --idle-timeout; the agent exits 0 when done, 3 on timeout.
"""

import argparse
import json
import os
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agents"))
from swarm_events import record  # noqa: E402
from swarm_exchange import SWARM_NAMESPACE, Exchange, ExchangeError, peers_from_environment  # noqa: E402


def transient(error, peer_may_be_starting=False):
    """True for failures worth retrying: no connection, the exchange answering 5xx, or (for sends) a peer
    whose site has not registered it yet: sites start in any order, and the kickoff only waits for us."""
    if isinstance(error, ExchangeError):
        if peer_may_be_starting and error.error_id == "MailboxNotFound":
            return True
        return error.status == 0 or error.status >= 500
    return isinstance(error, OSError)


def retrying(call, deadline, peer_may_be_starting=False):
    while True:
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - classified just below
            if not transient(error, peer_may_be_starting) or time.time() > deadline:
                raise
            time.sleep(0.2)


def heartbeat_forever(exchange, me, interval):
    while True:
        try:
            exchange.heartbeat(me)
        except Exception:  # noqa: BLE001 - the launcher heartbeats too; keep trying quietly
            pass
        time.sleep(interval)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stop-at", type=int, default=10, help="the count at which both agents finish")
    parser.add_argument("--idle-timeout", type=float, default=120.0, help="seconds without progress before giving up")
    parser.add_argument("--pace", type=float, default=0.0, help="seconds to think before each reply (makes the demo watchable)")
    parser.add_argument("--role", default="counter", help="kept for campaign compatibility; only 'counter' exists")
    args = parser.parse_args()

    exchange = Exchange.from_environment()
    run_id = os.environ["SWARM_RUN_ID"]
    me = os.environ["SWARM_AGENT_UID"]
    name = os.environ["SWARM_AGENT"]
    peers = peers_from_environment()
    if len(peers) != 1:
        print(f"{name}: expected exactly one peer in SWARM_PEERS, got {sorted(peers)}", file=sys.stderr)
        return 2
    peer_name, peer_id = next(iter(peers.items()))
    threading.Thread(target=heartbeat_forever, args=(exchange, me, 5.0), daemon=True).start()

    def send_count(n):
        time.sleep(args.pace)
        message_id = str(uuid.uuid5(SWARM_NAMESPACE, f"{run_id}/{name}/count/{n}"))
        body = json.dumps({"kind": "count", "n": n})
        # Recorded as the send begins: the peer may receive and answer before our call returns, and the
        # merged timeline must still show our message first. A send that fails for good ends the agent
        # with an error right after, so the timeline does not mislead. bytes: what the dashboard shows as its size.
        record("message_sent", n=n, to=peer_name, bytes=len(body.encode("utf-8")))
        retrying(lambda: exchange.send(peer_id, body, sender=me, message_id=message_id), time.time() + args.idle_timeout, peer_may_be_starting=True)

    highest_seen = 0
    deadline = time.time() + args.idle_timeout
    while time.time() < deadline:
        try:
            messages = exchange.receive(me, max_messages=10, wait_ms=2000)
        except Exception as error:  # noqa: BLE001
            if not transient(error):
                raise
            time.sleep(0.2)
            continue
        for message in messages:
            body = json.loads(message["body"])
            done = False
            if body.get("kind") == "bootstrap":
                record("message_received", n=0, kind_received="bootstrap")
                if highest_seen == 0:
                    send_count(1)
                    done = 1 >= args.stop_at
            elif body.get("kind") == "count" and body["n"] > highest_seen:
                n = highest_seen = body["n"]
                record("message_received", n=n, **{"from": peer_name})
                if n >= args.stop_at:
                    done = True
                else:
                    send_count(n + 1)
                    done = n + 1 >= args.stop_at
            retrying(lambda: exchange.acknowledge(me, [message["id"]]), time.time() + args.idle_timeout)
            deadline = time.time() + args.idle_timeout
            if done:
                print(f"{name}: done at {args.stop_at}")
                return 0
    print(f"{name}: no progress for {args.idle_timeout} s; giving up", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
