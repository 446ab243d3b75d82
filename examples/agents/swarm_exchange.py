#!/usr/bin/env python3
"""A SwarmPS exchange client using only the Python standard library (no pip).

An agent started by SwarmPS finds everything it needs in its environment:
SWARM_RUN_ID, SWARM_AGENT, SWARM_PEERS (name=uid,...), SWARM_EXCHANGE_URL and
SWARM_EXCHANGE_TOKEN. The wire protocol is docs/exchange-protocol.md.

Over https:// the exchange's certificate must be trusted: by the system's roots, by the PEM file
SWARM_EXCHANGE_CA names (a CA, or the exchange's own self-signed certificate), or by its SHA-256
fingerprint in SWARM_EXCHANGE_PIN (what Get-SwarmExchange shows; the pin alone decides, as an SSH
host key does). The token is sent only after the certificate passed.

    from swarm_exchange import Exchange, mailbox_id
    ex = Exchange.from_environment()
    me = ex.register(run_id, "agent-a")
    ex.send(mailbox_id(run_id, "agent-b"), json.dumps({"step": 1}), sender=me["id"])
    for message in ex.receive(me["id"], wait_ms=20000):
        handle(message["body"])
        ex.acknowledge(me["id"], [message["id"]])

Blobs (adapters, contributions) travel through the exchange's content-addressed store, named by
their SHA-256; both transfers resume where an interrupted one stopped and check the digest:

    receipt = ex.put_blob("adapter.safetensors")      # {"digest": "sha256:...", "size": n, "created": True}
    ex.get_blob(receipt["digest"], "incoming/adapter.safetensors")

A contribution (a trained adapter and its manifest) is both blobs plus an announcement for the run;
the exchange keeps the first announcement of each contributor:

    arrival = ex.put_contribution(run_id, "site-a-0", "out/manifest.json", "out/adapter.safetensors")
    ex.list_contributions(run_id)   # [{"contributor": "site-a-0", "manifest": "sha256:...", ...}, ...]

Run `python3 swarm_exchange.py demo RUN_ID` to register two agents and pass a message between them,
`python3 swarm_exchange.py put-blob PATH` or `get-blob DIGEST PATH` to move a blob,
`put-contribution RUN_ID CONTRIBUTOR MANIFEST ADAPTER` or `list-contributions RUN_ID` (prints JSON).
"""

import hashlib
import http.client
import json
import os
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

# Tries of one blob transfer; each resumes where the last stopped.
BLOB_ATTEMPTS = 5
BLOB_CHUNK = 1 << 20
# Refusals a later try can get past (another sender of the same blob, an offset that moved, a busy exchange).
BLOB_RETRYABLE = {"BlobUploadInProgress", "BlobOffsetMismatch", "BlobUploadIncomplete", "ExchangeBusy", "RequestBufferLimitReached", "RequestTimeout"}

# DESIGN.md: mailbox id = UUID v5 over "{run_id}/{agent_name}" in this namespace.
SWARM_NAMESPACE = uuid.UUID("6809ee13-7b98-4004-8bfa-97c58e99a2be")


def mailbox_id(run_id, agent_name):
    """The mailbox id every site derives for an agent, with no lookup."""
    return str(uuid.uuid5(SWARM_NAMESPACE, f"{run_id}/{agent_name}"))


def peers_from_environment():
    """SWARM_PEERS ("name=uid,name=uid") as a dict."""
    peers = {}
    for pair in filter(None, os.environ.get("SWARM_PEERS", "").split(",")):
        name, _, uid = pair.partition("=")
        peers[name] = uid
    return peers


class ExchangeError(Exception):
    """An error answer from the exchange: .error_id is the stable id (MailboxExists, ...)."""

    def __init__(self, status, error_id, message, remediation=None):
        super().__init__(f"{error_id}: {message}" + (f" Fix: {remediation}" if remediation else ""))
        self.status = status
        self.error_id = error_id
        self.remediation = remediation


