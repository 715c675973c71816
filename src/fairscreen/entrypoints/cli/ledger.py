"""``fairscreen ledger …``: the evidence ledger (PRODUCT.md §6).

Every command takes ``--database-url`` (default: ``FAIRSCREEN_DATABASE_URL`` through the
settings). Findings (``verify``, ``audit``) exit 1; errors print one line, never a
traceback (:mod:`fairscreen.entrypoints.cli.exits`).
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from fairscreen.adapters.db.engine import create_engine, storage_problem
from fairscreen.adapters.db.ledger_store import reading, writing
from fairscreen.adapters.high_water import high_water
from fairscreen.adapters.ledger_keys import load_ledger_signer
from fairscreen.adapters.outbound import operator_client
from fairscreen.adapters.tile_directory import TileDirectoryStore, export_tiles
from fairscreen.bootstrap import witness_peers
from fairscreen.config import Settings
from fairscreen.domain.errors import FairscreenError, InvalidInput, LedgerError, LogRolledBack
from fairscreen.entrypoints.cli.exits import EXIT_FINDINGS, fail
from fairscreen.ledger.audit import ComplianceAudit, Violation
from fairscreen.ledger.checkpoint import make_tlog_proof
from fairscreen.ledger.cosignature import parse_cosigner_vkey
from fairscreen.ledger.entries import encode_entry
from fairscreen.ledger.high_water import HighWater
from fairscreen.ledger.note import NoteSigner, NoteVerifier, parse_vkey
from fairscreen.ledger.store import LedgerStore
from fairscreen.ledger.verify import Finding, FindingKind, VerifyReport, verify_log
from fairscreen.services.evaluation import published_rulebook_digests
from fairscreen.services.sequencer import DEFAULT_BATCH, integrate, integrate_all, sequencer_lease
from fairscreen.services.witnessing import cosign_latest

ledger_app = typer.Typer(help="The evidence ledger: checkpoints, proofs, verify, audit.")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL of the database (default: FAIRSCREEN_DATABASE_URL).",
        show_default=False,
    ),
]

_CHUNK = 8192
#: seconds ``publish`` and ``integrate`` wait for the sequencer lease
LEASE_WAIT = 30.0


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


_SHA256 = re.compile("[0-9a-f]{64}")


@contextmanager
def _engine(database_url: str | None) -> Iterator[tuple[Engine, Settings]]:
    """The engine for the command; database failures become one-line ledger errors."""
    settings = Settings()
    try:
        engine = create_engine(database_url or settings.database_url)
    except (ArgumentError, ValueError) as exc:
        raise InvalidInput("is not a usable SQLAlchemy URL", field="database-url") from exc
    try:
        yield engine, settings
    except SQLAlchemyError as exc:
        problem = storage_problem(exc, engine.url)
        if problem is not None:
            raise problem from exc
        cause = getattr(exc, "orig", None) or exc
        reason = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        raise LedgerError(f"database error: {type(cause).__name__}: {reason}") from exc
    finally:
        engine.dispose()


def _signer(settings: Settings) -> NoteSigner:
    return load_ledger_signer(
        settings.key_provider,
        origin=settings.ledger_origin,
        keys_dir=settings.keys_dir,
        env_value=settings.ledger_signing_key,
    )


def _high_water(settings: Settings, database_url: str | None, signer: NoteSigner) -> HighWater:
    return high_water(
        settings.data_dir,
        settings.ledger_origin,
        database_url or settings.database_url,
        signer.verifier,
    )


def _publish(engine: Engine, signer: NoteSigner, mark: HighWater, *, force: bool = False) -> Any:
    """Publish over a log that has not gone back behind its mark, then raise the mark."""
    with writing(engine) as log:
        mark.check(log)
        stored = log.publish(signer, force=force)
    with reading(engine) as log:
        mark.follow(log)
    return stored


def _progress(total: int, what: str) -> Progress:
    return Progress(
        TextColumn(f"[bold]{what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=total < 50_000 or not sys.stderr.isatty(),
    )


@ledger_app.command("key")
def key_command() -> None:
    """Print the log's verifier key: name+hex8(keyID)+base64(0x01‖public key)."""
    try:
        typer.echo(_signer(Settings()).verifier.vkey)
    except FairscreenError as error:
        fail(error)


