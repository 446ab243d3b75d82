"""The receiving side of the SwarmPS control protocol (docs/control-protocol.md), Python standard library only.

What any control participant written in Python needs, apart from what it executes:

- load_control_token(namespace): the namespace's control token from its owner-only file;
- open_envelope(body) / seal(token, payload) / mac_matches(token, payload, mac): the envelope and its MAC;
- command_problem(command) / check_command(command, namespace, me, now): the shape, then the namespace,
  target and expiry rules, in the page's order;
- ReplayJournal: the correlation ids handled and their replies, kept on disk across restarts.

The token is never printed, logged or put in an event; ControlError messages name files, never contents.
"""

import datetime
import hashlib
import hmac
import json
import os
import re
import stat
import uuid

NAMESPACE_RULE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
MIN_TOKEN_LENGTH = 16
# docs/control-protocol.md, "Commands": the longest life a command may claim, and the clock skew tolerated.
MAX_COMMAND_LIFETIME = datetime.timedelta(hours=1)
MAX_CLOCK_AHEAD = datetime.timedelta(minutes=5)
# A handled correlation id is kept this long past its command's expires_at ("Replay").
REPLAY_MARGIN = datetime.timedelta(minutes=10)
_RFC3339 = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|z|[+-]\d{2}:\d{2})$")


