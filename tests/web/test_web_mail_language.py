"""The portal remembers the language HR reads e-mail in (issue 13 item 11): a staff
member who chooses a language on the portal has it on their account, and a notification
address saved on a zh-Hant page gets its mail in zh-Hant."""

from __future__ import annotations

import sqlalchemy as sa

from fairscreen.adapters.db import account_tables as a
from fairscreen.adapters.db import case_tables as t
from fairscreen.services.release_notice import release_recipient
from web.conftest import Web


def _account_langs(web: Web) -> set[str | None]:
    with web.api.world.svc.engine.connect() as connection:
        rows = connection.execute(
            sa.select(a.accounts.c.lang).where(a.accounts.c.tenant_id == web.api.ids["employer"])
        )
        return {row.lang for row in rows}


def test_choosing_a_language_on_the_portal_sets_the_accounts_mail_language(web: Web) -> None:
    web.get("employer", "/employer")
    assert _account_langs(web) == {None}  # no choice made: nothing stored
    assert web.get("employer", "/employer?lang=zh-Hant").status_code == 200
    assert _account_langs(web) == {"zh-Hant"}
    web.get("employer", "/employer?lang=xx")  # not a language: ignored, nothing changes
    assert _account_langs(web) == {"zh-Hant"}
    web.get("employer", "/employer?lang=en")
    assert _account_langs(web) == {"en"}


def test_a_notification_address_saved_on_a_zh_hant_page_is_written_to_in_zh_hant(
    web: Web,
) -> None:
    answer = web.post(
        "employer", "/employer/notification-email?lang=zh-Hant", {"notify_email": "hr@example.test"}
    )
    assert answer.status_code == 303
    with web.api.world.svc.engine.connect() as connection:
        langs = connection.execute(sa.select(t.employer_settings.c.notify_lang)).scalars().all()
    assert langs == ["zh-Hant"]
    # the release e-mail goes there, in that language (the employer has no staff account)
    with web.api.world.svc.reader() as uow:
        assert release_recipient(uow, web.api.ids["employer"]) == ("hr@example.test", "zh-Hant")


def test_an_administrator_signed_up_in_zh_hant_is_written_to_in_zh_hant(web: Web) -> None:
    from web.test_web_staff import _sign_up

    _sign_up(web, "hant-admin@example.test", "zh-Hant")
    with web.api.world.svc.engine.connect() as connection:
        langs = connection.execute(
            sa.select(a.accounts.c.lang).where(a.accounts.c.email_ct.is_not(None))
        ).scalars()
        assert list(langs) == ["zh-Hant"]
