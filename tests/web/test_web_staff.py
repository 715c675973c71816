"""Staff accounts and the first set-up on the portals (issue 13 items 3 and 13), in
zh-Hans, en and zh-Hant: sign-up, sign-in with a password and a TOTP code, sign-out that
ends the session on the server, invitations, the API tokens page, and the role page whose
templates come first and whose refusals keep what was typed, with the error beside the
field."""

from __future__ import annotations

import html
import re
from typing import Any

import pyotp
import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from api.conftest import many_sign_ins
from fairscreen.domain.bilingual import LANGUAGES
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.web.i18n import Translator, service_errors
from web.conftest import Web, csrf_of

PASSWORD = "保安公司 hr 的长密码"
_CSRF = re.compile(r'name="csrf" value="[^"]+"')


def _esc(text: str) -> str:
    """A text as the templates escape it (Jinja2's autoescape)."""
    return str(escape(text))


def _browser(web: Web) -> TestClient:
    client = TestClient(
        create_app(web.api.world.svc, sign_in_limiter=many_sign_ins()),
        raise_server_exceptions=True,
        follow_redirects=False,
    )
    client.get("/")
    return client


def _post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    token = csrf_of(client.get("/sign-in").text)
    return client.post(path, data={"csrf": token, **data})


def _sign_up(web: Web, email: str = "hr@example.test", lang: str = "zh-Hans") -> TestClient:
    client = _browser(web)
    client.get(f"/?lang={lang}")
    answer = _post(
        client,
        "/sign-up",
        {"organisation": "示例保安服务有限公司", "email": email, "password": PASSWORD},
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/employer/setup?done=signed_up"
    return client


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sign_up_leads_to_the_set_up_in_each_language(web: Web, lang: str) -> None:
    t = Translator(lang)
    client = _browser(web)
    form = client.get(f"/sign-up?lang={lang}")
    assert form.status_code == 200 and t("staff.signup_title") in form.text
    client = _sign_up(web, f"hr-{lang.lower()}@example.test", lang)
    page = client.get("/employer/setup?done=signed_up")
    assert page.status_code == 200
    for key in ("setup.title", "setup.step_profiles", "setup.step_order", "done.signed_up"):
        assert _esc(t(key)) in page.text, key
    assert "示例保安服务有限公司" in page.text
    assert "岗位画像" not in page.text and "崗位畫像" not in page.text
    for path, key in (
        ("/account", "staff.account_title"),
        ("/account/two-step", "staff.two_step_intro"),
        ("/account/colleagues", "staff.invite_h"),
        ("/account/api-tokens", "staff.api_intro"),
    ):
        shown = client.get(path)
        assert shown.status_code == 200 and _esc(t(key)) in shown.text, path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_refused_sign_up_keeps_what_was_typed_and_says_why_beside_the_field(
    web: Web, lang: str
) -> None:
    client = _browser(web)
    client.get(f"/?lang={lang}")
    answer = _post(
        client,
        "/sign-up",
        {"organisation": "某某物业公司", "email": "typed@example.test", "password": "short"},
    )
    assert answer.status_code == 422
    page = answer.text
    assert 'value="某某物业公司"' in page and 'value="typed@example.test"' in page
    assert "short" not in page  # never the password
    expected = service_errors()["input.password_low_high_characters"][lang].format(low=10, high=128)
    assert _esc(expected) in page
    field = re.search(r'<input type="password" id="password"[^>]*>', page)
    assert field and 'aria-invalid="true"' in field.group(0) and "password-error" in field.group(0)
    # the address already taken: the error sits at the e-mail field
    _sign_up(web, "taken@example.test")
    taken = _post(
        client,
        "/sign-up",
        {"organisation": "X", "email": "TAKEN@example.test", "password": PASSWORD},
    )
    assert taken.status_code == 422 and 'id="email-error"' in taken.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_failed_sign_in_never_says_which_was_wrong(web: Web, lang: str) -> None:
    _sign_up(web)
    client = _browser(web)
    client.get(f"/?lang={lang}")
    wrong_password = _post(
        client, "/sign-in/password", {"email": "hr@example.test", "password": "x" * 12}
    )
    wrong_address = _post(
        client, "/sign-in/password", {"email": "nobody@example.test", "password": PASSWORD}
    )
    assert wrong_password.status_code == wrong_address.status_code == 401
    text = _esc(Translator(lang)("staff.signin_failed"))
    assert text in wrong_password.text and text in wrong_address.text

    def scrub(page: str) -> str:
        return _CSRF.sub("", page).replace("hr@example.test", "").replace("nobody@example.test", "")

    assert scrub(wrong_password.text) == scrub(wrong_address.text)


def _secret(page: str) -> str:
    found = re.search(r'<code id="totp-secret" class="secret">([A-Z2-7 ]+)</code>', page)
    assert found, "no secret on the page"
    return found.group(1).replace(" ", "")


def test_two_step_sign_in_and_sign_out_through_the_pages(web: Web) -> None:
    clock = web.api.world.clock
    client = _sign_up(web)
    assert _post(client, "/account/two-step", {}).status_code == 303
    page = client.get("/account/two-step").text
    assert 'src="data:image/svg+xml' in page  # the QR code, no image library, CSP-safe
    totp = pyotp.TOTP(_secret(page))
    refused = _post(client, "/account/two-step/confirmation", {"code": "12"})
    assert refused.status_code == 422 and 'id="code-error"' in refused.text
    done = _post(client, "/account/two-step/confirmation", {"code": totp.at(clock.now)})
    assert done.headers["location"] == "/account?done=two_step_on"

    # sign-out ends the session on the server: the old cookie is worth nothing after
    old_cookie = client.cookies.get("fs_session")
    assert _post(client, "/sign-out", {}).status_code == 303
    thief = _browser(web)
    thief.cookies.set("fs_session", str(old_cookie))
    assert thief.get("/employer").status_code == 303

    clock.advance(seconds=60)
    step = _post(client, "/sign-in/password", {"email": "hr@example.test", "password": PASSWORD})
    assert step.status_code == 200 and 'name="challenge"' in step.text
    challenge = re.search(r'name="challenge" value="([^"]+)"', step.text)
    assert challenge
    wrong = _post(client, "/sign-in/two-step", {"challenge": challenge.group(1), "code": "000000"})
    assert wrong.status_code == 401
    right = _post(
        client,
        "/sign-in/two-step",
        {"challenge": html.unescape(challenge.group(1)), "code": totp.at(clock.now)},
    )
    assert right.status_code == 303 and right.headers["location"] == "/employer"
    assert client.get("/employer").status_code == 200


def test_inviting_a_colleague_through_the_pages(web: Web) -> None:
    admin = _sign_up(web)
    bad = _post(admin, "/account/colleagues/invitations", {"email": "not an address"})
    assert bad.status_code == 422 and 'value="not an address"' in bad.text
    sent = _post(admin, "/account/colleagues/invitations", {"email": "colleague@example.test"})
    link = re.search(r'<code id="invitation-link">([^<]+)</code>', sent.text)
    assert sent.status_code == 200 and link
    path = "/" + link.group(1).split("/", 3)[3]

    invitee = _browser(web)
    shown = invitee.get(path)
    assert shown.status_code == 200 and "colleague@example.test" in shown.text
    too_short = _post(invitee, path, {"password": "short"})
    assert too_short.status_code == 422 and 'id="password-error"' in too_short.text
    joined = _post(invitee, path, {"password": "colleague's own long password"})
    assert joined.status_code == 303 and joined.headers["location"] == "/employer?done=joined"
    assert invitee.get("/employer").status_code == 200
    not_admin = invitee.get("/account/colleagues")
    assert not_admin.status_code == 200 and 'id="not-admin"' in not_admin.text
    assert (
        _post(invitee, "/account/colleagues/invitations", {"email": "x@example.test"}).status_code
        == 403
    )
    used = _browser(web).get(path)
    assert used.status_code == 404 and 'id="invitation-invalid"' in used.text

    listing = admin.get("/account/colleagues").text
    assert "colleague@example.test" in listing
    account_id = re.search(r'name="account_id" value="([^"]+)"', listing)
    assert account_id
    removed = _post(admin, "/account/colleagues/removal", {"account_id": account_id.group(1)})
    assert removed.headers["location"] == "/account/colleagues?done=colleague_removed"
    assert invitee.get("/employer").status_code == 303  # signed out at once

    second = _post(admin, "/account/colleagues/invitations", {"email": "second@example.test"})
    assert second.status_code == 200, second.text[-3000:]
    listing = admin.get("/account/colleagues").text
    invitation_id = re.search(r'name="invitation_id" value="([^"]+)"', listing)
    assert invitation_id
    _post(
        admin,
        "/account/colleagues/invitations/revocation",
        {"invitation_id": invitation_id.group(1)},
    )
    assert "second@example.test" not in admin.get("/account/colleagues").text


def test_another_organisation_cannot_remove_a_colleague_through_the_pages(web: Web) -> None:
    admin = _sign_up(web)
    sent = _post(admin, "/account/colleagues/invitations", {"email": "colleague@example.test"})
    link = re.search(r'<code id="invitation-link">([^<]+)</code>', sent.text)
    assert link
    invitee = _browser(web)
    path = "/" + link.group(1).split("/", 3)[3]
    assert _post(invitee, path, {"password": "colleague's own long password"}).status_code == 303
    listing = admin.get("/account/colleagues").text
    ids = re.findall(r'name="account_id" value="([^"]+)"', listing)
    assert ids

    stranger = _sign_up(web, email="hr@other.example.test")
    theirs = stranger.get("/account/colleagues").text
    assert "colleague@example.test" not in theirs and not set(ids) & set(
        re.findall(r'name="account_id" value="([^"]+)"', theirs)
    )
    for account_id in ids:
        refused = _post(stranger, "/account/colleagues/removal", {"account_id": account_id})
        assert refused.status_code == 404 and "colleague@example.test" not in refused.text
    assert invitee.get("/employer").status_code == 200  # still signed in
    assert admin.get("/account/colleagues").text.count('name="account_id"') == len(ids)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_invalid_invitation_link_says_so_in_each_language(web: Web, lang: str) -> None:
    page = _browser(web).get(f"/invitations/fsi_{'u' * 43}?lang={lang}")
    assert page.status_code == 404
    text = service_errors()["not_found.invitation_link_not_valid_used"][lang]
    assert _esc(text) in page.text


def test_api_tokens_live_on_their_settings_page(web: Web) -> None:
    client = _sign_up(web)
    empty = _post(client, "/account/api-tokens", {"label": " "})
    assert empty.status_code == 422 and 'id="label-error"' in empty.text
    made = _post(client, "/account/api-tokens", {"label": "招聘系统同步"})
    token = re.search(r'<code id="new-token">([^<]+)</code>', made.text)
    assert made.status_code == 200 and token
    api = web.api.client
    me = api.get("/v1/auth/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert me.status_code == 200 and me.json()["role"] == "employer"
    listing = client.get("/account/api-tokens").text
    assert "招聘系统同步" in listing and token.group(1) not in listing  # shown once
    token_id = re.search(r'action="/account/tokens/([^/]+)/revocation"', listing)
    assert token_id
    _post(client, f"/account/tokens/{token_id.group(1)}/revocation", {})
    again = api.get("/v1/auth/me", headers={"Authorization": f"Bearer {token.group(1)}"})
    assert again.status_code == 401


@pytest.mark.parametrize("lang", LANGUAGES)
def test_role_templates_come_first_with_what_they_check_and_why(web: Web, lang: str) -> None:
    page = web.get("employer", f"/employer/profiles?lang={lang}").text
    t = Translator(lang)
    assert page.index('id="templates-h"') < page.index('id="new-h"')
    assert _esc(t("template.kindergarten-teacher")) in page
    # the legal basis, before choosing; in Traditional script on a zh-Hant page
    assert ("未成年人保護法 第62條" if lang == "zh-Hant" else "未成年人保护法 第62条") in page
    assert "岗位画像" not in page and "崗位畫像" not in page
    assert ">kindergarten-teacher<" not in page and "<code>credit</code>" not in page


def test_a_role_code_in_chinese_works_and_a_refusal_keeps_the_form(web: Web) -> None:
    typed = {
        "tier": "safety",
        "role_id": "保安员",
        "title": "保安员（夜班）",
        "category": ["identity", "criminal_record"],
        "justification_identity": "确认候选人身份与劳动合同主体一致",
        "justification_criminal_record": "保安服务管理条例规定的从业限制",
    }
    refused = web.post("employer", "/employer/profiles", typed)  # no legal basis given
    assert refused.status_code == 422
    page = refused.text
    assert 'value="保安员"' in page and 'value="保安员（夜班）"' in page
    assert "保安服务管理条例规定的从业限制</textarea>" in page
    assert re.search(r'value="criminal_record"[^>]*checked', page)
    field = re.search(r'<input type="text" id="legal_basis_criminal_record"[^>]*>', page)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert 'id="legal_basis_criminal_record-error"' in page
    saved = web.post(
        "employer",
        "/employer/profiles",
        {**typed, "legal_basis_criminal_record": "保安服务管理条例 第8条"},
    )
    assert saved.status_code == 303, saved.text
    assert "保安员（夜班）" in web.get("employer", "/employer/profiles").text
    too_long = web.post("employer", "/employer/profiles", {**typed, "role_id": "岗" * 65})
    assert too_long.status_code == 422 and 'id="role_id-error"' in too_long.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_template_once_used_reads_in_the_readers_language(web: Web, lang: str) -> None:
    used = web.post("employer", "/employer/profiles/builtin", {"profile": "kindergarten-teacher"})
    assert used.status_code == 303
    page = web.get("employer", f"/employer/profiles?lang={lang}").text
    yours = page[: page.index('id="templates-h"')]
    title = Translator(lang)("template.kindergarten-teacher")
    assert _esc(title) in yours
    assert "kindergarten-teacher" not in yours and " / " not in yours
    order = web.get("employer", f"/employer/cases/new?lang={lang}").text
    assert "kindergarten teacher" not in order if lang != "en" else "幼儿园教师" not in order


def test_sign_in_forms_are_rate_limited_per_address(web: Web) -> None:
    from fairscreen.entrypoints.api.ratelimit import AddressLimiter

    client = TestClient(
        create_app(web.api.world.svc, sign_in_limiter=AddressLimiter(limit=3)),
        follow_redirects=False,
    )
    client.get("/")
    answers = [
        _post(client, "/sign-in/password", {"email": "a@example.test", "password": "x" * 12})
        for _ in range(4)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429]
    assert "HTTP_429" in answers[-1].text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_home_page_tells_staff_to_sign_in_with_e_mail_and_password(web: Web, lang: str) -> None:
    """Usability walk screen 01: the home page said "sign in with your API token" though
    /sign-in asks for e-mail and password, and had no way to sign an organisation up."""
    page = web.get("anonymous", f"/?lang={lang}").text
    staff = page.split('id="h-staff"', 1)[1].split("</section>", 1)[0]
    assert 'href="/sign-up"' in staff
    said = staff.split('id="home-integrators"', 1)
    words = {
        "zh-Hans": ("电子邮箱", "密码"),
        "zh-Hant": ("電子郵件", "密碼"),
        "en": ("e-mail", "password"),
    }
    assert all(word in said[0] for word in words[lang])
    assert "API" not in said[0]  # the token is for integrators, said after
    assert "API" in said[1]
