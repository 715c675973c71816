"""No free text sits in plaintext (issue 12 item 7, PRODUCT.md P5): an employer's purpose
holding a name and an ID number lay in ``cases.purpose`` and ``authorizations.purpose``
and outlived the case. Every text column of the schema is either encrypted (a ``*_ct``
binary column) or on the short list below, each with the reason it holds nothing
personal; a new text column fails here until someone decides which it is."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from service_fixtures import World, make_world, order, sign

from fairscreen.adapters.db import account_tables, case_tables, selfid_tables  # noqa: F401
from fairscreen.adapters.db.migrations import upgrade
from fairscreen.adapters.db.tables import metadata
from fairscreen.services.authorization import authorization_notice
from fairscreen.services.investigation import run_investigation
from fairscreen.services.retention import purge, request_deletion

#: What a plaintext text column may hold: ids and pseudonyms (random or keyed hashes),
#: hashes, fixed vocabularies, and documents the code writes from those alone.
NOT_PERSONAL = {
    "ids, pseudonyms and keyed hashes": {
        "certificates.id",
        "certificates.case_pseudonym",
        "certificates.subject_pseudonym",
        "event_payloads.digest",
        "event_payloads.case_pseudonym",
        "tenants.id",
        "tenants.pseudonym",
        "accounts.id",
        "accounts.tenant_id",
        "role_profiles.id",
        "role_profiles.employer_id",
        "subjects.id",
        "subjects.pseudonym",
        "subjects.employer_id",
        "subjects.lookup",
        "webhook_endpoints.id",
        "webhook_endpoints.employer_id",
        "api_tokens.id",
        "api_tokens.token_hash",
        "api_tokens.account_id",
        "api_tokens.subject_id",
        "cases.id",
        "cases.pseudonym",
        "cases.employer_id",
        "cases.agency_id",
        "cases.subject_id",
        "cases.profile_id",
        "self_identifications.subject_id",
        "sign_in_codes.id",
        "sign_in_codes.subject_id",
        "sign_in_codes.code_hash",
        "reference_invitations.id",
        "reference_invitations.case_id",
        "reference_invitations.token_hash",
        "candidate_invitations.id",
        "candidate_invitations.case_id",
        "candidate_invitations.token_hash",
        "employer_settings.tenant_id",
        "reference_invitations.person_id",
        "sign_in_codes.session_hash",
        "sign_in_codes.requester",
        "webhook_outbox.id",
        "webhook_outbox.endpoint_id",
        "authorizations.case_id",
        "authorizations.text_sha256",
        "authorizations.receipt_id",
        "decisions.case_id",
        "disputes.id",
        "disputes.case_id",
        "disputes.finding_id",
        "evidence_files.id",
        "evidence_files.case_id",
        "evidence_files.dispute_id",
        "supplements.id",
        "supplements.case_id",
        "supplements.finding_id",
        "evidence_chunks.file_id",
        "notices.id",
        "notices.case_id",
        "records.case_id",
        "records.record_id",
        "reports.case_id",
        "reports.rulebook_sha256",
        "wrapped_keys.owner",
        "wrapped_keys.key_id",
        "wrapped_keys.wrapped_by",
        "wrapped_keys.subject",
        # staff accounts (issue 13 item 3): the e-mail's keyed blind index (HMAC under a
        # key derived from the pseudonym key), the argon2id hash of the password, and
        # the invitation's ids and the SHA-256 of its link's token
        "accounts.email_index",
        "accounts.password_hash",
        "staff_invitations.id",
        "staff_invitations.tenant_id",
        "staff_invitations.invited_by",
        "staff_invitations.account_id",
        "staff_invitations.email_index",
        "staff_invitations.token_hash",
    },
    "fixed vocabularies (kinds, roles, states, lights, outcomes, categories, languages)": {
        "tenants.kind",
        "wrapped_keys.kind",
        "accounts.role",
        "api_tokens.role",
        "api_tokens.kind",
        "staff_invitations.role",
        "role_profiles.tier",
        "cases.tier",
        "cases.state",
        "cases.requested",
        "cases.light",
        "cases.outcome",
        "cases.hold_logged",
        "authorizations.lang",
        "reference_invitations.lang",
        "accounts.lang",
        "employer_settings.notify_lang",
        "candidate_invitations.failure",
        "authorizations.categories",
        "authorizations.sensitive",
        "decisions.outcome",
        "disputes.outcome",
        "evidence_files.content_type",
        "evidence_files.check_status",
        "evidence_files.check_reason",
        "supplements.category",
        "supplements.outcome",
        "notices.kind",
        "records.category",
        "records.status",
        "reports.rulebook_version",
        "fairness_snapshots.quarter",
    },
    "documents written from ids and codes only": {
        "certificates.body",
        "event_payloads.body",
        "fairness_snapshots.scope",
        "fairness_snapshots.body",
        "ledger_checkpoints.note",
        "webhook_outbox.body",
    },
    "the log's checkpoints' cosignatures: a witness's name and signature line": {
        "ledger_cosignatures.cosigner",
        "ledger_cosignatures.line",
    },
    "the organisations' own settings, about no candidate": {
        "tenants.name",
        "accounts.label",
        "api_tokens.label",  # what an integration's token is for, chosen by its maker
        "webhook_endpoints.url",
        "role_profiles.role_id",
        "role_profiles.body",
    },
}
#: Plaintext from before revision 0010, sealed into ``purpose_ct`` at start-up: must
#: hold nothing once the service has started.
LEGACY_EMPTY = {"cases.purpose", "authorizations.purpose"}


def text_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String | sa.Text)
    }


def test_every_text_column_is_encrypted_or_known_not_personal() -> None:
    known = set().union(*NOT_PERSONAL.values()) | LEGACY_EMPTY
    unclassified = sorted(text_columns() - known)
    assert unclassified == [], (
        f"decide: encrypt (a *_ct column) or list with a reason: {unclassified}"
    )
    assert sorted(known - text_columns()) == []  # the list names no column that is gone


@pytest.fixture
def world(sqlite_url: str, tmp_path: Path) -> World:
    return make_world(sqlite_url, tmp_path)


SECRET_PURPOSE = "核实王示例（身份证 999999199001011234）的任职情况"


def test_a_purpose_naming_someone_is_encrypted_and_destroyed_with_the_case(
    world: World, sqlite_url: str
) -> None:
    case_id = order(world, purpose=SECRET_PURPOSE)
    notice = authorization_notice(world.svc, world.candidate, case_id, "zh-Hans")
    assert SECRET_PURPOSE in notice.text  # the candidate reads it, decrypted
    sign(world, case_id)
    run_investigation(world.svc, world.agency, case_id)
    database = Path(sa.make_url(sqlite_url).database or "")
    with world.svc.engine.connect() as connection:
        for name in LEGACY_EMPTY:
            table, column = name.split(".")
            assert connection.execute(sa.text(f"SELECT {column} FROM {table}")).scalars().all() in (
                [None],
                [],
            )
    raw = b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))
    assert b"999999199001011234" not in raw and "王示例".encode() not in raw

    request_deletion(world.svc, world.candidate)
    world.clock.advance(days=16)
    assert purge(world.svc).destroyed == (case_id,)
    with world.svc.engine.connect() as connection:
        left = connection.execute(
            sa.select(case_tables.cases.c.purpose_ct, case_tables.cases.c.purpose)
        ).one()
    assert tuple(left) == (None, None)


def test_a_database_from_before_is_sealed_when_the_service_starts(
    tmp_path: Path, sqlite_url: str
) -> None:
    """A purpose written in plaintext before revision 0010 is encrypted, and emptied,
    the first time the service starts on the upgraded database."""
    world = make_world(sqlite_url, tmp_path)
    case_id = order(world, purpose=SECRET_PURPOSE)
    database = sa.make_url(sqlite_url).database or ""
    with sqlite3.connect(database) as connection:  # as an old release stored it
        connection.execute(
            "UPDATE cases SET purpose = ?, purpose_ct = NULL WHERE id = ?",
            (SECRET_PURPOSE, case_id),
        )
    upgrade(sqlite_url)
    again = make_world(sqlite_url, tmp_path)  # the service starts
    with sqlite3.connect(database) as connection:
        plaintext = connection.execute("SELECT purpose FROM cases").fetchall()
    assert {row[0] for row in plaintext} == {None}
    notice = authorization_notice(again.svc, world.candidate, case_id, "zh-Hans")
    assert SECRET_PURPOSE in notice.text
