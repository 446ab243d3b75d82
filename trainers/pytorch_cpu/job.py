"""The job file (docs/trainer-contract.md, "The job file"): read, every field checked, or TrainerError.

A job names paths and digests that end up in a manifest other sites read, so each field is checked for the
shape the manifest reader (SwarmPS's ContributionManifestJson) will demand, before any work is done.
"""
import json
import math
import re


class TrainerError(Exception):
    """A refusal: the contract's error_id and a sentence naming the problem (and the fix)."""

    def __init__(self, error_id, message):
        super().__init__(message)
        self.error_id = error_id
        self.message = message


BACKEND = "pytorch.cpu"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
RUN_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")

# Fields every job of a mode must have, and those it may have; any other is refused.
COMMON = ["schema_version", "mode", "backend", "base_snapshot_path", "base_snapshot_digest", "adapter_contract",
          "data_shard", "data_path", "output_directory"]
IDENTITY = ["run_id", "contributor", "site", "plan_digest"]
REQUIRED = {
    "train": COMMON + IDENTITY + ["steps", "seed", "learning_rate"],
    "evaluate": COMMON,
}
OPTIONAL = {
    "train": ["heartbeat_interval_ms"],
    # An evaluation is not a contribution: the run's identity may come along, training settings may not.
    "evaluate": IDENTITY + ["heartbeat_interval_ms", "adapter_path"],
}
CONTRACT_FIELDS = ["target_modules", "rank", "alpha", "dtype"]


def invalid(field, problem):
    where = f"the field '{field}'" if field else "the job file"
    return TrainerError("TrainerJobInvalid", f"The trainer job cannot be run: {where}: {problem}.")


def read_job(path):
    """The job as a dict with every field checked; heartbeat_interval_ms defaulted to 1000."""
    def unique(pairs):
        seen = {}
        for key, value in pairs:
            if key in seen:
                raise invalid(key, "it appears twice")
            seen[key] = value
        return seen

    def no_constant(name):
        raise ValueError(f"{name} is not a JSON number")

    try:
        with open(path, "rb") as job_file:
            raw = job_file.read()
    except OSError as error:
        raise invalid(None, f"{path} cannot be read ({error.strerror})") from None
    try:
        job = json.loads(raw.decode("utf-8"), object_pairs_hook=unique, parse_constant=no_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise invalid(None, f"{path} is not UTF-8 JSON ({error})") from None
    if not isinstance(job, dict):
        raise invalid(None, f"{path} is not a JSON object")

    mode = job.get("mode")
    if mode == "base":
        raise invalid("mode", "'base' (writing a base snapshot) is the dotnet.cpu trainer's; pytorch.cpu trains and evaluates")
    if mode not in REQUIRED:
        raise invalid("mode", f"{json.dumps(mode)} is not train or evaluate")
    allowed = REQUIRED[mode] + OPTIONAL[mode]
    for name in job:
        if name not in allowed:
            raise invalid(name, f"it is not a field of {'a train' if mode == 'train' else 'an evaluate'} job")
    for name in REQUIRED[mode]:
        if name not in job:
            raise invalid(name, "it is missing")

    if not (integer(job["schema_version"]) and job["schema_version"] == 1):
        raise invalid("schema_version", f"it is {json.dumps(job['schema_version'])}; this trainer reads version 1")
    if job["backend"] != BACKEND:
        raise invalid("backend", f"{json.dumps(job['backend'])} is not this trainer's label, {BACKEND}")
    text(job, "base_snapshot_path")
    text(job, "data_path")
    text(job, "output_directory")
    checked(job, "base_snapshot_digest", DIGEST.match, "sha256: and 64 lowercase hex digits")
    checked(job, "data_shard", lambda s: 0 < len(s) <= 256 and s.isprintable(), "a shard id of 1 to 256 printable characters")
    if "run_id" in job:
        checked(job, "run_id", RUN_ID.match, "a run id (lowercase letters, digits, '.', '_', '-')")
    for name in ("contributor", "site"):
        if name in job:
            checked(job, name, NAME.match, "a name of letters, digits, '.', '_', '-' (at most 128)")
    if "plan_digest" in job:
        checked(job, "plan_digest", DIGEST.match, "sha256: and 64 lowercase hex digits")
    if "adapter_path" in job:
        text(job, "adapter_path")
    if mode == "train":
        whole(job, "steps", 1, 2**31 - 1)
        whole(job, "seed", 0, 2**63 - 1)
        if not (number(job["learning_rate"]) and math.isfinite(job["learning_rate"]) and job["learning_rate"] > 0):
            raise invalid("learning_rate", "it is not a finite number above 0")
    job.setdefault("heartbeat_interval_ms", 1000)
    whole(job, "heartbeat_interval_ms", 1, 3_600_000)
    job["adapter_contract"] = contract(job["adapter_contract"])
    return job


def contract(value):
    """The adapter contract: its shape is TrainerJobInvalid, what version 1 cannot train is AdapterContractUnsupported."""
    if not isinstance(value, dict):
        raise invalid("adapter_contract", "it is not a JSON object")
    for name in value:
        if name not in CONTRACT_FIELDS:
            raise invalid(f"adapter_contract.{name}", "it is not a field of an adapter contract")
    for name in CONTRACT_FIELDS:
        if name not in value:
            raise invalid(f"adapter_contract.{name}", "it is missing")
    modules = value["target_modules"]
    if not (isinstance(modules, list) and modules and all(isinstance(m, str) and m for m in modules)):
        raise invalid("adapter_contract.target_modules", "it is not a list of module names")
    if not integer(value["rank"]) or not 1 <= value["rank"] <= 65536:
        raise invalid("adapter_contract.rank", "it is not a whole number from 1 to 65536")
    if not (number(value["alpha"]) and math.isfinite(value["alpha"]) and value["alpha"] > 0):
        raise invalid("adapter_contract.alpha", "it is not a finite number above 0")
    if not isinstance(value["dtype"], str):
        raise invalid("adapter_contract.dtype", "it is not a string")
    if modules != ["lm_head"]:
        raise TrainerError("AdapterContractUnsupported",
                           f"The adapter contract targets {modules}; version 1 of the tiny model trains only [\"lm_head\"]. Set target_modules to [\"lm_head\"] in the plan.")
    if value["dtype"] != "F32":
        raise TrainerError("AdapterContractUnsupported",
                           f"The adapter contract's dtype is {value['dtype']}; version 1 of the tiny model trains only F32. Set dtype to F32 in the plan.")
    return value


def integer(value):
    return type(value) is int  # bool is an int subclass, and not a number here


def number(value):
    return type(value) in (int, float)


def whole(job, name, minimum, maximum):
    if not integer(job[name]) or not minimum <= job[name] <= maximum:
        raise invalid(name, f"it is not a whole number from {minimum} to {maximum}")


def text(job, name):
    if not isinstance(job[name], str) or not job[name] or "\0" in job[name]:
        raise invalid(name, "it is not a non-empty string")


def checked(job, name, valid, shape):
    text(job, name)
    if not valid(job[name]):
        raise invalid(name, f"'{job[name][:80]}' is not {shape}")
