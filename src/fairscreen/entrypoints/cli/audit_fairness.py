"""``fairscreen audit fairness``: disparity metrics on any CSV (PRODUCT.md §7)."""

from __future__ import annotations

import typer


def register(audit_app: typer.Typer) -> None:
    """Add the ``fairness`` command to ``audit_app`` (filled in with the audit)."""
