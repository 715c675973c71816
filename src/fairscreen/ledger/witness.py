"""A transparency-log witness (C2SP ``tlog-witness``, https://c2sp.org/tlog-witness):
the ``add-checkpoint`` request, and the checks a witness makes before it cosigns.

The request body is

    old <size of the previous checkpoint, decimal, no leading zeros>
    <zero to 63 consistency proof hashes, one base64 line each>
    <empty line>
    <the signed checkpoint note>

and :meth:`Witness.add_checkpoint` answers it, in the spec's order:

1. a malformed body → 400;
2. an origin the witness does not follow → 404;
3. no signature by a key the witness trusts for that origin → 403 (others are ignored);
4. ``old`` larger than the checkpoint's size → 400;
5. under the state's lock: ``old`` differs from the size the witness last cosigned for
   the origin (0 if never) → 409, the body being that size (``text/x.tlog.size``);
6. the same size as before but another root → 409 (the log forked);
7. a proof with ``old`` = 0, or one that does not prove the old tree a prefix of the
   new one (RFC 6962 §2.1.2, as RFC 9162 §2.1.4) → 422;
8. otherwise the new checkpoint is stored, then cosigned (C2SP tlog-cosignature).

Steps 5 to 8 run in one transaction of the state, so two racing requests cannot roll the
witness back (the race the spec describes). A refusal of a correctly signed checkpoint is
kept as evidence (the spec allows it): a witness that saw a fork can show it.
"""

from __future__ import annotations

import abc
import base64
import binascii
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from fairscreen.domain.errors import LedgerError, ProofInvalid, SignatureInvalid
from fairscreen.ledger.checkpoint import Checkpoint, parse_checkpoint_text
from fairscreen.ledger.cosignature import cosign
from fairscreen.ledger.merkle import verify_consistency
from fairscreen.ledger.note import NoteSigner, NoteVerifier, open_note, parse_note

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