def blob_digest(path):
    """The blob name of a file: "sha256:" and the 64 lowercase hex digits of its SHA-256."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(BLOB_CHUNK), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()


def _error_of(error):
    """An HTTPError from the exchange as the ExchangeError its body names."""
    payload = error.read().decode("utf-8", "replace")
    try:
        parsed = json.loads(payload)
        return ExchangeError(error.code, parsed.get("error", "HttpError"), parsed.get("message", ""), parsed.get("remediation"))
    except ValueError:
        return ExchangeError(error.code, "Unauthorized" if error.code == 401 else "ExchangeProtocolError",
                             f"HTTP {error.code} without a SwarmPS error body")


def normalize_pin(text):
    """A fingerprint as AB:CD:... (Get-SwarmExchange), 'sha256 Fingerprint=AB:..' (openssl) or bare hex."""
    value = text.strip().rsplit("=", 1)[-1]
    if value.lower().startswith("sha256:"):
        value = value[7:]
    digits = value.replace(":", "").strip().upper()
    if len(digits) != 64 or any(c not in "0123456789ABCDEF" for c in digits):
        raise ExchangeError(0, "ExchangePinInvalid", f"SWARM_EXCHANGE_PIN is not a SHA-256 fingerprint: {text[:120]!r}",
                            "Copy the Fingerprint that Get-SwarmExchange shows.")
    return ":".join(digits[i:i + 2] for i in range(0, 64, 2))


def fingerprint(der):
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Checks the certificate's fingerprint right after the handshake, before a byte of the request (the token) is sent."""

    def __init__(self, *args, pin=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._pin = pin

    def connect(self):
        super().connect()
        seen = fingerprint(self.sock.getpeercert(binary_form=True))
        if seen != self._pin:
            self.close()
            raise ExchangeError(0, "ExchangePinMismatch",
                                f"The exchange at {self.host}:{self.port} presented a certificate with SHA-256 fingerprint {seen}, not the pinned {self._pin}.",
                                f"If this is the exchange you started (Get-SwarmExchange on its host shows its Fingerprint), set SWARM_EXCHANGE_PIN={seen}; "
                                "otherwise something else answers at that address: do not send the token there.")


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, pin):
        context = ssl.create_default_context()
        # The pin replaces chain and name checks; it is checked in connect(), before anything is sent.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(context=context)
        self._pin_context = context
        self._pin = pin

    def https_open(self, req):
        return self.do_open(_PinnedHTTPSConnection, req, context=self._pin_context, pin=self._pin)


def _opener(ca_file=None, pin=None):
    """urllib opener (proxies honoured as usual) that believes the exchange's certificate as configured."""
    if pin:
        return urllib.request.build_opener(_PinnedHTTPSHandler(normalize_pin(pin)))
    if ca_file:
        try:
            context = ssl.create_default_context(cafile=ca_file)
        except (OSError, ssl.SSLError) as error:
            raise ExchangeError(0, "ExchangeCaFileInvalid", f"SWARM_EXCHANGE_CA names {ca_file!r}, which could not be loaded: {error}",
                                "Point SWARM_EXCHANGE_CA at the PEM certificate of the exchange or its CA, or pin with SWARM_EXCHANGE_PIN.") from None
        # The exchange's own self-signed certificate in the CA file is trusted for its names as issued.
        return urllib.request.build_opener(urllib.request.HTTPSHandler(context=context))
    return urllib.request.build_opener()


