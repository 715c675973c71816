"""The candidate's invitation over the API (issue 13 item 2): ``GET`` and ``POST
/v1/cases/{id}/invitation``. A case ordered over the API gets its first link by giving
a contact; a message the SMS gateway refuses is a ``201`` saying ``sent: false`` with
its ``reason_key`` (the link exists and may be sent again), not a ``503``; after the
candidate signs, a resend is a ``409``; the answer never carries the number."""

from __future__ import annotations

import re

from api.conftest import Api, order_over_api, sign_over_api
from fairscreen.adapters.messages import Messenger
from fairscreen.services import invitations
from integration.service_fixtures import refusing_sms_gateway


def test_an_invitation_is_sent_refused_and_sent_again_over_the_api(api: Api) -> None:
    case_id = order_over_api(api)
    path = f"/v1/cases/{case_id}/invitation"
    assert api.call("employer", "GET", path).json() is None  # ordered without a contact
    empty = api.call("employer", "POST", path)
    assert empty.status_code == 422 and empty.json()["field"] == "contact"

    outbox = api.world.svc.messenger
    assert outbox.outbox is not None
    refusing = refusing_sms_gateway()
    api.world.svc.messenger = Messenger(sms=refusing, mail=outbox.mail, outbox=outbox.outbox)
    failed = api.call("employer", "POST", path, json={"contact": "139 0013 9007"})
    assert failed.status_code == 201, failed.text
    assert failed.json() | {"at": None} == {
        "channel": "mobile",
        "destination": "9007",
        "at": None,
        "sent": False,
        "reason_key": invitations.FAILED_SMS,
        "left_today": invitations.INVITATIONS_PER_DAY - 1,
    }
    assert "13900139007" not in failed.text

    api.world.svc.messenger = outbox
    sent = api.call("employer", "POST", path, json={"lang": "en"})
    assert sent.status_code == 201 and sent.json()["sent"] is True
    assert sent.json()["reason_key"] is None
    assert api.call("employer", "GET", path).json() == sent.json()
    [message] = [m for m in outbox.outbox.messages if m.kind == "invitation"]
    assert message.to == "+8613900139007" and "invites you" in message.body
    assert re.search(r"/candidate/invitation/[A-Za-z0-9_-]{20,}", message.body)

    sign_over_api(api, case_id)
    signed = api.call("employer", "POST", path)
    assert signed.status_code == 409
    assert signed.json()["key"] == "transition.invitation_only_before_signing"
    for who in ("candidate", "agency"):
        assert api.call(who, "POST", path).status_code in (403, 404)


def test_an_order_with_an_invitation_answers_whether_it_went_out(api: Api) -> None:
    outbox = api.world.svc.messenger
    assert outbox.outbox is not None
    order = {
        "subject_id": api.ids["candidate"],
        "profile_id": api.ids["profile"],
        "requested": ["identity", "education"],
        "agency_id": api.ids["agency"],
        "invitation": {"name": "测试辛", "contact": "139 0013 9012", "lang": "zh-Hant"},
        "confirm_duplicate": True,  # one candidate ordered again, knowingly
    }
    api.world.svc.messenger = Messenger(
        sms=refusing_sms_gateway(), mail=outbox.mail, outbox=outbox.outbox
    )
    refused = api.call("employer", "POST", "/v1/cases", json=order)
    assert refused.status_code == 201, refused.text  # the order stands: no 503
    case_id = refused.json()["id"]
    assert refused.json()["invitation"] | {"at": None} == {
        "channel": "mobile",
        "destination": "9012",
        "at": None,
        "sent": False,
        "reason_key": invitations.FAILED_SMS,
        "left_today": invitations.INVITATIONS_PER_DAY - 1,
    }
    assert "13900139012" not in refused.text and "测试辛" not in refused.text
    listed = api.call("employer", "GET", "/v1/cases?limit=100").json()["items"]
    assert [c["case_id"] for c in listed].count(case_id) == 1

    api.world.svc.messenger = outbox
    sent = api.call("employer", "POST", "/v1/cases", json=order)
    assert sent.status_code == 201 and sent.json()["invitation"]["sent"] is True
    [message] = [m for m in outbox.outbox.messages if m.kind == "invitation"]
    assert message.to == "+8613900139012" and "透過 fairscreen 邀請您" in message.body

    plain = api.call("employer", "POST", "/v1/cases", json=order | {"invitation": None})
    assert plain.status_code == 201 and plain.json()["invitation"] is None
    bad = api.call(
        "employer",
        "POST",
        "/v1/cases",
        json=order | {"invitation": {"name": "测试辛", "contact": "12800138000"}},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "contact"
    assert "12800138000" not in bad.text
