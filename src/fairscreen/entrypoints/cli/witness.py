"""``fairscreen witness …``: run a C2SP tlog-witness for the log (docs/ledger.md).

A regulator runs it on a machine of its own; it needs nothing of the log but the log's
verifier key, and keeps its key and state in its own data directory.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from fairscreen.domain.errors import FairscreenError, InvalidInput
from fairscreen.entrypoints.cli.exits import fail

witness_app = typer.Typer(help="A witness that cosigns the log's checkpoints (C2SP).")

DataDir = Annotated[
    Path,
    typer.Option("--data-dir", help="The witness's own directory: its key and its state."),
]
Name = Annotated[
    str | None,
    typer.Option(
        "--name",
        help="The witness's name, e.g. witness.regulator.example/w1 "
        "(needed the first time, to make its key).",
    ),
]


@witness_app.command("key")
def key_command(data_dir: DataDir, name: Name = None) -> None:
    """Print the witness's verifier key (made on first use): name+hex8+base64(0x04‖key)."""
    from fairscreen.adapters.witness_store import load_cosigner

    try:
        typer.echo(load_cosigner(data_dir, name).verifier.vkey)
    except FairscreenError as error:
        fail(error)


@witness_app.command("serve")
def serve_command(
    data_dir: DataDir,
    log: Annotated[
        list[str],
        typer.Option("--log", help="The verifier key of a log to witness; may be repeated."),
    ],
    name: Name = None,
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="port")] = 7380,
) -> None:
    """Serve POST /add-checkpoint (C2SP tlog-witness) for the logs given by --log."""
    import uvicorn

    from fairscreen.adapters.witness_store import SqliteWitnessState, load_cosigner
    from fairscreen.entrypoints.witness_app import create_witness_app
    from fairscreen.ledger.note import NoteVerifier, parse_vkey
    from fairscreen.ledger.witness import Witness

    try:
        logs: dict[str, list[NoteVerifier]] = {}
        for vkey in log:
            try:
                verifier = parse_vkey(vkey)
            except FairscreenError as error:
                raise InvalidInput(str(error), field="log") from error
            logs.setdefault(verifier.name, []).append(verifier)
        cosigner = load_cosigner(data_dir, name)
        witness = Witness(
            cosigner=cosigner,
            logs=logs,
            state=SqliteWitnessState(data_dir),
            clock=lambda: int(time.time()),
        )
    except FairscreenError as error:
        fail(error)
    typer.echo(f"witness {cosigner.verifier.vkey} on http://{host}:{port}/add-checkpoint")
    uvicorn.run(create_witness_app(witness), host=host, port=port, log_level="warning")
