"""``fairscreen audit …``: measurements a regulator or an engineer can rerun.

Each audit lives in its own module and registers itself on ``audit_app``.
"""

from __future__ import annotations

import typer

from fairscreen.entrypoints.cli import audit_fairness, audit_topics

audit_app = typer.Typer(help="Audits: the topic classifier, fairness of outcomes.")
audit_topics.register(audit_app)
audit_fairness.register(audit_app)
