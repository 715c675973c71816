"""Accounts and sign-in: tokens shown once and stored hashed, revocable, scoped to a
tenant; candidates' one-time codes (single use, few tries, short life, no personal data in
the notification); every failure the same 401."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from api.conftest import Api
from fairscreen.adapters.db import account_tables as a
from fairscreen.services.accounts import CODE_TRIES


def test_operator_issues_scoped_tokens_that_are_stored_hashed_and_revocable(api: Api) -> None:
    tenant = api.call("operator", "POST", "/v1/tenants", json={"kind": "agency", "name": "新机构"})
    assert tenant.status_code == 201
    agency_id = tenant.json()["id"]
    made = api.call(
        "operator",
        "POST",
        "/v1/accounts",
        json={"role": "agency", "label": "desk", "tenant_id": agency_id},
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]["token"]
    me = api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "agency" and me["actor_id"] == agency_id

    with api.world.svc.engine.connect() as connection:
        stored = [row.token_hash for row in connection.execute(sa.select(a.api_tokens))]
    assert token not in stored and all(len(h) == 64 for h in stored)

    # A tenant account needs a tenant of its kind; a regulator has none.
    wrong = api.call(
        "operator",
        "POST",
        "/v1/accounts",
        json={"role": "employer", "label": "x", "tenant_id": agency_id},
    )
    assert wrong.status_code == 404 and wrong.json()["field"] == "tenant_id"
    loose = api.call(
        "operator",
        "POST",
        "/v1/accounts",
        json={"role": "regulator", "label": "x", "tenant_id": agency_id},
    )
    assert loose.status_code == 422

    second = api.call("operator", "POST", f"/v1/accounts/{made.json()['account_id']}/tokens").json()
    revoked = api.call("operator", "DELETE", f"/v1/tokens/{made.json()['token']['token_id']}")
    assert revoked.status_code == 204
    gone = api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert gone.status_code == 401
    still = api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {second['token']}"})
    assert still.status_code == 200
    # Sign out revokes the token the request carries.
    out = api.client.delete(
        "/v1/auth/token", headers={"Authorization": f"Bearer {second['token']}"}
    )
    assert out.status_code == 204
    after = api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {second['token']}"})
    assert after.status_code == 401
    assert after.json() == gone.json()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_bad_credential_gets_the_same_answer(api: Api) -> None:
    answers = [
        api.client.get("/v1/auth/me", headers={"Authorization": value}).json()
        for value in ("Bearer fs_nope", "Bearer nope", "Basic abc", "Bearer " + "x" * 500)
    ]
    assert answers[0] == answers[1] == answers[3]
    assert all(a["status"] == 401 for a in answers)


def test_candidate_codes_are_single_use_short_lived_and_few_tries(api: Api) -> None:
    notifier = api.world.notifier
    candidate = api.ids["candidate"]

    # An unknown candidate: the same 202, nothing sent.
    before = len(notifier.sent)
    unknown = api.client.post("/v1/auth/candidate/code", json={"candidate_id": "sub_nobody"})
    assert unknown.status_code == 202 and len(notifier.sent) == before

    api.client.post("/v1/auth/candidate/code", json={"candidate_id": candidate})
    sent = notifier.sent[-1]
    assert sent.kind == "sign_in" and set(sent.fields) == {"code", "expires_at"}
    assert sent.recipient.startswith("subj_") and candidate not in sent.recipient
    code = sent.fields["code"]
    exchange = {"candidate_id": candidate, "code": code}
    first = api.client.post("/v1/auth/candidate/token", json=exchange)
    assert first.status_code == 200
    reuse = api.client.post("/v1/auth/candidate/token", json=exchange)
    assert reuse.status_code == 401

    # Too many wrong tries burn the code, even for the right one afterwards.
    api.client.post("/v1/auth/candidate/code", json={"candidate_id": candidate})
    code = notifier.sent[-1].fields["code"]
    wrong = "00000000" if code != "00000000" else "11111111"
    for _ in range(CODE_TRIES):
        answer = api.client.post(
            "/v1/auth/candidate/token", json={"candidate_id": candidate, "code": wrong}
        )
        assert answer.status_code == 401
    burned = api.client.post(
        "/v1/auth/candidate/token", json={"candidate_id": candidate, "code": code}
    )
    assert burned.status_code == 401

    # A code expires after 10 minutes; a candidate token after 30.
    api.client.post("/v1/auth/candidate/code", json={"candidate_id": candidate})
    code = notifier.sent[-1].fields["code"]
    api.world.clock.advance(minutes=11)
    late = api.client.post(
        "/v1/auth/candidate/token", json={"candidate_id": candidate, "code": code}
    )
    assert late.status_code == 401
    token = first.json()["token"]
    api.world.clock.advance(minutes=30)
    expired = api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401


def test_the_migration_matches_the_account_tables(api: Api) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from fairscreen.adapters.db.tables import metadata

    with api.world.svc.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    names = set(a.__dict__) & {t.name for t in metadata.sorted_tables}
    assert names >= {"accounts", "api_tokens", "sign_in_codes", "webhook_outbox"}
    assert [d for d in differences if any(n in str(d) for n in names)] == []
