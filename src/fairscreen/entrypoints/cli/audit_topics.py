"""``fairscreen audit topics``: precision and recall of the prohibited-topic classifier."""

from __future__ import annotations

import typer


def register(audit_app: typer.Typer) -> None:
    """Add the ``topics`` command to ``audit_app`` (filled in with the classifier)."""
