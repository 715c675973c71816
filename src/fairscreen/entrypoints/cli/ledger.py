"""``fairscreen ledger …``: the evidence ledger (PRODUCT.md §6)."""

from __future__ import annotations

import typer

ledger_app = typer.Typer(help="The evidence ledger: checkpoints, proofs, verify, audit.")