class WitnessRefusal(LedgerError):
    """The witness does not cosign; ``status`` is the HTTP status tlog-witness names."""

    code = "WITNESS_REFUSED"

    def __init__(self, status: int, message: str, *, latest_size: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.latest_size = latest_size


# --- the request body ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: str

    def body(self) -> str:
        lines = [f"old {self.old_size}", *(base64.b64encode(h).decode() for h in self.proof)]
        return "\n".join(lines) + "\n\n" + self.note


def _decimal(text: str) -> int | None:
    if not text.isascii() or not text.isdigit() or (text != "0" and text.startswith("0")):
        return None
    return int(text)


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Read an add-checkpoint body; :class:`WitnessRefusal` (400) names what is wrong."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WitnessRefusal(400, "the request body is not UTF-8") from exc
    head, separator, note = text.partition("\n\n")
    if not separator:
        raise WitnessRefusal(400, "no empty line between the proof and the checkpoint")
    lines = head.split("\n")
    if not lines[0].startswith("old "):
        raise WitnessRefusal(400, "the first line must be 'old <size>'")
    old_size = _decimal(lines[0][4:])
    if old_size is None:
        raise WitnessRefusal(400, "the old size must be a decimal without leading zeros")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRefusal(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for number, line in enumerate(lines[1:], start=1):
        try:
            digest = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise WitnessRefusal(400, f"proof line {number} is not base64") from exc
        if len(digest) != 32:
            raise WitnessRefusal(400, f"proof line {number} is not a SHA-256 hash")
        proof.append(digest)
    return AddCheckpoint(old_size, tuple(proof), note)


# --- the witness's state ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WitnessedCheckpoint:
    """The latest checkpoint a witness cosigned for one origin."""

    origin: str
    size: int
    root: bytes
    note: str


class OriginRecord(abc.ABC):
    """One origin's record, inside the state's transaction."""

    @property
    @abc.abstractmethod
    def latest(self) -> WitnessedCheckpoint | None:
        """What the witness last cosigned for the origin (None: never)."""

    @abc.abstractmethod
    def save(self, checkpoint: WitnessedCheckpoint) -> None:
        """Make ``checkpoint`` the latest; durable when the transaction ends."""


class WitnessState(abc.ABC):
    """Where a witness keeps, per origin, the latest checkpoint it cosigned."""

    @abc.abstractmethod
    def locked(self, origin: str) -> AbstractContextManager[OriginRecord]:
        """The origin's record under an exclusive lock; committed when the block ends
        without an error, rolled back otherwise."""

    @abc.abstractmethod
    def record_refusal(self, origin: str, status: int, reason: str, body: bytes) -> None:
        """Keep a refused, correctly signed request (possible evidence of a fork)."""

    @abc.abstractmethod
    def latest(self) -> Iterator[WitnessedCheckpoint]:
        """The latest cosigned checkpoint of every origin."""


# --- the witness --------------------------------------------------------------------------


@dataclass(frozen=True)
class Witness:
    """Cosigns checkpoints of the logs it follows, never two inconsistent ones."""

    cosigner: NoteSigner
    logs: Mapping[str, Sequence[NoteVerifier]]
    state: WitnessState
    clock: Callable[[], int]

    def add_checkpoint(self, body: bytes) -> str:
        """Answer one add-checkpoint request: the cosignature line(s), or a refusal."""
        request = parse_add_checkpoint(body)
        checkpoint = self._open(request.note)
        try:
            if request.old_size > checkpoint.size:
                raise WitnessRefusal(
                    400, f"old size {request.old_size} exceeds the checkpoint's {checkpoint.size}"
                )
            with self.state.locked(checkpoint.origin) as record:
                self._check_against(record.latest, request, checkpoint)
                record.save(
                    WitnessedCheckpoint(
                        checkpoint.origin, checkpoint.size, checkpoint.root, request.note
                    )
                )
                # Cosigned inside the transaction: a signature exists only for a state
                # that is stored.
                return cosign(checkpoint.text(), self.cosigner, self.clock()).line
        except WitnessRefusal as refusal:
            self.state.record_refusal(checkpoint.origin, refusal.status, refusal.message, body)
            raise

    def _open(self, note: str) -> Checkpoint:
        try:
            text, _ = parse_note(note)
            checkpoint = parse_checkpoint_text(text)
        except LedgerError as exc:
            raise WitnessRefusal(400, f"the checkpoint is malformed: {exc.message}") from exc
        trusted = self.logs.get(checkpoint.origin)
        if not trusted:
            raise WitnessRefusal(404, f"unknown log origin {checkpoint.origin!r}")
        try:
            open_note(note, list(trusted))
        except SignatureInvalid as exc:
            raise WitnessRefusal(403, f"not signed by the log's key: {exc.message}") from exc
        return checkpoint

    @staticmethod
    def _check_against(
        latest: WitnessedCheckpoint | None, request: AddCheckpoint, checkpoint: Checkpoint
    ) -> None:
        known_size = latest.size if latest is not None else 0
        if request.old_size != known_size:
            raise WitnessRefusal(
                409,
                f"old size {request.old_size} is not the size last cosigned ({known_size})",
                latest_size=known_size,
            )
        if latest is not None and checkpoint.size == latest.size:
            if checkpoint.root != latest.root:
                raise WitnessRefusal(
                    409,
                    f"a different root for size {checkpoint.size} than the one cosigned: "
                    "the log forked",
                    latest_size=known_size,
                )
            if request.proof:
                raise WitnessRefusal(422, "the proof between equal sizes must be empty")
            return
        if request.old_size == 0:
            if request.proof:
                raise WitnessRefusal(422, "the proof must be empty when the old size is 0")
            return
        assert latest is not None  # old_size == known_size > 0
        try:
            verify_consistency(
                latest.size, checkpoint.size, request.proof, latest.root, checkpoint.root
            )
        except ProofInvalid as exc:
            raise WitnessRefusal(
                422,
                f"the consistency proof from {latest.size} to {checkpoint.size} fails: "
                f"{exc.message}",
            ) from exc
