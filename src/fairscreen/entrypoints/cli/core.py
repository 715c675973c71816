"""The core commands: ``evaluate``, ``demo``, ``rulebook show``, ``profiles``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the core commands to the root app."""
