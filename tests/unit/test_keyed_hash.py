"""The keyed hash that links' tokens and staff addresses are stored and looked up by
(``Services.keyed_hash``). Its values are in the database: a change to how it is computed
would orphan every stored token and index, so the values are pinned here."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace
from typing import cast

from fairscreen.services import invitations, references, staff_accounts
from fairscreen.services.context import Services

#: a synthetic pseudonym key, no deployment's
KEY = bytes(range(32))


def _services() -> Services:
    """Only what the keyed hash reads of the wiring: the pseudonym key."""
    svc = SimpleNamespace(pseudonym_key=KEY)
    svc.keyed_hash = partial(Services.keyed_hash, svc)
    return cast(Services, svc)


def test_stored_values_are_pinned() -> None:
    svc = _services()
    # the staff e-mail index is of the normalised address
    assert staff_accounts.email_index(svc, " HR.Lead@Example.TEST ") == (
        "6a085dfa1ba091a547008370b9e316788b2e13b9daeb23b581aa143677de1a2d"
    )
    assert svc.keyed_hash(references.TOKEN_PURPOSE, "tok-123") == (
        "fdbb9e3bfe1fafcb4e39637bf28aba261f1aa112d7e60fd81e5bcb3176bd9c48"
    )


def test_each_purpose_has_its_own_key() -> None:
    svc = _services()
    assert svc.keyed_hash(references.TOKEN_PURPOSE, "tok-123") != svc.keyed_hash(
        invitations.TOKEN_PURPOSE, "tok-123"
    )
