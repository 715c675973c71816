"""The public transparency read API (PRODUCT.md §6; issue 5 item 2): what anyone may
fetch without an account to check the ledger and the rules.

- **C2SP tlog-tiles** (https://c2sp.org/tlog-tiles): the latest signed checkpoint, tiles
  ``tile/<L>/<N>[.p/<W>]`` and entry bundles ``tile/entries/<N>[.p/<W>]``, ``N`` in
  three-digit groups (``x001/x234/067``). A tile only ever grows, so a partial tile of
  width ``W`` is the first ``W`` hashes of the stored tile; a full tile is served only
  once it holds 256. Entry bundles are the entries, each prefixed by its length as a
  big-endian uint16 (tlog-tiles §"Log Entries").
- Inclusion and consistency proofs (RFC 9162 §2.1.3, §2.1.4), hashes in base64.
- The published rulebooks by version and by SHA-256, as the exact bytes that were hashed.
- The ledger's status for the regulator (size, latest checkpoint, a full verification)
  and the compliance audit.
- One entry's details for the regulator (:func:`entry_details`): what the public entry
  only commits to (PRODUCT.md §6), read through this authorized path, each read itself
  an entry of the log.

The tree logic is the ledger's own (:mod:`fairscreen.ledger.log`, ``tiles``); this module
only reads it through one snapshot per call and checks the public inputs, so a bad
index or size is an input error or "not found", never a server error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from fairscreen.adapters.db.engine import begin_read
from fairscreen.adapters.db.ledger_store import SqlLedgerStore, pending_status, reading
from fairscreen.adapters.db.unit_of_work import SqlUnitOfWork, payload_commitment
from fairscreen.domain.errors import InvalidInput, LedgerError, NotFound
from fairscreen.domain.lifecycle import CaseState
from fairscreen.domain.rulebook import parse_rulebook
from fairscreen.ledger.audit import Violation, audit_entries
from fairscreen.ledger.cosignature import verify_cosignatures
from fairscreen.ledger.entries import ActorRole, EventType, LedgerEntry, ReasonCode, decode_entry
from fairscreen.ledger.log import Log
from fairscreen.ledger.tiles import HASH_SIZE, TILE_WIDTH, encode_tile_index
from fairscreen.ledger.verify import verify_log
from fairscreen.services.case_events import OPERATOR_REASON_FIELD, log_event
from fairscreen.services.context import Actor, Services, require_role
from fairscreen.services.evaluation import shipped_rulebook_files

MAX_LEVEL = 63
_TILE_PATH = re.compile(r"^((?:x\d{3}/)*\d{3})(?:\.p/([1-9]\d{0,2}))?$")


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def parse_tile_path(path: str) -> tuple[int, int | None]:
    """``x001/x234/067.p/5`` → ``(1234067, 5)``; ``NotFound`` for anything not written
    exactly as tlog-tiles writes it (so one tile has one path)."""
    match = _TILE_PATH.match(path)
    if match is None:
        raise NotFound("no such tile", field="path")
    index = int(match.group(1).replace("x", "").replace("/", ""))
    width = int(match.group(2)) if match.group(2) else None
    if encode_tile_index(index) != match.group(1) or (width is not None and width >= TILE_WIDTH):
        raise NotFound("no such tile", field="path")
    return index, width


def latest_checkpoint(svc: Services) -> str:
    """The latest published checkpoint (a C2SP signed note), with the cosignatures of the
    witnesses that have cosigned it so far (C2SP tlog-cosignature); never one of a log that
    went back behind its high-water mark (it would contradict what the log signed before)."""
    with reading(svc.engine) as log:
        if svc.high_water is not None:
            svc.high_water.check(log)
        latest = log.latest_checkpoint()
    if latest is None:
        raise NotFound("no checkpoint has been published yet", field="checkpoint")
    return latest.cosigned_note


def publish_checkpoint(
    svc: Services, *, idle_limit: float | None = None, wait_for_mark: bool = True
) -> str:
    """Sign a checkpoint of the current tree when it grew (the scheduler calls this); never
    over a log that went back behind its high-water mark. The mark follows once the
    checkpoint is committed (before, a failed commit would leave it above the log).
    ``idle_limit``: the sequencer's bound on its transaction (``SqlLedgerStore``);
    ``wait_for_mark``: as :func:`follow_high_water`'s ``wait``."""
    from fairscreen.adapters.db.ledger_store import writing

    with writing(svc.engine, idle_limit=idle_limit) as log:
        if svc.high_water is not None:
            svc.high_water.check(log)
        note = log.publish(svc.signer, now=svc.now()).note
    follow_high_water(svc, wait=wait_for_mark)
    return note


def unpublished(svc: Services) -> int:
    """How many integrated entries no checkpoint covers yet."""
    with reading(svc.engine) as log:
        latest = log.latest_checkpoint()
        return log.size() - (latest.size if latest is not None else 0)