class Exchange:
    # How long a call keeps moving between gateways (several URLs, the RabbitMQ backend) before it gives up.
    FAILOVER_WINDOW = 60.0
    _GATEWAY_FAILURES = {"ExchangeBusy", "BrokerUnavailable", "BrokerAuthenticationFailed", "MailboxQueueMissing"}

    def __init__(self, url, token, timeout=30.0, ca_file=None, pin=None):
        # SWARM_EXCHANGE_URL may list several interchangeable gateways, comma-separated: calls go to one
        # until it fails for a reason another may not share, then to the next (every call is safe to
        # repeat: message ids make a repeated send a duplicate, not a second message).
        self.urls = [u if u.endswith("/") else u + "/" for u in (part.strip() for part in url.split(",")) if u]
        self.url = self.urls[0]
        self._token = token  # never printed, never logged
        self.timeout = timeout
        self._open = _opener(ca_file, pin).open

    @classmethod
    def from_environment(cls):
        url = os.environ.get("SWARM_EXCHANGE_URL")
        token = os.environ.get("SWARM_EXCHANGE_TOKEN")
        if not url or not token:
            raise ExchangeError(0, "ExchangeUrlMissing", "SWARM_EXCHANGE_URL and SWARM_EXCHANGE_TOKEN must be set.")
        return cls(url, token, ca_file=os.environ.get("SWARM_EXCHANGE_CA") or None, pin=os.environ.get("SWARM_EXCHANGE_PIN") or None)

    def __repr__(self):
        return f"Exchange({self.url!r})"

    def _call(self, method, path, body=None, timeout=None):
        deadline = time.monotonic() + self.FAILOVER_WINDOW
        tried = 0
        while True:
            try:
                return self._call_once(method, path, body, timeout)
            except ExchangeError as error:
                if len(self.urls) < 2 or error.error_id not in self._GATEWAY_FAILURES or time.monotonic() > deadline:
                    raise
            except (urllib.error.URLError, OSError, http.client.HTTPException):
                if len(self.urls) < 2 or time.monotonic() > deadline:
                    raise
            tried += 1
            self.url = self.urls[(self.urls.index(self.url) + 1) % len(self.urls)]
            if tried % len(self.urls) == 0:
                time.sleep(0.25)

    def _call_once(self, method, path, body=None, timeout=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self._token)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._open(request, timeout=timeout or self.timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as error:
            raise _error_of(error) from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, ssl.SSLCertVerificationError):
                raise ExchangeError(0, "ExchangeCertificateUntrusted", f"The exchange at {self.url} presented a certificate this host does not trust: {error.reason.verify_message}",
                                    "Set SWARM_EXCHANGE_PIN to the Fingerprint Get-SwarmExchange shows, or SWARM_EXCHANGE_CA to the exchange's certificate file.") from None
            raise

    def register(self, run_id, agent_name):
        return self._call("POST", "v1/mailboxes", {"runId": run_id, "name": agent_name})

    def heartbeat(self, mailbox):
        return self._call("POST", f"v1/mailboxes/{mailbox}/heartbeat")

    def status(self, mailboxes):
        return self._call("POST", "v1/mailboxes/query", {"ids": list(mailboxes)})["mailboxes"]

    def send(self, to, body, sender=None, message_id=None):
        """Stores one message durably; reuse message_id when retrying so it is stored once."""
        message = {"id": message_id or str(uuid.uuid4()), "body": body}
        if sender:
            message["from"] = sender
        return self._call("POST", f"v1/mailboxes/{to}/messages", message)

    def send_batch(self, messages):
        """messages: list of {"to", "body", optional "id", "from"}; at most 100, all or none."""
        for message in messages:
            message.setdefault("id", str(uuid.uuid4()))
        return self._call("POST", "v1/messages", {"messages": messages})["results"]

    def receive(self, mailbox, max_messages=10, lease_ms=30000, wait_ms=0, acknowledge=None):
        """acknowledge: ids of messages received earlier from this mailbox, acknowledged before leasing (saves a request)."""
        body = {"maxMessages": max_messages, "leaseMilliseconds": lease_ms, "waitMilliseconds": wait_ms}
        if acknowledge:
            body["acknowledge"] = list(acknowledge)
        return self._call("POST", f"v1/mailboxes/{mailbox}/receive", body, timeout=self.timeout + wait_ms / 1000.0)["messages"]

    def acknowledge(self, mailbox, message_ids):
        return self._call("POST", f"v1/mailboxes/{mailbox}/acknowledge", {"ids": list(message_ids)})["acknowledged"]

    def terminate(self, mailbox):
        return self._call("POST", f"v1/mailboxes/{mailbox}/terminate")

    def _blob(self, method, digest, data=None, headers=None, timeout=None):
        request = urllib.request.Request(self.url + "v1/blobs/" + digest, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self._token)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        return self._open(request, timeout=timeout or self.timeout)

    def blob_status(self, digest):
        """{"size": n} when the exchange holds the blob; else {"offset": bytes of an unfinished upload, "limit": largest blob taken}."""
        try:
            with self._blob("HEAD", digest) as response:
                return {"size": int(response.headers["Content-Length"])}
        except urllib.error.HTTPError as error:
            if error.code == 404 and error.headers.get("Upload-Offset") is not None:
                limit = error.headers.get("Upload-Limit")
                return {"offset": int(error.headers["Upload-Offset"]), "limit": int(limit) if limit else None}
            raise _error_of(error) from None

    def put_blob(self, path):
        """Uploads a file as the blob named by its SHA-256, resuming from the bytes the exchange already holds."""
        digest = blob_digest(path)
        size = os.path.getsize(path)
        for attempt in range(1, BLOB_ATTEMPTS + 1):
            status = self.blob_status(digest)
            if "size" in status:
                return {"digest": digest, "size": status["size"], "created": False}
            if status["limit"] is not None and size > status["limit"]:
                raise ExchangeError(413, "BlobTooLarge", f"{path} is {size} bytes, above the exchange's limit of {status['limit']}.",
                                    "Split the payload into several blobs, or start the exchange with a larger MaxBlobBytes limit.")
            # An offset at or past the end is a partial the exchange could not finish: a whole upload replaces it.
            resumable = 0 < size and status["offset"] < size
            offset = status["offset"] if resumable else 0
            headers = {"Content-Type": "application/octet-stream", "Content-Length": str(size - offset)}
            if resumable:
                headers["Content-Range"] = f"bytes {offset}-{size - 1}/{size}"
            try:
                with open(path, "rb") as file:
                    file.seek(offset)
                    with self._blob("PUT", digest, data=file, headers=headers, timeout=max(self.timeout, 600)) as response:
                        if response.status in (200, 201):
                            return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as error:
                refused = _error_of(error)
                if refused.error_id not in BLOB_RETRYABLE or attempt == BLOB_ATTEMPTS:
                    raise refused from None
            except (OSError, http.client.HTTPException):
                # The connection went (urllib.error.URLError is an OSError too): the next HEAD says where to resume.
                if attempt == BLOB_ATTEMPTS:
                    raise
            time.sleep(1)
        raise ExchangeError(0, "BlobTransferIncomplete", f"The upload of {digest} ended short {BLOB_ATTEMPTS} times.",
                            "Check the network path to the exchange, then call put_blob again: it resumes.")

    def get_blob(self, digest, destination):
        """Downloads a blob to destination through a partial file beside it (resumed by Range), renamed only once its SHA-256 is right."""
        destination = os.path.abspath(destination)
        partial = os.path.join(os.path.dirname(destination), f".{os.path.basename(destination)}.{digest[7:23]}.partial")
        for attempt in range(1, BLOB_ATTEMPTS + 1):
            have = os.path.getsize(partial) if os.path.exists(partial) else 0
            try:
                with self._blob("GET", digest, headers={"Range": f"bytes={have}-"} if have else None, timeout=max(self.timeout, 600)) as response:
                    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT, 0o600)
                    with os.fdopen(descriptor, "wb") as file:
                        if response.status == 200:
                            file.truncate(0)
                            have = 0
                        file.seek(have)
                        expected = have + int(response.headers["Content-Length"])
                        try:
                            for block in iter(lambda: response.read(BLOB_CHUNK), b""):
                                file.write(block)
                                have += len(block)
                        finally:
                            file.flush()
                            os.fsync(file.fileno())
                    if have == expected:
                        break
            except urllib.error.HTTPError as error:
                if error.code == 416 and have:
                    break  # the partial holds every byte already; the digest decides
                raise _error_of(error) from None
            except (OSError, http.client.HTTPException):
                if attempt == BLOB_ATTEMPTS:
                    raise
            time.sleep(1)
        else:
            raise ExchangeError(0, "BlobTransferIncomplete", f"The download of {digest} ended short {BLOB_ATTEMPTS} times.",
                                "Check the network path to the exchange, then call get_blob again: it resumes.")
        actual = blob_digest(partial)
        if actual != digest:
            os.remove(partial)
            raise ExchangeError(0, "BlobDigestMismatch", f"The bytes received for {digest} have the digest {actual}; {destination} was not written.",
                                "Download it again; if it repeats, the blob on the exchange is damaged and must be uploaded again.")
        os.replace(partial, destination)
        return {"digest": digest, "size": os.path.getsize(destination)}

    def put_contribution(self, run_id, contributor, manifest_path, adapter_path):
        """Uploads the adapter and the manifest (its bytes as they are) as blobs, then announces them for the run.

        Returns the arrival the exchange keeps: {"runId", "contributor", "manifest", "adapter", "adapterBytes",
        "arrivedAt"}. Sending the same files again returns the same arrival; other files under a contributor
        that already contributed raise ExchangeError ContributionConflict.
        """
        adapter = self.put_blob(adapter_path)
        manifest = self.put_blob(manifest_path)
        return self._call("PUT", f"v1/runs/{_segment(run_id)}/contributions/{_segment(contributor)}",
                          {"manifest": manifest["digest"], "adapter": adapter["digest"]})

    def list_contributions(self, run_id):
        """Every contribution announced for the run, sorted by contributor (empty for a run nobody contributed to)."""
        return self._call("GET", f"v1/runs/{_segment(run_id)}/contributions")["contributions"]


