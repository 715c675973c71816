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