def follow_high_water(svc: Services, *, wait: bool = True) -> None:
    """Refuse (``LOG_ROLLED_BACK``) a log behind or beside its high-water mark, else raise
    the mark to the latest checkpoint the log published: ``serve`` runs this at start-up,
    the sequencer every round and the background jobs before their work.
    ``wait=False``: while another process holds the mark's lock, leave the raise to a
    later call (the sequencer's rounds and the jobs: a process frozen holding it would
    otherwise stall them, ``ledger/high_water.py``)."""
    if svc.high_water is None:
        return
    with reading(svc.engine) as log:
        svc.high_water.follow(log, wait=wait)


def tile(svc: Services, level: int, path: str) -> bytes:
    """The content of tile ``tile/<level>/<path>``."""
    if not 0 <= level <= MAX_LEVEL:
        raise NotFound("no such tile", field="level")
    index, width = parse_tile_path(path)
    wanted = width or TILE_WIDTH
    with reading(svc.engine) as log:
        stored = log.store.read_tiles([(level, index)]).get((level, index))
    if stored is None or stored.width < wanted:
        raise NotFound("no such tile", field="path")
    return stored.hashes[: wanted * HASH_SIZE]


def entry_bundle(svc: Services, path: str) -> bytes:
    """The entry bundle ``tile/entries/<path>``: each entry as uint16 length + bytes."""
    index, width = parse_tile_path(path)
    wanted = width or TILE_WIDTH
    start = index * TILE_WIDTH
    with reading(svc.engine) as log:
        if start + wanted > log.size():
            raise NotFound("no such entry bundle", field="path")
        rows = log.store.read_entries(start, start + wanted)
    if len(rows) != wanted:
        raise NotFound("no such entry bundle", field="path")
    parts = []
    for _, data in rows:
        if len(data) > 0xFFFF:  # the guard keeps entries far smaller; never truncate one
            raise InvalidInput("an entry is too long for a tlog-tiles bundle", field="path")
        parts.append(len(data).to_bytes(2, "big") + data)
    return b"".join(parts)


def _checkpoints_by_size(log: Any) -> dict[int, str]:
    return {c.size: c.note for c in log.store.read_checkpoints()}


def inclusion_proof(svc: Services, index: int, tree_size: int | None = None) -> dict[str, Any]:
    """RFC 9162 §2.1.3: entry ``index`` is in the tree of ``tree_size`` (default: the
    latest checkpoint's), with the entry and, when one was published, that checkpoint."""
    with reading(svc.engine) as log:
        latest = log.latest_checkpoint()
        size = tree_size if tree_size is not None else (latest.size if latest else log.size())
        if not 0 < size <= log.size():
            raise InvalidInput("outside 1 .. the log's size", field="tree_size")
        if not 0 <= index < size:
            raise InvalidInput("outside 0 .. tree_size - 1", field="index")
        proof = log.inclusion_proof(index, size)
        entry = log.entry(index)
        notes = [c.cosigned_note for c in log.store.read_checkpoints() if c.size == size]
    return {
        "index": proof.index,
        "tree_size": proof.size,
        "leaf_hash": _b64(proof.leaf_hash),
        "root_hash": _b64(proof.root),
        "proof": [_b64(h) for h in proof.proof],
        "entry": entry.decode("utf-8", errors="replace"),
        "checkpoint": notes[-1] if notes else None,
    }


def pending_entry(svc: Services, pending_id: int) -> dict[str, Any]:
    """Where the entry queued as ``pending_id`` stands (issue 16): ``pending`` until the
    sequencer integrated it, then its index, with its inclusion proof against the latest
    checkpoint once one covers it (``None`` until the next publication)."""
    with begin_read(svc.engine) as connection:
        try:
            index = pending_status(connection, pending_id)
        except LedgerError as exc:
            raise NotFound("no entry was queued with this pending id", field="pending_id") from exc
        latest = Log(SqlLedgerStore(connection)).latest_checkpoint()
    inclusion = None
    if index is not None and latest is not None and index < latest.size:
        inclusion = inclusion_proof(svc, index, latest.size)
    return {
        "pending_id": pending_id,
        "state": "pending" if index is None else "integrated",
        "index": index,
        "inclusion": inclusion,
    }


def consistency_proof(svc: Services, first: int, second: int | None = None) -> dict[str, Any]:
    """RFC 9162 §2.1.4: the tree of ``first`` entries is a prefix of ``second``'s."""
    with reading(svc.engine) as log:
        size = log.size()
        new = second if second is not None else size
        if not 0 < new <= size:
            raise InvalidInput("outside 1 .. the log's size", field="second")
        if not 0 < first <= new:
            raise InvalidInput("outside 1 .. second", field="first")
        proof = log.consistency_proof(first, new)
    return {
        "first": proof.old_size,
        "second": proof.new_size,
        "first_root": _b64(proof.old_root),
        "second_root": _b64(proof.new_root),
        "proof": [_b64(h) for h in proof.proof],
    }