@ledger_app.command("publish")
def publish_command(
    database_url: DatabaseUrl = None,
    force: Annotated[bool, typer.Option(help="Sign even if the size did not change.")] = False,
    every: Annotated[
        float | None,
        typer.Option(help="Keep publishing every SECONDS until interrupted (Ctrl-C)."),
    ] = None,
) -> None:
    """Integrate the pending entries, sign a checkpoint of the tree and store it (under
    the sequencer's lease); ask the configured witnesses (FAIRSCREEN_WITNESSES) to
    cosign it; print it as cosigned."""
    if every is not None and every <= 0:
        fail(InvalidInput("must be a positive number of seconds", field="every"))
    try:
        with _engine(database_url) as (engine, settings):
            signer = _signer(settings)
            try:
                peers = witness_peers(settings)
            except ValueError as exc:
                raise InvalidInput(str(exc), field="FAIRSCREEN_WITNESSES") from exc
            mark = _high_water(settings, database_url, signer)
            last_id = None
            while True:
                # Under the sequencer's lease, after integrating what is pending: never
                # beside a running sequencer, never two checkpoints at one size.
                with sequencer_lease(engine, wait=LEASE_WAIT) as held:
                    if not held:
                        raise LedgerError(
                            f"the sequencer lease stayed taken for {LEASE_WAIT:g} s "
                            "(a running sequencer publishes on its own)"
                        )
                    integrate_all(engine, lease=held)
                    stored = _publish(engine, signer, mark, force=force)
                if peers:
                    with operator_client(timeout=settings.witness_timeout) as client:
                        outcomes = cosign_latest(engine, peers, client, datetime.now(UTC))
                    for outcome in outcomes:
                        verdict = "cosigned" if outcome.cosigned else "did not cosign"
                        typer.echo(
                            f"witness {outcome.witness} {verdict}: {outcome.detail}", err=True
                        )
                    with reading(engine) as log:
                        stored = log.latest_checkpoint() or stored
                if stored.id != last_id:
                    typer.echo(stored.cosigned_note, nl=False)
                    last_id = stored.id
                if every is None:
                    return
                time.sleep(every)
    except FairscreenError as error:
        fail(error)


@ledger_app.command("integrate")
def integrate_command(
    database_url: DatabaseUrl = None,
    batch: Annotated[int, typer.Option(min=1, help="Entries per transaction.")] = DEFAULT_BATCH,
    wait: Annotated[
        float, typer.Option(min=0, help="Seconds to wait for the sequencer lease.")
    ] = LEASE_WAIT,
) -> None:
    """Integrate every pending entry into the tree now (one sequencer pass, under the
    sequencer's lease); prints how many and the log's size."""
    try:
        with _engine(database_url) as (engine, _settings):
            report = integrate(engine, batch_size=batch, wait=wait)
            if report.skipped:
                raise LedgerError(
                    f"the sequencer lease stayed taken for {wait:g} s (a running sequencer "
                    "integrates on its own)"
                )
            with reading(engine) as log:
                size = log.size()
        typer.echo(f"integrated {report.integrated} entries; the log now holds {size}")
    except FairscreenError as error:
        fail(error)


@ledger_app.command("checkpoint")
def checkpoint_command(database_url: DatabaseUrl = None) -> None:
    """Print the latest published checkpoint (a C2SP signed note)."""
    try:
        with _engine(database_url) as (engine, _), reading(engine) as log:
            latest = log.latest_checkpoint()
        if latest is None:
            raise LedgerError("no checkpoint has been published yet (fairscreen ledger publish)")
        typer.echo(latest.cosigned_note, nl=False)
    except FairscreenError as error:
        fail(error)