class ControlError(Exception):
    """A refusal with the protocol's stable id; .remediation names the fix."""

    def __init__(self, error_id, message, remediation):
        super().__init__(f"{error_id}: {message}")
        self.error_id = error_id
        self.message = message
        self.remediation = remediation

    def as_reply_error(self):
        return {"error_id": self.error_id, "message": self.message, "remediation": self.remediation}


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def format_time(moment):
    """UTC with exactly three fractional digits and Z, as every SwarmPS timestamp."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_time(text):
    """An RFC 3339 timestamp as an aware datetime, or None. Written out because fromisoformat reads 'Z' only from 3.11."""
    match = _RFC3339.match(text) if isinstance(text, str) else None
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    offset = datetime.timedelta(0)
    if zone not in ("Z", "z"):
        sign = 1 if zone[0] == "+" else -1
        offset = sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    try:
        moment = datetime.datetime(int(year), int(month), int(day), int(hour), int(minute), int(second),
                                   int((fraction or "0").ljust(6, "0")[:6]), tzinfo=datetime.timezone(offset))
    except ValueError:
        return None
    return moment.astimezone(datetime.timezone.utc)


def is_uuid(text):
    if not isinstance(text, str):
        return False
    try:
        uuid.UUID(text)
        return True
    except ValueError:
        return False


def same_uuid(a, b):
    return is_uuid(a) and is_uuid(b) and uuid.UUID(a) == uuid.UUID(b)


# --- the token -------------------------------------------------------------------------------------------

def control_token_path(namespace, environ=os.environ):
    """SWARM_CONTROL_TOKEN_FILE, else $XDG_CONFIG_HOME/swarmps/control/<namespace>.token (XDG default ~/.config)."""
    named = environ.get("SWARM_CONTROL_TOKEN_FILE")
    if named:
        return os.path.abspath(os.path.expanduser(named))
    config = environ.get("XDG_CONFIG_HOME")
    # The XDG rule: a relative value is invalid and ignored.
    if not config or not os.path.isabs(config):
        config = os.path.join(os.path.expanduser("~"), ".config")
    return os.path.join(config, "swarmps", "control", f"{namespace}.token")


def load_control_token(namespace, environ=os.environ):
    """The namespace's control token, read once. A workflow agent never takes SWARM_CONTROL_TOKEN from its
    environment (the site removes it; docs/control-protocol.md, "The control token"): only the file."""
    path = control_token_path(namespace, environ)
    try:
        # O_NOFOLLOW is not used: a token file may be a link (as an ssh key may); the mode checked is the target's.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ControlError("ControlTokenMissing", f"No control token file at {path} for namespace '{namespace}'.",
                           f"Create it owner-only: umask 077; mkdir -p {os.path.dirname(path)}; openssl rand -hex 32 > {path} "
                           "(the same token the callers of this namespace use), or point SWARM_CONTROL_TOKEN_FILE at it.") from None
    except OSError as error:
        raise ControlError("ControlTokenFileUnreadable", f"The control token file {path} cannot be opened: {error.strerror}.",
                           f"Make {path} a regular file readable by this user (chmod 600 {path}).") from None
    try:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise ControlError("ControlTokenFileUnsafe", f"The control token file {path} is not a regular file.",
                               f"Put the token in a regular file: umask 077; openssl rand -hex 32 > {path}.")
        if status.st_mode & 0o077:
            raise ControlError("ControlTokenFileUnsafe",
                               f"The control token file {path} has mode {stat.S_IMODE(status.st_mode):04o}: group or others may read or change it.",
                               f"chmod 600 {path} (a control token lets its holder start and stop processes, like an ssh key).")
        text = os.read(descriptor, 65536).decode("utf-8", "replace")
    finally:
        os.close(descriptor)
    token = text.strip()
    if len(token) < MIN_TOKEN_LENGTH:
        raise ControlError("ControlTokenInvalid", f"The control token in {path} has {len(token)} characters; at least {MIN_TOKEN_LENGTH} are needed.",
                           f"Write a longer one: umask 077; openssl rand -hex 32 > {path} (and give callers the same).")
    return token


# --- the envelope ----------------------------------------------------------------------------------------

def _mac(token, payload):
    return hmac.new(token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def open_envelope(body):
    """(payload text, mac) when the body is a control envelope, else None (ordinary traffic).
    mac is whatever the sender put there (None for an unsealed refusal); nothing is verified yet."""
    try:
        outer = json.loads(body)
    except (TypeError, ValueError):
        return None
    if not isinstance(outer, dict) or outer.get("swarm_control") != 1 or not isinstance(outer.get("payload"), str):
        return None
    if "mac" not in outer:
        return None
    return outer["payload"], outer["mac"]


def mac_matches(token, payload, mac):
    """The MAC over the payload string exactly as received, compared in constant time."""
    if not isinstance(mac, str):
        return False
    return hmac.compare_digest(mac.encode("ascii", "replace"), _mac(token, payload).encode("ascii"))


def seal(token, payload):
    """A reply as a message body. The payload text is made once here and the MAC taken over exactly it."""
    text = json.dumps(payload, separators=(",", ":"))
    return json.dumps({"swarm_control": 1, "payload": text, "mac": _mac(token, text)})


def unsealed(payload):
    """The one message sent without a MAC: a refusal to a caller whose MAC failed (it believes it only as a refusal)."""
    return json.dumps({"swarm_control": 1, "payload": json.dumps(payload, separators=(",", ":")), "mac": None})


# --- the rules every command passes ----------------------------------------------------------------------

def command_problem(command):
    """Why a verified payload is not a well-formed command (ControlCommandInvalid), or None. The fields every
    rule after it reads: ids that are UUIDs, names that are strings, times that are RFC 3339."""
    if not isinstance(command, dict) or command.get("type") != "command":
        return 'the payload is not a command (type is not "command")'
    for field in ("correlation_id", "target", "reply_to"):
        if not is_uuid(command.get(field)):
            return f"'{field}' is missing or not a UUID"
    for field in ("namespace", "command"):
        if not isinstance(command.get(field), str):
            return f"'{field}' is missing or not a string"
    for field in ("sent_at", "expires_at"):
        if parse_time(command.get(field)) is None:
            return f"'{field}' is missing or not an RFC 3339 timestamp (2026-12-02T03:04:05.678Z)"
    return None


def check_command(command, namespace, me, now):
    """Raises ControlError for the first rule a well-formed command breaks: namespace, target, expiry (the
    order of the page's table, and of SwarmPS's own receiver). Returns the moment until which its
    correlation id must be remembered (expires_at + 10 minutes)."""
    claimed = command.get("namespace")
    if claimed != namespace:
        raise ControlError("ControlNamespaceMismatch", f"The command is for namespace {json.dumps(claimed)}; this agent serves '{namespace}'.",
                           f"Send it with -Namespace {namespace} (or SWARM_NAMESPACE={namespace}), or to the agent of namespace {json.dumps(claimed)}.")
    target = command.get("target")
    if not same_uuid(target, me):
        raise ControlError("ControlTargetMismatch", f"The command is for mailbox {json.dumps(target)}; this agent is {me}.",
                           "Address the workflow agent of the run you mean (its mailbox is uuid5 over '<run id>/<agent name>').")
    sent_at, expires_at = parse_time(command["sent_at"]), parse_time(command["expires_at"])
    if now > expires_at:
        raise ControlError("ControlCommandExpired", f"The command expired at {format_time(expires_at)}; it was received at {format_time(now)}.",
                           "Send it again (with a new correlation id); if this repeats, check that the agent is running and its clock is right.")
    if expires_at - sent_at > MAX_COMMAND_LIFETIME:
        raise ControlError("ControlCommandExpired", f"The command claims to live from {format_time(sent_at)} to {format_time(expires_at)}, longer than one hour.",
                           "Give commands an expiry of at most one hour after sent_at.")
    if sent_at - now > MAX_CLOCK_AHEAD:
        raise ControlError("ControlCommandExpired", f"The command was sent at {format_time(sent_at)}, more than 5 minutes ahead of this agent's clock ({format_time(now)}).",
                           "Synchronise the clocks of the caller and the agent's host (NTP).")
    return expires_at + REPLAY_MARGIN


# --- replay protection -----------------------------------------------------------------------------------

class ReplayJournal:
    """The correlation ids of the commands accepted, with their replies, in an owner-only JSON-lines file: one line per step,
    the last line of an id wins. Before a command runs its id is written as pending (no reply yet), so an
    agent that dies while executing never executes it again: the retry learns it was interrupted."""

    def __init__(self, path):
        self.path = path
        self._entries = {}
        if os.path.exists(path):
            with open(path, encoding="utf-8") as file:
                for line in file:
                    try:
                        entry = json.loads(line)
                        self._entries[entry["correlation_id"]] = entry
                    except (ValueError, KeyError, TypeError):
                        continue  # a line torn by a crash mid-write; the ones before it stand
        self.prune(utc_now())

    def get(self, correlation_id):
        return self._entries.get(str(uuid.UUID(correlation_id)))

    def begin(self, correlation_id, keep_until):
        self._write({"correlation_id": str(uuid.UUID(correlation_id)), "keep_until": format_time(keep_until), "reply": None})

    def finish(self, correlation_id, keep_until, reply):
        self._write({"correlation_id": str(uuid.UUID(correlation_id)), "keep_until": format_time(keep_until), "reply": reply})

    def prune(self, now):
        """Drops ids whose commands can no longer be valid, rewriting the file in one rename."""
        kept = {key: entry for key, entry in self._entries.items() if (parse_time(entry.get("keep_until")) or now) > now}
        if len(kept) == len(self._entries) and os.path.exists(self.path):
            return
        self._entries = kept
        temporary = self.path + ".tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            for entry in kept.values():
                file.write(json.dumps(entry, separators=(",", ":")) + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def _write(self, entry):
        line = (json.dumps(entry, separators=(",", ":")) + "\n").encode("utf-8")
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, line)
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        self._entries[entry["correlation_id"]] = entry
