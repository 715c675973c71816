"""Go's own checksum-database client reads the log over HTTP (issue 14): the checkpoint
with ``golang.org/x/mod/sumdb/note`` (a witness's cosignature beside the log's signature
is ignored, as an unknown key), the tiles through ``tlog.TileHashReader`` over the C2SP
paths, every entry's bundle (gzip-compressed: Go's transport asks for it) against its
leaf, every inclusion proof, and consistency with an older checkpoint.

The client is ``tests/go/tlogclient``, built from Debian's ``golang-go`` and
``golang-golang-x-mod-dev`` (GOPATH mode, nothing downloaded); without them the test
skips, unless ``FAIRSCREEN_REQUIRE_GO`` is set."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.conftest import Api, released_case
from fairscreen.adapters.db.ledger_store import append_batch, writing
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.api.scheduler import tick
from fairscreen.ledger.cosignature import cosign, generate_cosigner
from fairscreen.ledger.entries import encode_entry
from ledger.ledger_factories import at, entry
from local_http import serve_asgi

CLIENT = Path(__file__).resolve().parent.parent / "go" / "tlogclient"
GOPATH = Path("/usr/share/gocode")


@pytest.fixture(scope="module")
def go_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None or not (GOPATH / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        reason = (
            "go and golang.org/x/mod missing (apt-get install golang-go golang-golang-x-mod-dev)"
        )
        if os.environ.get("FAIRSCREEN_REQUIRE_GO"):
            pytest.fail(reason)
        pytest.skip(reason)
    binary = tmp_path_factory.mktemp("go") / "tlogclient"
    environment = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(binary.parent / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run([go, "build", "-o", str(binary), "."], cwd=CLIENT, env=environment, check=True)
    return binary


@pytest.fixture
def served(api: Api) -> Iterator[str]:
    """The app on a loopback port, as a client on the internet would meet it."""
    with serve_asgi(create_app(api.world.svc)) as url:
        yield url


def _grow(api: Api, count: int, offset: int) -> None:
    rows = [
        encode_entry(entry("source.queried", when=at(1, offset + i), category="education"))
        for i in range(count)
    ]
    append_batch(api.world.svc.engine, rows)
    assert tick(api.world.svc).failed_steps == ()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_gos_sumdb_client_reads_the_log(
    api: Api, served: str, go_client: Path, tmp_path: Path
) -> None:
    released_case(api)
    _grow(api, 300, 0)  # past a full tile: full, partial and level-1 tiles
    old = tmp_path / "old-checkpoint"
    old.write_text(httpx.get(f"{served}/checkpoint").text)
    _grow(api, 40, 300)
    svc = api.world.svc
    with writing(svc.engine) as log:  # a witness's cosignature on the latest checkpoint
        latest = log.latest_checkpoint()
        assert latest is not None
        text = latest.note.split("\n\n")[0] + "\n"
        line = cosign(text, generate_cosigner("witness.test/w1"), 1_764_000_000)
        log.store.add_cosignature(latest.id, line, svc.now())
    served_note = httpx.get(f"{served}/checkpoint").text
    assert served_note.count("\u2014 ") == 2
    bundle = httpx.get(f"{served}/tile/entries/000", headers={"Accept-Encoding": "gzip"})
    assert bundle.headers["content-encoding"] == "gzip"

    result = subprocess.run(
        [str(go_client), served, svc.signer.verifier.vkey, str(old)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {latest.size} entries"
