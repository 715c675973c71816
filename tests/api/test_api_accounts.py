"""Accounts and sign-in: tokens shown once and stored hashed, revocable, scoped to a
tenant; candidates' one-time codes (single use, few tries, short life, no personal data in
the notification); every failure the same 401."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.conftest import Api
from fairscreen.adapters.db import account_tables as a
from fairscreen.services.accounts import CODE_TRIES, CODES_PER_HOUR


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


def _ask(api: Api, candidate: str, address: str = "testclient") -> tuple[str, str]:
    """Ask for a code as a client at ``address``: (its code session, the code sent)."""
    client = api.client if address == "testclient" else _client_at(api, address)
    answer = client.post("/v1/auth/candidate/code", json={"candidate_id": candidate})
    assert answer.status_code == 202
    return answer.json()["code_session"], api.world.notifier.sent[-1].fields["code"]


def _client_at(api: Api, address: str) -> TestClient:
    return TestClient(api.client.app, client=(address, 40000), raise_server_exceptions=False)


def _exchange(api: Api, candidate: str, session: str, code: str) -> Any:
    return api.client.post(
        "/v1/auth/candidate/token",
        json={"candidate_id": candidate, "code_session": session, "code": code},
    )


def test_candidate_codes_are_single_use_short_lived_and_few_tries(api: Api) -> None:
    notifier = api.world.notifier
    candidate = api.ids["candidate"]

    # An unknown candidate: the same 202 with a code session, nothing sent.
    before = len(notifier.sent)
    unknown = api.client.post("/v1/auth/candidate/code", json={"candidate_id": "sub_nobody"})
    assert unknown.status_code == 202 and len(notifier.sent) == before
    assert unknown.json()["code_session"].startswith("scs_")

    session, code = _ask(api, candidate)
    sent = notifier.sent[-1]
    assert sent.kind == "sign_in" and set(sent.fields) == {"code", "expires_at"}
    assert sent.recipient.startswith("subj_") and candidate not in sent.recipient
    first = _exchange(api, candidate, session, code)
    assert first.status_code == 200
    assert _exchange(api, candidate, session, code).status_code == 401  # used once

    # Too many wrong tries burn the session's code, even for the right one afterwards.
    session, code = _ask(api, candidate)
    wrong = "00000000" if code != "00000000" else "11111111"
    for _ in range(CODE_TRIES):
        assert _exchange(api, candidate, session, wrong).status_code == 401
    assert _exchange(api, candidate, session, code).status_code == 401

    # A code expires after 10 minutes; a candidate token after 30.
    session, code = _ask(api, candidate)
    api.world.clock.advance(minutes=11)
    assert _exchange(api, candidate, session, code).status_code == 401
    token = first.json()["token"]
    api.world.clock.advance(minutes=30)
    expired = api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert expired.status_code == 401


def test_a_stranger_cannot_lock_the_candidate_out(api: Api) -> None:
    """Issue 12 item 4: a stranger who knows the candidate id asks for codes and tries
    wrong ones until its allowance is spent; the candidate's own code still works, and the
    candidate can still ask for a new one."""
    candidate = api.ids["candidate"]
    session, code = _ask(api, candidate)  # the candidate's own request
    stranger = _client_at(api, "198.51.100.66")
    for _ in range(CODES_PER_HOUR + 2):
        answer = stranger.post("/v1/auth/candidate/code", json={"candidate_id": candidate})
        assert answer.status_code == 202
        theirs = answer.json()["code_session"]
        for _ in range(CODE_TRIES + 1):
            guess = stranger.post(
                "/v1/auth/candidate/token",
                json={"candidate_id": candidate, "code_session": theirs, "code": "12345678"},
            )
            assert guess.status_code == 401
        # the code the candidate received, tried in the stranger's session, is refused too
        if code != "12345678":
            assert _exchange(api, candidate, theirs, code).status_code == 401
    # The candidate's code, in the candidate's session, still works.
    assert _exchange(api, candidate, session, code).status_code == 200
    # And the candidate can still ask for the rest of their allowance this hour (the
    # fixture's sign-in and the code above spent two): the stranger spent its own.
    sent = len(api.world.notifier.sent)
    for _ in range(CODES_PER_HOUR - 2):
        session, code = _ask(api, candidate)
    assert len(api.world.notifier.sent) == sent + CODES_PER_HOUR - 2
    assert _exchange(api, candidate, session, code).status_code == 200


def test_a_code_needs_the_session_it_was_sent_for(api: Api) -> None:
    candidate = api.ids["candidate"]
    first_session, first_code = _ask(api, candidate)
    second_session, second_code = _ask(api, candidate)
    if first_code != second_code:
        assert _exchange(api, candidate, second_session, first_code).status_code == 401
    assert _exchange(api, candidate, first_session, first_code).status_code == 200
    missing = api.client.post(
        "/v1/auth/candidate/token", json={"candidate_id": candidate, "code": second_code}
    )
    assert missing.status_code == 422 and missing.json()["field"] == "code_session"
    other = api.ids["candidate_b"]
    assert _exchange(api, other, second_session, second_code).status_code == 401


def test_the_migration_matches_the_account_tables(api: Api) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from fairscreen.adapters.db.migrations import COMPARE_OPTIONS
    from fairscreen.adapters.db.tables import metadata

    with api.world.svc.engine.connect() as connection:
        differences = compare_metadata(
            MigrationContext.configure(connection, opts=COMPARE_OPTIONS), metadata
        )
    names = set(a.__dict__) & {t.name for t in metadata.sorted_tables}
    assert names >= {"accounts", "api_tokens", "sign_in_codes", "webhook_outbox"}
    assert [d for d in differences if any(n in str(d) for n in names)] == []


def test_the_operator_lists_tokens_and_disables_an_account(api: Api) -> None:
    """Issue 12 item 12: an account's tokens and sessions can be listed (never their
    secrets) and revoked, and a disabled account's every credential stops at once."""
    made = api.call(
        "operator",
        "POST",
        "/v1/accounts",
        json={"role": "agency", "label": "desk", "tenant_id": api.ids["agency"]},
    ).json()
    account_id, first = made["account_id"], made["token"]
    second = api.call("operator", "POST", f"/v1/accounts/{account_id}/tokens").json()
    listed = api.call("operator", "GET", f"/v1/accounts/{account_id}/tokens")
    assert listed.status_code == 200
    assert {t["token_id"] for t in listed.json()} == {first["token_id"], second["token_id"]}
    assert all(t["kind"] == "api" and t["revoked_at"] is None for t in listed.json())
    assert first["token"] not in listed.text and second["token"] not in listed.text
    assert api.call("employer", "GET", f"/v1/accounts/{account_id}/tokens").status_code == 403
    assert api.call("operator", "GET", "/v1/accounts/acc_nobody/tokens").status_code == 404

    def me(token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        return int(api.client.get("/v1/auth/me", headers=headers).status_code)

    assert me(first["token"]) == 200 and me(second["token"]) == 200
    assert api.call("operator", "DELETE", f"/v1/tokens/{first['token_id']}").status_code == 204
    assert me(first["token"]) == 401 and me(second["token"]) == 200
    assert api.call("operator", "DELETE", f"/v1/accounts/{account_id}").status_code == 204
    assert me(second["token"]) == 401
    after = api.call("operator", "GET", f"/v1/accounts/{account_id}/tokens").json()
    assert all(t["revoked_at"] is not None for t in after)
    accounts_page = api.call("operator", "GET", "/v1/accounts?limit=100").json()["items"]
    assert next(a for a in accounts_page if a["account_id"] == account_id)["disabled"]
    assert api.call("operator", "DELETE", f"/v1/accounts/{account_id}").status_code == 404
    issued = api.call("operator", "POST", f"/v1/accounts/{account_id}/tokens")
    assert issued.status_code == 404  # no new token for a disabled account
