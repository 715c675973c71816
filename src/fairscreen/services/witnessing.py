"""Asking witnesses to cosign the log's checkpoints (C2SP tlog-witness, the client side).

A regulator should not have to trust the operator's one view of the log: each witness
(configured by the operator, e.g. run by a labour regulator) checks that every new
checkpoint is consistent with the last one it cosigned, and only then cosigns it. With a
quorum of cosignatures on a checkpoint, nobody can be shown a forked log unnoticed.

For each configured witness that has not cosigned the latest checkpoint yet:

1. take the size the witness last cosigned, as far as the log knows (the largest stored
   checkpoint it cosigned, else 0), and the consistency proof from it to the latest;
2. ``POST <url>/add-checkpoint`` with ``old <size>``, the proof and the signed note;
3. on 409 with ``text/x.tlog.size`` (the witness knows a later size than we thought),
   ask once more from that size;
4. on 200, check every cosignature line with the witness's key against the checkpoint,
   and keep the valid ones with the checkpoint.

A witness that is down, slow or refuses is logged (its name and the status, never a
payload) and asked again at the next publication: publishing never fails or waits more
than the client's timeout per witness because of one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
from sqlalchemy.engine import Engine

from fairscreen.adapters.db.ledger_store import reading, writing
from fairscreen.adapters.outbound import operator_client
from fairscreen.domain.errors import LedgerError
from fairscreen.ledger.cosignature import parse_cosigner_vkey, verify_cosignatures
from fairscreen.ledger.note import NoteVerifier
from fairscreen.ledger.store import StoredCheckpoint
from fairscreen.ledger.witness import SIZE_CONTENT_TYPE, AddCheckpoint

if TYPE_CHECKING:  # context.py holds the witnesses in its ServiceConfig: no import cycle
    from fairscreen.services.context import Services

log = logging.getLogger("fairscreen.witnessing")


@dataclass(frozen=True, slots=True)
class WitnessPeer:
    """A witness the log asks: its cosigner key and its submission prefix URL."""

    key: NoteVerifier
    url: str

    @property
    def name(self) -> str:
        return self.key.name

    @classmethod
    def parse(cls, vkey: str, url: str) -> WitnessPeer:
        if not url.startswith(("http://", "https://")):
            raise LedgerError(f"witness {vkey.split('+', 1)[0]}: its URL must be http(s)://…")
        return cls(parse_cosigner_vkey(vkey), url.rstrip("/"))


@dataclass(frozen=True, slots=True)
class WitnessOutcome:
    witness: str
    cosigned: bool
    detail: str


def _cosigned_by(checkpoint: StoredCheckpoint, peer: WitnessPeer) -> bool:
    """Whether a valid cosignature of ``peer`` is stored with ``checkpoint`` (a line that
    does not verify counts as none: the witness is asked again)."""
    if not checkpoint.cosignatures:
        return False
    try:
        return bool(verify_cosignatures(checkpoint.cosigned_note, [peer.key]))
    except LedgerError:
        return False


def _last_cosigned_size(checkpoints: Sequence[StoredCheckpoint], peer: WitnessPeer) -> int:
    """The size of the latest stored checkpoint this witness cosigned (0 if none): a
    witness only moves forward, so the newest one it cosigned is its state."""
    for checkpoint in reversed(checkpoints):
        if _cosigned_by(checkpoint, peer):
            return checkpoint.size
    return 0


def _request(engine: Engine, latest: StoredCheckpoint, old_size: int) -> AddCheckpoint:
    """The add-checkpoint request from ``old_size``, its proof read from one snapshot
    (no transaction stays open while a witness is asked)."""
    proof: tuple[bytes, ...] = ()
    if 0 < old_size < latest.size:
        with reading(engine) as ledger:
            proof = ledger.consistency_proof(old_size, latest.size).proof
    return AddCheckpoint(old_size, proof, latest.note)


def _ask(
    engine: Engine, client: httpx.Client, peer: WitnessPeer, latest: StoredCheckpoint, old: int
) -> httpx.Response:
    response = _post(client, peer, _request(engine, latest, old))
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if response.status_code == 409 and media == SIZE_CONTENT_TYPE:
        known = response.text.strip()
        if known.isdigit() and int(known) != old and int(known) <= latest.size:
            # Step 3: the witness is at another size than we recorded; once more from it.
            response = _post(client, peer, _request(engine, latest, int(known)))
    return response


def _post(client: httpx.Client, peer: WitnessPeer, request: AddCheckpoint) -> httpx.Response:
    return client.post(
        f"{peer.url}/add-checkpoint",
        content=request.body().encode(),
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )


def cosign_latest(
    engine: Engine,
    peers: Sequence[WitnessPeer],
    client: httpx.Client,
    now: datetime,
) -> list[WitnessOutcome]:
    """Ask every witness that has not yet cosigned the latest checkpoint; keep what they
    sign. Returns one outcome per witness asked (none when nothing is published)."""
    if not peers:
        return []
    with reading(engine) as ledger:
        latest = ledger.latest_checkpoint()
        if latest is None:
            return []
        checkpoints = ledger.store.read_checkpoints()
        wanted = [p for p in peers if not _cosigned_by(latest, p)]
        plans = [(peer, _last_cosigned_size(checkpoints, peer)) for peer in wanted]
    outcomes = []
    for peer, old in plans:
        outcomes.append(_cosign_one(engine, client, peer, latest, old, now))
    return outcomes


def _cosign_one(
    engine: Engine,
    client: httpx.Client,
    peer: WitnessPeer,
    latest: StoredCheckpoint,
    old: int,
    now: datetime,
) -> WitnessOutcome:
    try:
        response = _ask(engine, client, peer, latest, old)
    except httpx.HTTPError as exc:
        log.warning("witness %s unreachable: %s", peer.name, type(exc).__name__)
        return WitnessOutcome(peer.name, False, f"unreachable ({type(exc).__name__})")
    if response.status_code != 200:
        log.warning("witness %s refused: HTTP %d", peer.name, response.status_code)
        reason = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
        return WitnessOutcome(peer.name, False, f"HTTP {response.status_code} {reason}".strip())
    try:
        cosignatures = verify_cosignatures(latest.note + response.text, [peer.key])
    except LedgerError as exc:
        log.warning("witness %s answered a bad cosignature: %s", peer.name, exc.message)
        return WitnessOutcome(peer.name, False, f"bad cosignature: {exc.message}")
    if not cosignatures:
        log.warning("witness %s answered no cosignature by its key", peer.name)
        return WitnessOutcome(peer.name, False, "no cosignature by its key")
    with writing(engine) as ledger:
        for cosignature in cosignatures:
            ledger.store.add_cosignature(latest.id, cosignature, now)
    return WitnessOutcome(peer.name, True, f"cosigned size {latest.size}")


def request_cosignatures(svc: Services) -> list[WitnessOutcome]:
    """:func:`cosign_latest` for the service's configured witnesses (the scheduler runs
    it after each publication)."""
    if not svc.config.witnesses:
        return []
    with operator_client(timeout=svc.config.witness_timeout) as client:
        return cosign_latest(svc.engine, svc.config.witnesses, client, svc.now())