@ledger_app.command("append")
def append_command(
    source: Annotated[Path, typer.Argument(help="JSON lines of entries, '-' for stdin.")],
    database_url: DatabaseUrl = None,
    publish: Annotated[bool, typer.Option(help="Publish a checkpoint afterwards.")] = False,
) -> None:
    """Append entries (one JSON object per line) as one atomic batch, through the guard."""
    try:
        text = sys.stdin.read() if str(source) == "-" else source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(InvalidInput(f"cannot read {source}: {exc}", field="source"))
    encoded = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            mapping = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(InvalidInput(f"line {number} is not JSON: {exc.msg}", field="source"))
        if not isinstance(mapping, dict):
            fail(InvalidInput(f"line {number} is not a JSON object", field="source"))
        try:
            encoded.append(encode_entry(mapping))
        except FairscreenError as error:
            fail(InvalidInput(f"line {number}: {error}", field="source"))
    try:
        with _engine(database_url) as (engine, settings):
            with writing(engine) as log:
                result = log.append(encoded)
            if publish:
                signer = _signer(settings)
                _publish(engine, signer, _high_water(settings, database_url, signer))
        typer.echo(f"appended {len(encoded)} entries; the log now holds {result.size}")
    except FairscreenError as error:
        fail(error)


Witnesses = Annotated[
    list[str] | None,
    typer.Option(
        "--witness",
        help="A witness's cosigner vkey (name+hex8+base64(0x04‖key)); may be repeated. "
        "The latest checkpoint must then carry a quorum of their cosignatures.",
    ),
]
Quorum = Annotated[
    int | None,
    typer.Option("--quorum", help="How many of the --witness keys must cosign (default: all)."),
]


def _witness_keys(vkeys: list[str] | None, quorum: int | None) -> list[NoteVerifier]:
    keys = []
    for vkey in vkeys or []:
        try:
            keys.append(parse_cosigner_vkey(vkey))
        except FairscreenError as error:
            fail(InvalidInput(str(error), field="witness"))
    if quorum is not None and not 1 <= quorum <= len(keys):
        fail(InvalidInput(f"must be 1..{len(keys)} (the --witness keys given)", field="quorum"))
    return keys


@ledger_app.command("verify")
def verify_command(
    database_url: DatabaseUrl = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(help="A checkpoint you kept (signed note); may be repeated."),
    ] = None,
    ignore_high_water: Annotated[
        bool,
        typer.Option(
            "--ignore-high-water",
            help="Do not compare with the high-water mark in the data directory (checking a "
            "copy on purpose older than the live log).",
        ),
    ] = False,
    witness: Witnesses = None,
    quorum: Quorum = None,
) -> None:
    """Recompute the tree from every entry; check every tile and checkpoint, and that the
    log has not gone back behind the largest checkpoint it signed (its high-water mark)."""
    witnesses = _witness_keys(witness, quorum)
    try:
        given = [path.read_text(encoding="utf-8") for path in checkpoint or []]
    except (OSError, UnicodeDecodeError) as exc:
        fail(InvalidInput(f"cannot read a checkpoint file: {exc}", field="checkpoint"))
    try:
        with _engine(database_url) as (engine, settings), reading(engine) as log:
            signer = _signer(settings)
            verifier = signer.verifier
            rolled_back = None
            if not ignore_high_water:
                try:
                    _high_water(settings, database_url, signer).check(log)
                except LogRolledBack as error:
                    rolled_back = error
            total = log.size()
            with _progress(total, "verify") as progress:
                task = progress.add_task("verify", total=total)
                report = verify_log(
                    log.store,
                    verifier,
                    checkpoints=given,
                    progress=lambda done: progress.update(task, completed=done),
                    witnesses=witnesses,
                    quorum=quorum,
                )
    except FairscreenError as error:
        fail(error)
    if rolled_back is not None:
        report.findings.insert(0, Finding(FindingKind.ROLLED_BACK, None, str(rolled_back)))
    _print_report(report)