def log_key(svc: Services) -> str:
    """The checkpoint verifier key (C2SP signed-note vkey)."""
    return svc.signer.verifier.vkey


# --- rulebooks -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublishedRulebook:
    version: str
    sha256: str
    file: str
    content: bytes


@cache
def published_rulebooks() -> tuple[PublishedRulebook, ...]:
    """Every rulebook file shipped with this release (``fairscreen/rulebook/v*.toml``),
    parsed once per process."""
    return tuple(
        PublishedRulebook(
            parse_rulebook(content).version, hashlib.sha256(content).hexdigest(), name, content
        )
        for name, content in shipped_rulebook_files()
    )


def rulebook_by_version(version: str) -> PublishedRulebook:
    for book in published_rulebooks():
        if book.version == version:
            return book
    raise NotFound("no published rulebook of this version", field="version")


def rulebook_by_sha256(digest: str) -> PublishedRulebook:
    for book in published_rulebooks():
        if book.sha256 == digest.lower():
            return book
    raise NotFound("no published rulebook with this SHA-256", field="sha256")


# --- the regulator's view ----------------------------------------------------------------------


def ledger_status(svc: Services) -> dict[str, Any]:
    """Size, latest checkpoint and a full verification of the stored log (every entry
    rehashed, every tile and checkpoint checked against the log's key)."""
    with reading(svc.engine) as log:
        latest = log.latest_checkpoint()
        report = verify_log(log.store, svc.signer.verifier)
    return {
        "size": report.size,
        "root_hash": _b64(report.root),
        "verified": report.ok,
        "findings": len(report.findings),
        "checkpoints_checked": report.checkpoints_checked,
        "checkpoint": None
        if latest is None
        else {
            "size": latest.size,
            "root_hash": _b64(latest.root),
            "published_at": latest.published_at,
            "note": latest.cosigned_note,
        },
        "log_key": svc.signer.verifier.vkey,
    }


def audit_ledger(svc: Services, *, as_of: datetime | None = None) -> list[Violation]:
    """The compliance audit over this service's whole ledger (streamed in chunks)."""

    def entries() -> Iterator[tuple[int, bytes]]:
        with reading(svc.engine) as log:
            size = log.size()
            store = log.store
            for start in range(0, size, 4096):
                yield from store.read_entries(start, min(start + 4096, size))

    return audit_entries(entries(), svc.published_rulebooks, as_of=as_of)


def compliance_audit(svc: Services) -> tuple[int, list[Violation]]:
    """The compliance audit of the whole log now: the log's size and every violation."""
    with reading(svc.engine) as log:
        size = log.size()
    return size, audit_ledger(svc, as_of=svc.now())


@dataclass(frozen=True)
class OpenedPayload:
    """What an entry commits to, as the regulator's console reads it."""

    payload: dict[str, Any]
    commitment_opens: bool
    recorded_reason: str | None


def open_payload(
    svc: Services, uow: SqlUnitOfWork, actor: Actor, index: int, entry: LedgerEntry
) -> OpenedPayload | None:
    """The payload entry ``index`` commits to, for a regulator or an operator, with whether
    the commitment opens (recomputed under the case's commitment key); the read is logged
    (``report.read``, reason ``audit``) in ``uow``, which the caller commits (PRODUCT.md §6:
    each read through the console is itself logged). None, with nothing read or logged,
    once the case's payload and keys were destroyed."""
    require_role(actor, ActorRole.REGULATOR, ActorRole.OPERATOR)
    case = uow.repo.case_by_pseudonym(entry.case)
    body = uow.repo.event_payload(entry.commitment)
    if case is None or case["state"] == CaseState.DESTROYED.value or body is None:
        return None
    key = uow.commitment_key(entry.case)
    opened = (
        payload_commitment(key, body)
        if entry.v >= 2
        else hashlib.sha256(body).hexdigest()  # version 1 committed with plain SHA-256
    )
    payload = json.loads(body)
    sealed = payload.pop("recorded_reason_ct", None)
    reason = (
        uow.cipher.decrypt_text(entry.case, OPERATOR_REASON_FIELD, base64.b64decode(sealed))
        if isinstance(sealed, str)
        else None
    )
    log_event(
        svc,
        uow,
        EventType.REPORT_READ,
        case,
        actor,
        payload={"reason": ReasonCode.AUDIT.value, "entry": index},
        commitment_key=key,
        reason=ReasonCode.AUDIT,
    )
    return OpenedPayload(payload, hmac.compare_digest(opened, entry.commitment), reason)


