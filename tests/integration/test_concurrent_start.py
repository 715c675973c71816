"""Processes started together on nothing (issue 16 item 3): the ``file`` key provider's
first master key and the first migration of an empty database are made once, whoever
gets there first, and every process ends with the same result instead of an error or a
key of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def _start_together(
    script: str, count: int, tmp_path: Path
) -> list[subprocess.CompletedProcess[str]]:
    """Run ``count`` copies of ``script`` that wait, once imported, for one go signal
    (a file appearing), so their first steps really overlap."""
    go = tmp_path / "go"
    prelude = textwrap.dedent(
        f"""
        import os, time
        while not os.path.exists({str(go)!r}):
            time.sleep(0.002)
        """
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", prelude + textwrap.dedent(script)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,  # whatever they make lands here, not in the checkout
            env={
                **os.environ,
                "PYTHONPATH": str(SRC),
                "FAIRSCREEN_DATA_DIR": str(tmp_path / "var"),
            },
        )
        for _ in range(count)
    ]
    time.sleep(1.5)  # let every interpreter start and reach the wait
    go.touch()
    results = []
    for child in children:
        out, err = child.communicate(timeout=120)
        results.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return results


def test_thirty_first_starts_end_with_one_master_key(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    script = f"""
        import base64
        from pathlib import Path
        from fairscreen.adapters.keys_provider import FileKeyProvider
        provider = FileKeyProvider(Path({str(keys)!r}))
        blob = provider.wrap(provider.current_key_id(), b"k" * 32, context=b"ctx")
        print(provider.current_key_id(), base64.b64encode(blob).decode())
        """
    results = _start_together(script, 30, tmp_path)
    assert [r.returncode for r in results] == [0] * 30, [r.stderr[-300:] for r in results]
    lines = [r.stdout.split() for r in results]
    assert len({key_id for key_id, _ in lines}) == 1
    assert len(list((keys / "master").glob("*.key"))) == 1
    assert not list((keys / "master").glob(".*.tmp"))
    # and what any of them wrapped, a fresh process unwraps with the one key on disk
    from fairscreen.adapters.keys_provider import FileKeyProvider

    later = FileKeyProvider(keys)
    for key_id, blob in lines:
        import base64

        assert later.unwrap(key_id, base64.b64decode(blob), context=b"ctx") == b"k" * 32


def test_three_processes_migrating_an_empty_database_all_succeed(
    database_url: str, tmp_path: Path
) -> None:
    """Each runs ``fairscreen db upgrade`` (the migrations, the key store, the schema
    check) on the same empty database (a PostgreSQL schema, a SQLite file) at once."""
    script = f"""
        import sys
        from fairscreen.entrypoints.cli import main
        sys.argv = ["fairscreen", "db", "upgrade", "--database-url", {database_url!r}]
        main()
        """
    results = _start_together(script, 3, tmp_path)
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-500:] for r in results]
    assert all("database is at revision head" in r.stdout for r in results)