def _print_report(report: VerifyReport) -> None:
    for finding in report.findings:
        typer.echo(str(finding))
    if not report.ok:
        typer.echo(
            f"FAILED: {len(report.findings)} finding(s); first bad index: "
            f"{report.first_bad_index if report.first_bad_index is not None else 'n/a'}",
            err=True,
        )
        raise typer.Exit(EXIT_FINDINGS)
    signed = (
        f"matches the signed checkpoint of size {report.latest_checkpoint.size}"
        if report.latest_checkpoint is not None
        else "no checkpoint published yet: checked against the stored tiles only"
    )
    cosigned = (
        f"; cosigned by {report.cosigned_by} witness(es)" if report.cosigned_by is not None else ""
    )
    typer.echo(
        f"OK: {report.checked} entries, root {_b64(report.root)}; "
        f"{report.checkpoints_checked} checkpoint(s) checked; {signed}{cosigned}"
    )


@ledger_app.command("export")
def export_command(
    directory: Annotated[Path, typer.Argument(help="Where to write checkpoint and tile/…")],
    database_url: DatabaseUrl = None,
) -> None:
    """Write the latest checkpoint's tree as static C2SP tlog-tiles files."""
    try:
        with _engine(database_url) as (engine, _), reading(engine) as log:
            checkpoint = export_tiles(log, directory)
    except FairscreenError as error:
        fail(error)
    except OSError as exc:
        fail(InvalidInput(f"cannot write to {directory}: {exc}", field="directory"))
    typer.echo(f"exported {checkpoint.size} entries and their tiles to {directory}")


@ledger_app.command("verify-tiles")
def verify_tiles_command(
    directory: Annotated[Path, typer.Argument(help="An exported tile directory.")],
    vkey: Annotated[str, typer.Option("--vkey", help="The log's verifier key.")],
    witness: Witnesses = None,
    quorum: Quorum = None,
) -> None:
    """Verify an exported tile directory offline, with nothing but the log's vkey (and
    the witnesses' keys)."""
    witnesses = _witness_keys(witness, quorum)
    try:
        verifier = parse_vkey(vkey)
        report = verify_log(
            TileDirectoryStore(directory), verifier, witnesses=witnesses, quorum=quorum
        )
    except FairscreenError as error:
        fail(error)
    _print_report(report)


@ledger_app.command("prove")
def prove_command(
    index: Annotated[int, typer.Option("--index", help="Zero-based index of the entry.")],
    size: Annotated[
        int | None,
        typer.Option("--size", help="Tree size (default: the latest checkpoint's)."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="json, or tlog-proof (C2SP offline receipt).")
    ] = "json",
    database_url: DatabaseUrl = None,
) -> None:
    """Print the inclusion proof of one entry (RFC 9162 §2.1.3)."""
    if output_format not in ("json", "tlog-proof"):
        fail(InvalidInput("must be json or tlog-proof", field="format"))
    try:
        with _engine(database_url) as (engine, _), reading(engine) as log:
            published = log.store.read_checkpoints()
            checkpoints = {c.size: c for c in published}
            current = log.size()
            tree_size = size if size is not None else (published[-1].size if published else current)
            if tree_size > current:
                raise LedgerError(f"tree size {tree_size} exceeds the log's {current}")
            proof = log.inclusion_proof(index, tree_size)
            entry = log.entry(index)
    except FairscreenError as error:
        fail(error)
    if output_format == "tlog-proof":
        stored = checkpoints.get(tree_size)
        if stored is None:
            fail(LedgerError(f"no published checkpoint of size {tree_size} to anchor a tlog-proof"))
        typer.echo(make_tlog_proof(index, proof.proof, stored.cosigned_note), nl=False)
        return
    payload: dict[str, Any] = {
        "index": proof.index,
        "tree_size": proof.size,
        "leaf_hash": _b64(proof.leaf_hash),
        "root_hash": _b64(proof.root),
        "proof": [_b64(h) for h in proof.proof],
        "entry": entry.decode("utf-8", errors="replace"),
    }
    if tree_size in checkpoints:
        payload["checkpoint"] = checkpoints[tree_size].cosigned_note
    typer.echo(json.dumps(payload, indent=2))