def entry_details(svc: Services, actor: Actor, index: int) -> dict[str, Any]:
    """What entry ``index`` commits to, for a regulator or an operator (PRODUCT.md §6: the
    public log says nothing about a person; the regulator reads details through its
    console, and each read is itself logged).

    1. read the entry; 2. find its payload by the commitment it carries; 3. while the
    case's keys exist, open the commitment (recompute it under the case's commitment key)
    and an operator's recorded reason; 4. log the read (``report.read``, reason
    ``audit``) in the same transaction. A destroyed case's payload and keys are gone:
    the entry alone is given, and nothing was read, so nothing is logged."""
    require_role(actor, ActorRole.REGULATOR, ActorRole.OPERATOR)
    with svc.uow() as uow:
        log = uow.ledger()
        if not 0 <= index < log.size():
            raise NotFound("no entry at that index", field="index")
        raw = log.entry(index)
        details: dict[str, Any] = {
            "index": index,
            "entry": json.loads(raw),
            "payload": None,
            "commitment_opens": None,
            "recorded_reason": None,
            "read_logged": False,
        }
        opened = open_payload(svc, uow, actor, index, decode_entry(raw))
        if opened is None:
            return details
        uow.commit()
    details.update(
        payload=opened.payload,
        commitment_opens=opened.commitment_opens,
        recorded_reason=opened.recorded_reason,
        read_logged=True,
    )
    return details


# --- the regulator's lookup and the witnesses ---------------------------------------------------

_CASE_PSEUDONYM = re.compile(r"^case_[0-9a-f]{32}$")
#: The most entries one lookup lists (a case has a few dozen; the rest is a scan's cap).
LOOKUP_LIMIT = 200
_SCAN_CHUNK = 8192


def lookup_entries(svc: Services, query: str) -> dict[str, Any]:
    """Ledger entries by index (``1234``, as printed on a destruction certificate) or by
    case pseudonym (``case_`` + 32 hex, as entries and certificates name the case), each
    with its inclusion proof against the latest checkpoint when it is under one (an entry
    sequenced since is listed without, until the next publication). Entries hold
    pseudonyms and codes only (the ledger's guard), so nothing personal is shown.

    A case lookup scans the log in chunks (no index of pseudonyms is kept beside the log,
    by design: the log is the only record the regulator needs to trust)."""
    text = query.strip()
    if text.isdigit():
        kind = "index"
    elif _CASE_PSEUDONYM.match(text):
        kind = "case"
    else:
        raise InvalidInput(
            "a ledger index (digits) or a case pseudonym (case_ and 32 hex digits)",
            field="q",
            key="input.ledger_index_or_case_pseudonym",
        )
    with reading(svc.engine) as log:
        latest = log.latest_checkpoint()
        signed = latest.size if latest is not None else 0
        size = log.size()
        if kind == "index":
            index = int(text)
            if index >= size:
                raise NotFound(f"no entry {index} in a log of {size} entries", field="q")
            found = log.store.read_entries(index, index + 1)
        else:
            needle = f'"case":"{text}"'.encode()
            found = []
            for start in range(0, size, _SCAN_CHUNK):
                rows = log.store.read_entries(start, min(start + _SCAN_CHUNK, size))
                found += [(i, data) for i, data in rows if needle in data]
                if len(found) > LOOKUP_LIMIT:
                    break
        entries = []
        for index, data in found[:LOOKUP_LIMIT]:
            proof = log.inclusion_proof(index, signed) if index < signed else None
            entries.append(
                {
                    "index": index,
                    "entry": json.loads(data),
                    "raw": data.decode("utf-8", errors="replace"),
                    "leaf_hash": _b64(hashlib.sha256(b"\x00" + data).digest()),
                    "proof": None if proof is None else [_b64(h) for h in proof.proof],
                }
            )
    return {
        "query": text,
        "kind": kind,
        "entries": entries,
        "truncated": len(found) > LOOKUP_LIMIT,
        "size": size,
        "tree_size": signed,
        "checkpoint": latest.cosigned_note if latest is not None else None,
    }


def witness_status(svc: Services) -> list[dict[str, Any]]:
    """Each configured witness and its cosignature of the latest checkpoint, checked with
    its key: name, whether it cosigned, and when (its timestamp)."""
    with reading(svc.engine) as log:
        latest = log.latest_checkpoint()
    status = []
    for peer in svc.config.witnesses:
        found = []
        if latest is not None:
            try:
                found = verify_cosignatures(latest.cosigned_note, [peer.key])
            except LedgerError:
                found = []
        status.append(
            {
                "name": peer.name,
                "vkey": peer.key.vkey,
                "cosigned": bool(found),
                "at": datetime.fromtimestamp(found[0].timestamp, UTC) if found else None,
            }
        )
    return status
