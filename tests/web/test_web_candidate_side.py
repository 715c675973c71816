"""The candidate's side after the usability walk: the development outbox tells the
service's time in the portal's time zone; the candidate page after the final decision
shows the pre-adverse notice as history; a document is offered only once it exists; the
invitation's page opens in the invitation's language, and a zh-TW / zh-HK / zh-Hant
browser gets zh-Hant on a first visit."""

from __future__ import annotations

import dataclasses
from typing import Any

from web.conftest import Web
from web.test_web_invitations import _order


def _outbox(web: Web) -> Any:
    outbox = web.api.world.svc.messenger.outbox
    assert outbox is not None
    return outbox


def test_the_outbox_stamps_messages_with_the_services_clock(web: Web) -> None:
    svc = web.api.world.svc
    web.api.world.clock.advance(days=400, hours=3, minutes=7)  # far from the wall clock
    ordered = _order(web, "zh-Hans")
    assert ordered.status_code == 303
    case_id = ordered.headers["location"].split("/")[-1].split("?")[0]
    [message] = _outbox(web).messages
    assert message.sent_at == svc.now()
    svc.config = dataclasses.replace(svc.config, demo=True)
    shown = web.get("anonymous", "/dev/outbox").text
    local = svc.now().astimezone(svc.config.zone).strftime("%Y-%m-%d %H:%M")
    assert local in shown
    # the employer's case page gives the same time for the invitation
    assert local in web.get("employer", f"/employer/cases/{case_id}").text