@ledger_app.command("consistency")
def consistency_command(
    old: Annotated[int, typer.Option("--old", help="The older tree size.")],
    new: Annotated[
        int | None, typer.Option("--new", help="The newer tree size (default: the log's).")
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print the consistency proof between two tree sizes (RFC 9162 §2.1.4)."""
    try:
        with _engine(database_url) as (engine, _), reading(engine) as log:
            current = log.size()
            new_size = new if new is not None else current
            if new_size > current:
                raise LedgerError(f"tree size {new_size} exceeds the log's {current}")
            proof = log.consistency_proof(old, new_size)
    except FairscreenError as error:
        fail(error)
    payload = {
        "old_size": proof.old_size,
        "new_size": proof.new_size,
        "old_root": _b64(proof.old_root),
        "new_root": _b64(proof.new_root),
        "proof": [_b64(h) for h in proof.proof],
    }
    typer.echo(json.dumps(payload, indent=2))


def _replay(store: LedgerStore, audit: ComplianceAudit, as_of: datetime | None) -> list[Violation]:
    """Feed every entry of ``store`` to ``audit`` in chunks, with a progress bar."""
    total = store.read_size()
    with _progress(total, "audit") as progress:
        task = progress.add_task("audit", total=total)
        for start in range(0, total, _CHUNK):
            for index, data in store.read_entries(start, min(start + _CHUNK, total)):
                audit.add_bytes(index, data)
            progress.update(task, completed=min(start + _CHUNK, total))
    return audit.finish(as_of)


@ledger_app.command("audit")
def audit_command(
    database_url: DatabaseUrl = None,
    rulebook: Annotated[
        list[str] | None,
        typer.Option(
            "--rulebook",
            help="SHA-256 of a published rulebook; may be repeated "
            "(default: the rulebook versions shipped with fairscreen).",
        ),
    ] = None,
    rulebooks_file: Annotated[
        Path | None,
        typer.Option("--rulebooks", help="A file listing published rulebook SHA-256s."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Also flag destruction overdue at this UTC time."),
    ] = None,
    tiles: Annotated[
        Path | None,
        typer.Option("--tiles", help="Audit an exported tile directory instead of the database."),
    ] = None,
) -> None:
    """Replay the entries and list every compliance violation (index, rule)."""
    published = {d.strip().lower() for d in rulebook or []}
    if rulebooks_file is not None:
        try:
            lines = rulebooks_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            fail(InvalidInput(f"cannot read {rulebooks_file}: {exc}", field="rulebooks"))
        published |= {line.strip().lower() for line in lines if line.strip()}
    if any(not _SHA256.fullmatch(digest) for digest in published):
        fail(InvalidInput("must be SHA-256 digests (64 hex digits)", field="rulebook"))
    if not published:
        published = set(published_rulebook_digests())
    moment = None
    if as_of is not None:
        try:
            moment = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
        except ValueError:
            fail(InvalidInput("must be an ISO 8601 time", field="as-of"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    audit = ComplianceAudit(published)
    try:
        if tiles is not None:
            violations = _replay(TileDirectoryStore(tiles), audit, moment)
        else:
            with _engine(database_url) as (engine, _), reading(engine) as log:
                violations = _replay(log.store, audit, moment)
    except FairscreenError as error:
        fail(error)
    for violation in violations:
        typer.echo(str(violation))
    if violations:
        typer.echo(f"{len(violations)} violation(s) in {audit.entries_read} entries", err=True)
        raise typer.Exit(EXIT_FINDINGS)
    typer.echo(f"OK: {audit.entries_read} entries, no violations")