def _segment(name):
    """One path segment, escaped: a name with '/' or '..' reaches the exchange as itself, which refuses it."""
    return urllib.parse.quote(name, safe="")


def demo(run_id):
    """Two agents in one process: register, heartbeat, send a->b, receive on b, acknowledge. Prints JSON."""
    exchange = Exchange.from_environment()
    a = exchange.register(run_id, "py-a")
    b = exchange.register(run_id, "py-b")
    assert a["id"] == mailbox_id(run_id, "py-a"), "the exchange and uuid5 disagree on py-a's id"
    assert b["id"] == mailbox_id(run_id, "py-b"), "the exchange and uuid5 disagree on py-b's id"
    exchange.heartbeat(a["id"])
    message_id = str(uuid.uuid4())
    first = exchange.send(mailbox_id(run_id, "py-b"), json.dumps({"hello": "from py-a"}), sender=a["id"], message_id=message_id)
    again = exchange.send(mailbox_id(run_id, "py-b"), json.dumps({"hello": "from py-a"}), sender=a["id"], message_id=message_id)
    received = []
    deadline = time.time() + 30
    while time.time() < deadline:
        batch = exchange.receive(b["id"], max_messages=10, wait_ms=2000)
        received.extend(batch)
        if batch:
            exchange.acknowledge(b["id"], [m["id"] for m in batch])
        # Anything sent from outside (the test) to py-b shows up here too; stop once idle.
        if not batch and received:
            break
    status = {m["name"]: m for m in exchange.status([a["id"], b["id"]])}
    print(json.dumps({
        "ids": {"py-a": a["id"], "py-b": b["id"]},
        "duplicate": again["duplicate"],
        "first_duplicate": first["duplicate"],
        "received": [{"id": m["id"], "from": m.get("from"), "body": m["body"]} for m in received],
        "pending_after": status["py-b"]["pending"],
        "state_a": status["py-a"]["state"],
    }))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "demo":
        demo(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "put-blob":
        print(json.dumps(Exchange.from_environment().put_blob(sys.argv[2])))
    elif len(sys.argv) == 4 and sys.argv[1] == "get-blob":
        print(json.dumps(Exchange.from_environment().get_blob(sys.argv[2], sys.argv[3])))
    elif len(sys.argv) == 6 and sys.argv[1] == "put-contribution":
        print(json.dumps(Exchange.from_environment().put_contribution(*sys.argv[2:6])))
    elif len(sys.argv) == 3 and sys.argv[1] == "list-contributions":
        print(json.dumps(Exchange.from_environment().list_contributions(sys.argv[2])))
    else:
        print(__doc__)
        sys.exit(2)
