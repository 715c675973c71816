"""The portals' pages through FastAPI's TestClient on a real database: every page ×
every role (deny by default), another tenant's ids (the same 404 page as a missing id),
CSRF refusal, the language switch, escaping of user text, the cookies, and that the
employer's pages never hold anything excluded or unverified (issue 5 item 3)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from api.conftest import (
    IDENTITIES,
    ROLE_OF,
    many_sign_ins,
    order_over_api,
    released_case,
    sign_over_api,
)
from evidence_samples import png
from fairscreen.entrypoints.api import create_app
from fairscreen.entrypoints.web.policy import PAGE_ROLES, PUBLIC
from fairscreen.ledger.entries import ActorRole
from fairscreen.services import review
from fairscreen.services.context import Actor
from fairscreen.services.topic_model_card import model_card
from web.conftest import Web, csrf_of, run_background_jobs
from web.conftest import disputed_case as _disputed_case


def _page_routes() -> set[tuple[str, str]]:
    """Every page route the portals mount (each router's routes carry their prefix)."""
    from fairscreen.entrypoints.web import ROUTERS

    return {
        (method, route.path)
        for module in ROUTERS
        for route in module.router.routes
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }


#: a referee's link no invitation ever had: its pages answer 404, like a missing case's
UNKNOWN_REFEREE_TOKEN = "u" * 43


def _fill(template: str, case_id: str, dispute_id: str) -> str:
    return (
        template.replace("{case_id}", case_id)
        .replace("{dispute_id}", dispute_id)
        .replace("{token}", UNKNOWN_REFEREE_TOKEN)
        .replace("{file_id}", "evf_unknown")
        .replace("{supplement_id}", "sup_unknown")
    )


def test_the_table_covers_every_page_and_nothing_else(web: Web) -> None:
    assert _page_routes() == set(PAGE_ROLES)


def test_every_page_for_every_role(web: Web) -> None:
    """Deny by default: a role the table does not list gets 403 (signed in) or is sent to
    sign in (anonymous); a listed role gets its page. POSTs are walked with and without
    the CSRF token: without it every role is refused before anything happens."""
    case_id, dispute_id = _disputed_case(web)
    checked = 0
    for (method, template), allowed in sorted(PAGE_ROLES.items()):
        path = _fill(template, case_id, dispute_id)
        for who in IDENTITIES:
            role = ROLE_OF.get(who)
            permitted = allowed is PUBLIC or (role is not None and role in allowed)
            if method == "GET":
                answer = web.get(who, path)
            else:
                refused = web.client(who).post(path, data={"csrf": "forged"})
                assert refused.status_code == 403, (who, template)
                assert "CSRF_REFUSED" in refused.text
                if permitted:
                    continue  # a state change; the journeys below exercise each
                answer = web.post(who, path)
            checked += 1
            if permitted:
                assert answer.status_code in (200, 303, 404), (who, template, answer.status_code)
                if who.endswith("_b") and "{case_id}" in template:
                    assert answer.status_code == 404, (who, template)
                elif answer.status_code == 303:
                    assert "/sign-in" not in answer.headers["location"], (who, template)
            elif role is None:
                assert answer.status_code == 303, (who, template)
                assert answer.headers["location"].endswith("/sign-in")
            else:
                assert answer.status_code == 403, (who, template, answer.status_code)
                assert "PERMISSION_DENIED" in answer.text
                # why, in the page's language: this role's account cannot open it
                assert "账户不能打开此页面。" in answer.text, (who, template)
    assert checked > 150


def test_another_tenants_ids_look_exactly_like_missing_ones(web: Web) -> None:
    """Tenant B's parties, on tenant A's real case and dispute ids and on made-up ones:
    the same status and the same page, for every page and form that takes an id."""
    case_id, dispute_id = _disputed_case(web)
    pages = [
        (method, who, template)
        for (method, template), allowed in PAGE_ROLES.items()
        if "{case_id}" in template
        for who in ("candidate_b", "employer_b", "agency_b")
        if ROLE_OF[who] in allowed
    ]
    # six PDF documents, the referee form, an evidence file, adverse answer, own checks,
    # an own-check employer's answer to a dispute (the form, its evidence, its file), and
    # supplementary documents (the candidate's form; the agency's and an own-check
    # employer's answer and file), and the invitation sent again
    assert len(pages) == 33
    strip = re.compile(r'name="csrf" value="[^"]+"')
    form = {
        "confirm": "yes",
        "outcome": "upheld",
        "answer": "x",
        "reason": "x",
        "finding_id": "LIT-3",
        "statement": "x",
        "text_sha256": "0" * 64,
        "notice_lang": "zh-Hans",
        "category": ["identity"],
        "name": "x",
        "contact": "x@example.test",
    }
    for method, who, template in pages:
        fake_case, fake_dispute = f"case_{uuid.uuid4().hex}", f"dsp_{uuid.uuid4().hex}"
        missing_path = _fill(template, fake_case, fake_dispute)
        real_path = _fill(template, case_id, dispute_id)
        if method == "GET":
            real, missing = web.get(who, real_path), web.get(who, missing_path)
        else:
            real, missing = web.post(who, real_path, form), web.post(who, missing_path, form)
        assert real.status_code == missing.status_code, (who, template)
        assert real.status_code in (404, 422), (who, template, real.status_code)
        # the pages echo only the address the visitor typed (the language links)
        seen = strip.sub("", real.text).replace(case_id, "ID").replace(dispute_id, "ID")
        assert seen == strip.sub("", missing.text).replace(fake_case, "ID").replace(
            fake_dispute, "ID"
        ), (who, template)
    # and tenant A's case is untouched
    assert web.api.call("agency", "GET", f"/v1/cases/{case_id}").json()["state"] == "disputed"


def test_an_unknown_page_is_a_404_and_operators_have_no_portal(web: Web) -> None:
    assert web.get("employer", "/employer/nothing-here").status_code == 404
    answer = web.post("anonymous", "/sign-in", {"token": web.api.tokens["operator"]})
    assert answer.status_code == 403
    assert "fs_session" not in answer.headers.get("set-cookie", "")


def test_csrf_is_bound_to_the_session_and_to_this_site(web: Web) -> None:
    employer = web.client("employer")
    token = csrf_of(employer.get("/employer").text)
    # another browser's token is worth nothing here
    other = csrf_of(web.client("agency").get("/agency").text)
    assert token != other
    refused = employer.post("/sign-out", data={"csrf": other})
    assert refused.status_code == 403 and "CSRF_REFUSED" in refused.text
    # a form posted from another site is refused even with the right token
    refused = employer.post(
        "/sign-out", data={"csrf": token}, headers={"Origin": "https://evil.example"}
    )
    assert refused.status_code == 403
    # no session id cookie at all (a first visit that posts straight away): refused
    fresh = web.client("anonymous")
    fresh.cookies.clear()
    assert fresh.post("/sign-in", data={"csrf": token, "token": "x"}).status_code == 403
    # the right token, same origin: accepted
    done = employer.post("/sign-out", data={"csrf": token}, headers={"Origin": "http://testserver"})
    assert done.status_code == 303


def test_signing_in_sets_strict_http_only_cookies_and_a_new_session(web: Web) -> None:
    client = web.client("anonymous")
    before = csrf_of(client.get("/sign-in").text)
    answer = client.post("/sign-in", data={"csrf": before, "token": web.api.tokens["employer"]})
    assert answer.status_code == 303 and answer.headers["location"] == "/employer"
    cookies = answer.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("fs_session="))
    assert "HttpOnly" in session and "SameSite=strict" in session.replace("Strict", "strict")
    assert any(c.startswith("fs_sid=") for c in cookies)
    after = csrf_of(client.get("/employer").text)
    assert after != before  # the CSRF token of the signed-out visit is void
    page = client.get("/employer")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    wrong = web.post("anonymous", "/sign-in", {"token": "fs_not-a-token"})
    assert wrong.status_code == 401


def test_candidate_sign_in_with_a_one_time_code_and_sign_out(web: Web) -> None:
    notifier = web.api.world.notifier
    candidate_id = web.api.ids["candidate"]
    before = len(notifier.sent)
    asked = web.post("anonymous", "/candidate/sign-in/code", {"candidate_id": candidate_id})
    unknown = web.post("anonymous", "/candidate/sign-in/code", {"candidate_id": "sub_nobody"})
    # the same page whether or not the candidate exists
    strip = re.compile(r'(name="(csrf|candidate_id|code_session)" value=")[^"]+"')
    assert strip.sub("", asked.text) == strip.sub("", unknown.text)
    code = next(n for n in notifier.sent[before:] if n.kind == "sign_in").fields["code"]
    # the code is bound to the session in the page that asked for it
    session = re.search(r'name="code_session" value="([^"]+)"', asked.text)
    assert session is not None
    fields = {"candidate_id": candidate_id, "code_session": session.group(1)}
    wrong = web.post("anonymous", "/candidate/sign-in", {**fields, "code": "00000000"})
    assert wrong.status_code == 401
    unbound = web.post(
        "anonymous", "/candidate/sign-in", {"candidate_id": candidate_id, "code": code}
    )
    assert unbound.status_code == 401
    done = web.post("anonymous", "/candidate/sign-in", {**fields, "code": code})
    assert done.status_code == 303 and done.headers["location"] == "/candidate"
    client = web.client("anonymous")
    assert client.get("/candidate").status_code == 200
    token = client.cookies.get("fs_session")
    assert web.post("anonymous", "/sign-out").status_code == 303
    assert client.get("/candidate").status_code == 303
    # the candidate's token is revoked, not only forgotten
    assert (
        web.api.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )


def test_a_mistyped_candidate_id_is_explained_in_the_candidates_language(web: Web) -> None:
    refused = web.post("anonymous", "/candidate/sign-in/code", {"candidate_id": "张三的编号"})
    assert refused.status_code == 422
    assert "请填写邀请中给出的候选人编号。" in refused.text
    assert 'lang="en"' not in refused.text.split("<main", 1)[1]


@pytest.mark.parametrize(
    ("query", "expected"),
    [("", "zh-Hans"), ("?lang=en", "en"), ("?lang=zh-Hant", "zh-Hant"), ("?lang=xx", "zh-Hans")],
)
def test_language_switch_persists(web: Web, query: str, expected: str) -> None:
    client = web.client("anonymous")
    page = client.get(f"/rulebook{query}")
    assert f'<html lang="{expected}">' in page.text
    again = client.get("/")
    assert f'<html lang="{expected}">' in again.text  # the cookie keeps the choice
    words = {"zh-Hans": "公开规则", "en": "Public rulebook", "zh-Hant": "公開規則"}
    assert words[expected] in again.text


def test_rulebook_page_in_each_language_with_version_and_sha256(web: Web) -> None:
    rulebook = web.api.world.svc.rulebook
    for lang, word in (("zh-Hans", "规则"), ("en", "Rules"), ("zh-Hant", "規則")):
        page = web.get("anonymous", f"/rulebook?lang={lang}")
        assert page.status_code == 200
        assert rulebook.sha256 in page.text and rulebook.version in page.text
        assert word in page.text
        for rule in rulebook.rules:
            assert f'id="rule-{rule.value}"' in page.text
        # the public model page: what goes in, each version's hash, how to recompute
        assert 'id="inputs"' in page.text and 'id="history"' in page.text
        assert "fairscreen evaluate CASE.json --rulebook v1.1.toml" in page.text
        assert page.text.count(rulebook.sha256) >= 2  # the header and the history row
        # the prohibited-topic filter's model card: its hashes, held-out figures, weaknesses
        ref = web.api.world.svc.classifier.model_ref
        assert 'id="topic-model"' in page.text
        assert ref.sha256 in page.text and ref.lexicon_sha256 in page.text
        card = model_card(web.api.world.svc.classifier)
        assert card is not None
        overall = card["heldout"][0]["rows"][0]
        assert f"{overall['false_drops']} / {overall['kept']}" in page.text
        assert "<code>appearance</code>" in page.text


def _released(web: Web, statement: str | None = None) -> str:
    case_id = released_case(web.api)
    if statement is not None:  # released_case accepted without one: add a second case
        case_id = order_over_api(web.api)
        sign_over_api(web.api, case_id)
        web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
        answer = web.api.call(
            "candidate",
            "POST",
            f"/v1/cases/{case_id}/acceptance",
            json={"statement": statement},
        )
        assert answer.status_code == 204, answer.text
    web.refresh_candidates()  # the clock moved on: the candidates signed in again
    return case_id


def test_employer_pages_never_show_anything_excluded_or_unverified(web_any_db: Web) -> None:
    web = web_any_db
    case_id = _released(web)
    full = review.read_report(
        web.api.world.svc, Actor(ActorRole.CANDIDATE, web.api.ids["candidate"]), case_id
    )["report"]
    hidden = [
        f
        for f in full["findings"]
        if f["disposition"] == "excluded" or f["verification"] != "verified"
    ]
    assert {f["id"] for f in hidden} >= {"LIT-1", "LIT-2", "REF-1"}
    forbidden = {f["id"] for f in hidden} | {r for f in hidden for r in f["records"]}
    forbidden |= {text for f in hidden for text in f["summary"].values()}
    forbidden |= {f["exclusion"] for f in hidden if f["exclusion"]}
    forbidden |= {d["record"] for d in full["discarded"]} | {"UNVERIFIED", "物业服务合同纠纷"}
    pages = [f"/employer/cases/{case_id}", "/employer", "/employer/cases?state=released"]
    for lang in ("zh-Hans", "en", "zh-Hant"):
        for path in pages:
            sep = "&" if "?" in path else "?"
            html = web.get("employer", f"{path}{sep}lang={lang}").text
            for secret in forbidden:
                assert secret not in html, (lang, path, secret)
    # the candidate, by contrast, sees every one of them
    html = web.get("candidate", f"/candidate/cases/{case_id}").text
    for finding in hidden:
        assert f'id="finding-{finding["id"]}"' in html
    web.post(
        "employer",
        f"/employer/cases/{case_id}/decision",
        {"outcome": "hired", "reason": "合适", "confirmed": "yes"},
    )
    html = web.get("employer", f"/employer/cases/{case_id}").text
    for secret in forbidden:
        assert secret not in html, secret


def test_user_text_is_escaped_everywhere(web: Web) -> None:
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    case_id = _released(web, statement=attack)
    html = web.get("employer", f"/employer/cases/{case_id}").text
    assert attack not in html and "&lt;script&gt;" in html
    reason = '"><svg onload=alert(1)>'
    web.post(
        "employer",
        f"/employer/cases/{case_id}/decision",
        {"outcome": "not_hired", "reason": reason, "cites_report": "yes", "confirmed": "yes"},
    )
    for who, path in (("employer", "/employer/cases/"), ("candidate", "/candidate/cases/")):
        html = web.get(who, f"{path}{case_id}").text
        assert reason not in html and "&#34;&gt;&lt;svg" in html, who
    created = web.post(
        "employer",
        "/employer/profiles",
        {
            "tier": "standard",
            "role_id": "x-role",
            "title": attack,
            "category": ["identity"],
            "justification_identity": attack + " 确认候选人身份",
        },
    )
    assert created.status_code == 303
    html = web.get("employer", "/employer/profiles").text
    assert attack not in html


def test_profile_form_offers_only_the_tiers_categories(web: Web) -> None:
    def offered(tier: str) -> set[str]:
        html = web.get("employer", f"/employer/profiles?tier={tier}").text
        return set(re.findall(r'name="category" value="([a-z_]+)"', html))

    permitted = {
        "identity",
        "education",
        "employment_history",
        "professional_license",
        "litigation",
        "enforcement",
        "reference",
    }
    assert offered("standard") == permitted | {"health_certificate"}
    assert offered("trust") == permitted | {"credit", "criminal_record"}
    assert offered("safety") == permitted | {"criminal_record", "health_certificate"}
    html = web.get("employer", "/employer/profiles?tier=safety").text
    assert 'name="legal_basis_criminal_record"' in html
    assert 'name="legal_basis_identity"' not in html
    # a category outside the tier, posted anyway, is refused by the service, clearly
    refused = web.post(
        "employer",
        "/employer/profiles",
        {
            "tier": "standard",
            "role_id": "cashier",
            "category": ["credit"],
            "justification_credit": "handles cash",
        },
    )
    assert refused.status_code == 422
    assert "credit" in refused.text


def test_evidence_upload_is_size_and_type_limited(web: Web) -> None:
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    path = f"/candidate/cases/{case_id}/disputes"
    form = {"finding_id": "LIT-3", "statement": "不是我"}
    too_big = web.post(
        "candidate", path, form, files={"evidence": ("a.pdf", b"x" * 70_000, "application/pdf")}
    )
    assert too_big.status_code == 422
    wrong = web.post(
        "candidate", path, form, files={"evidence": ("a.html", b"<b>x</b>", "text/html")}
    )
    assert wrong.status_code == 422
    fine = web.post("candidate", path, form, files={"evidence": ("a.png", png(), "image/png")})
    assert fine.status_code == 303
    run_background_jobs(web)  # its content check
    page = web.get("agency", f"/agency/cases/{case_id}")
    link = re.search(r'href="(/agency/cases/[^"]+/files/evf_[^"]+)"', page.text)
    assert link
    download = web.get("agency", link.group(1))
    assert download.content == png()
    assert download.headers["content-disposition"].startswith("attachment")
    assert web.get("agency_b", link.group(1)).status_code == 404


def test_an_answered_dispute_stays_on_the_candidates_page_when_its_finding_is_gone(
    web: Web,
) -> None:
    api = web.api
    case_id, dispute_id = _disputed_case(web, "这个判决不是我的，请删除。")
    answered = api.call(
        "agency",
        "POST",
        f"/v1/cases/{case_id}/disputes/{dispute_id}/resolution",
        json={"outcome": "removed", "answer": "无法重新核实，已删除该记录。"},
    )
    assert answered.status_code == 204, answered.text
    page = web.get("candidate", f"/candidate/cases/{case_id}").text
    section = page.split('id="answered-h"', 1)[1].split("</section>", 1)[0]
    for shown in ("这个判决不是我的，请删除。", "无法重新核实，已删除该记录。", "删除", "LIT-3"):
        assert shown in section, shown


def test_the_employer_still_opens_a_destroyed_case(web: Web) -> None:
    """A destroyed case stays in the employer's list as a tombstone: its page opens (with
    nothing of its content), it is not a 410 error page."""
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    assert web.post("candidate", f"/candidate/cases/{case_id}/revocation", {"confirm": "yes"})
    page = web.get("employer", f"/employer/cases/{case_id}")
    assert page.status_code == 200 and 'id="candidate-id"' not in page.text


def test_candidate_downloads_and_deletion(web: Web) -> None:
    case_id = _released(web)
    receipt = web.get("candidate", f"/candidate/cases/{case_id}/consent-receipt.json")
    assert receipt.status_code == 200 and receipt.json()["version"] == "KI-CR-v1.1.0"
    data = web.get("candidate", "/candidate/data.json")
    assert data.headers["content-disposition"].startswith("attachment")
    assert case_id in {c["case_id"] for c in data.json()["cases"]}
    missing = web.get("candidate", f"/candidate/cases/{case_id}/certificate.json")
    assert missing.status_code == 404  # not destroyed yet
    assert web.post("candidate", "/candidate/deletion-request", {}).status_code == 422
    done = web.post("candidate", "/candidate/deletion-request", {"confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"] == "/candidate?done=deletion"


def test_revocation_stops_the_check(web: Web) -> None:
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    done = web.post("candidate", f"/candidate/cases/{case_id}/revocation", {"confirm": "yes"})
    assert done.status_code == 303
    page = web.get("candidate", f"/candidate/cases/{case_id}")
    assert page.status_code in (200, 410)
    ran = web.post("agency", f"/agency/cases/{case_id}/investigation")
    assert ran.status_code in (409, 410)


def test_regulator_pages_hold_no_personal_data(web: Web) -> None:
    _released(web)
    from factories import SUBJECT

    for path in ("/regulator", "/regulator/audit", "/regulator/statistics"):
        html = web.get("regulator", path).text
        for value in SUBJECT.values():
            assert value not in html, path


def test_pages_are_labelled_and_landmarked(web: Web) -> None:
    """Every form control has a label (``for``/``id``, or wraps it), every page has a
    ``lang``, a ``main`` landmark and a skip link."""
    case_id, _ = _disputed_case(web)
    pages = [
        ("anonymous", "/"),
        ("anonymous", "/sign-in"),
        ("anonymous", "/candidate/sign-in"),
        ("candidate", "/candidate"),
        ("candidate", f"/candidate/cases/{case_id}"),
        ("employer", "/employer"),
        ("employer", "/employer/profiles?tier=safety"),
        ("employer", "/employer/cases/new"),
        ("agency", "/agency"),
        ("agency", f"/agency/cases/{case_id}"),
        ("regulator", "/regulator/statistics"),
    ]
    for who, path in pages:
        html = web.get(who, path).text
        assert re.search(r'<html lang="[a-zA-Z-]+">', html)
        assert '<main id="main"' in html and 'class="skip"' in html
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        assert title and "<" not in title.group(1) and "\n" not in title.group(1), path
        ids = re.findall(r'\sid="([^"]+)"', html)
        assert len(ids) == len(set(ids)), (path, sorted(i for i in ids if ids.count(i) > 1))
        labelled = set(re.findall(r'<label[^>]*for="([^"]+)"', html))
        for tag in re.finditer(r"<(input|select|textarea)\b([^>]*)>", html):
            attrs = tag.group(2)
            if 'type="hidden"' in attrs:
                continue
            control_id = re.search(r'id="([^"]+)"', attrs)
            wrapped = _wrapped_in_label(html, tag.start())
            assert wrapped or (control_id and control_id.group(1) in labelled), (path, attrs)


def _wrapped_in_label(html: str, position: int) -> bool:
    opened = html.rfind("<label", 0, position)
    closed = html.rfind("</label>", 0, position)
    return opened > closed


def test_static_files_are_served_from_here(web: Web) -> None:
    htmx = web.get("anonymous", "/static/htmx.min.js")
    assert htmx.status_code == 200 and "Zero-Clause BSD" in htmx.text[:300]
    html = web.get("anonymous", "/").text
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


def test_every_message_exists_in_every_language() -> None:
    from importlib import resources

    from fairscreen.domain.bilingual import LANGUAGES
    from fairscreen.entrypoints.web.i18n import catalog

    messages = catalog()
    for key, texts in messages.items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang].strip() for lang in LANGUAGES), key
    root = resources.files("fairscreen.entrypoints.web")
    used: set[str] = set()
    for template in root.joinpath("templates").iterdir():
        if template.is_dir():
            for inner in template.iterdir():
                used |= set(
                    re.findall(
                        r'\bt\("([a-z_0-9]+(?:\.[a-z_0-9]+)+)"[,)]', inner.read_text("utf-8")
                    )
                )
        else:
            used |= set(
                re.findall(r'\bt\("([a-z_0-9]+(?:\.[a-z_0-9]+)+)"[,)]', template.read_text("utf-8"))
            )
    assert used - set(messages) == set()


def test_chart_escapes_labels_and_marks_suppressed_values() -> None:
    from fairscreen.entrypoints.web.charts import bar_chart

    svg = str(
        bar_chart([("<b>", 12, "#000"), ("x", None, "#111")], title="t&", suppressed_label="<10")
    )
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "t&amp;" in svg
    assert 'fill="url(#hatch)"' in svg and "&lt;10" in svg


def test_revoked_before_release_the_candidate_gets_the_destruction_certificate(
    web: Web,
) -> None:
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    done = web.post("candidate", f"/candidate/cases/{case_id}/revocation", {"confirm": "yes"})
    assert done.status_code == 303
    page = web.get("candidate", f"/candidate/cases/{case_id}")
    assert page.status_code == 200 and "certificate.json" in page.text
    certificate = web.get("candidate", f"/candidate/cases/{case_id}/certificate.json")
    assert certificate.status_code == 200
    assert certificate.json()["reason"] == "revocation" and "receipt" in certificate.json()
    assert web.get("candidate_b", f"/candidate/cases/{case_id}/certificate.json").status_code == 404


def test_the_agency_sees_which_categories_came_back_incomplete(
    sqlite_url: str, tmp_path: Path
) -> None:
    from fastapi.testclient import TestClient

    from factories import record
    from fairscreen.services import accounts
    from integration.service_fixtures import OPERATOR, make_world, order_and_sign, sample_records

    records = [r for r in sample_records() if r["category"] != "litigation"]
    records.append(record("lit-x", "litigation", status="source_unavailable"))
    world = make_world(sqlite_url, tmp_path, records=records)
    try:
        case_id = order_and_sign(world)
        _, issued = accounts.create_account(
            world.svc, OPERATOR, role="agency", label="desk", tenant_id=world.agency.id
        )
        client = TestClient(
            create_app(world.svc, sign_in_limiter=many_sign_ins()), follow_redirects=False
        )
        _, session = accounts.start_portal_session(world.svc, issued.token)
        client.cookies.set("fs_session", session.token)
        token = csrf_of(client.get(f"/agency/cases/{case_id}").text)
        ran = client.post(f"/agency/cases/{case_id}/investigation", data={"csrf": token})
        assert ran.status_code == 200
        incomplete = re.search(r'id="incomplete">(.*?)</div>', ran.text, re.S)
        assert incomplete and "诉讼记录" in incomplete.group(1)
        assert "identity" not in incomplete.group(1) and "身份" not in incomplete.group(1)
        client.close()
    finally:
        world.svc.engine.dispose()


def test_self_identification_and_the_fairness_console(web: Web) -> None:
    refused = web.post("candidate", "/candidate/self-identification", {"sex": "female"})
    assert refused.status_code == 422  # answers need the separate consent
    done = web.post(
        "candidate",
        "/candidate/self-identification",
        {"consent": "yes", "sex": "female", "age_band": "25_34"},
    )
    assert done.status_code == 303
    assert (
        web.post("candidate_b", "/candidate/self-identification", {"consent": "no"}).status_code
        == 303
    )
    _released(web)
    page = web.get("regulator", "/regulator/fairness?lang=en")
    assert page.status_code == 200
    assert "Share flagged yellow or red" in page.text and "hidden (&lt;10)" in page.text
    for who in ("employer", "agency", "candidate", "operator"):
        assert web.get(who, "/regulator/fairness").status_code == 403
    assert web.post("candidate", "/candidate/self-identification/withdrawal").status_code == 303


def test_the_confirmation_banner_shows_only_catalog_messages(web: Web) -> None:
    html = web.get("candidate", "/candidate?done=deletion").text
    assert 'role="status">删除请求已记录' in html
    forged = web.get("candidate", "/candidate?done=Call%20us%20at%20400-000").text
    assert "Call us" not in forged and "done." not in forged


def test_the_agency_queue_shows_each_disputes_deadline(web: Web) -> None:
    case_id, _ = _disputed_case(web)
    html = web.get("agency", "/agency").text
    assert case_id[:17] in html and "还剩 15 天" in html
    web.api.world.clock.advance(days=16)
    web.refresh_candidates()  # and the agency's portal session, 8 hours long, renewed
    assert "已逾期" in web.get("agency", "/agency").text
    assert case_id[:17] not in web.get("agency_b", "/agency").text


def test_sensitive_categories_are_separate_consents(web: Web) -> None:
    """A safety-tier role asking for a criminal record: the candidate sees it as a
    consent of its own, and signing without ticking it leaves it out of the scope."""
    created = web.post(
        "employer",
        "/employer/profiles",
        {
            "tier": "safety",
            "role_id": "kindergarten-teacher",
            "title": "幼儿园教师",
            "category": ["identity", "criminal_record"],
            "justification_identity": "确认候选人身份与劳动合同主体一致",
            "justification_criminal_record": "岗位与未成年人密切接触，法律要求入职查询",
            "legal_basis_criminal_record": "未成年人保护法 第62条",
        },
    )
    assert created.status_code == 303, created.text
    no_basis = web.post(
        "employer",
        "/employer/profiles",
        {
            "tier": "safety",
            "role_id": "bus-driver",
            "category": ["criminal_record"],
            "justification_criminal_record": "公共交通驾驶岗位的安全要求",
        },
    )
    assert no_basis.status_code == 422  # a legal basis is required
    profiles = web.get("employer", "/employer/cases/new").text
    profile_id = re.search(r'value="(prf_[0-9a-f]+)"[^>]*>幼儿园教师', profiles)
    assert profile_id
    # the default purpose is named as the notice the candidate signs will state it
    assert "默认：对拟聘岗位的入职前背景调查。" in profiles
    from factories import SUBJECT

    ordered = web.post(
        "employer",
        "/employer/cases",
        {
            "profile_id": profile_id.group(1),
            "requested": ["identity", "criminal_record"],
            "agency_id": web.api.ids["agency"],
            "contact": "13900139000",
            **SUBJECT,
        },
    )
    assert ordered.status_code == 303, ordered.text
    case_id = ordered.headers["location"].split("/")[-1].split("?")[0]
    assert SUBJECT["national_id"] not in ordered.headers["location"]
    # the id to hand to the candidate comes from the case, never from the address
    forged = "sub_" + "0" * 32
    waiting = web.get("employer", f"/employer/cases/{case_id}?candidate={forged}").text
    assert f'<code id="candidate-id">{forged}' not in waiting
    assert f'<code id="candidate-id">{web.api.ids["candidate"]}</code>' in waiting
    page = web.get("candidate", f"/candidate/cases/{case_id}/authorization").text
    assert 'name="sensitive" value="criminal_record"' in page
    assert 'name="category" value="criminal_record"' not in page
    receipt = _sign_on_the_page(web, case_id, page, "zh-Hans")
    assert receipt["spiCat"] == [] and receipt["sensitive"] is False


def test_browsers_get_an_error_page_and_machines_a_problem(web: Web) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    page = web.get("employer", "/no-such-page", headers=html)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-Hans">' in page.text and "未找到" in page.text
    wrong_method = web.client("employer").put("/employer", headers=html)
    assert wrong_method.status_code == 405 and "<html" in wrong_method.text
    api = web.get("employer", "/v1/no-such-route", headers=html)
    assert api.status_code == 404 and api.headers["content-type"] == "application/problem+json"
    plain = web.get("employer", "/no-such-page")
    assert plain.headers["content-type"] == "application/problem+json"


def test_the_fairness_console_draws_charts_from_reported_groups(web: Web) -> None:
    """Issue 6 item 3: with groups of 10 or more the console draws its charts (SVG); a
    group under 10 is only named as hidden (hatched, no number), like ``suppressed`` in
    the audit's JSON."""
    from integration.service_fixtures import people

    world = web.api.world
    people(world, 10, "female", "25_34", flagged=False)
    people(world, 10, "male", "25_34", flagged=True)
    people(world, 2, "another", "35_44", flagged=True)
    world.clock.advance(days=40)  # reports cover quarters that have ended
    page = web.get("regulator", "/regulator/fairness?lang=en")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 2
    assert "female" in page.text and "male" in page.text
    assert 'fill="url(#hatch)"' in page.text
    api = web.api.call("regulator", "GET", "/v1/fairness").json()["dimensions"]["sex"]
    assert set(api["flagged"]["groups"]) == {"female", "male"}
    assert api["flagged"]["suppressed"] == ["another"] and "another" not in api["lights"]


def test_a_refusal_reads_in_the_readers_language(web: Web) -> None:
    """A candidate on a phone reads why something was refused in Chinese; the English
    is shown (marked as English) only where the catalog has no entry."""
    from fairscreen.entrypoints.web.i18n import Translator

    unconfirmed = web.post("candidate", "/candidate/deletion-request", {})
    assert unconfirmed.status_code == 422
    assert "请勾选复选框以确认。" in unconfirmed.text
    assert "tick the box to confirm" not in unconfirmed.text
    case_id = _released(web)  # the candidate accepted: released
    path = f"/candidate/cases/{case_id}/acceptance"
    web.client("candidate").cookies.set("fs_lang", "zh-Hant")
    again = web.post("candidate", path, {})
    assert again.status_code == 409
    main = again.text.split("<main", 1)[1]
    released = Translator("zh-Hant").state("released")
    assert released in main and "released" not in main and 'lang="en"' not in main
    web.client("candidate").cookies.set("fs_lang", "en")
    english = web.post("candidate", path, {})
    assert f"cannot move to {Translator('en').state('released')}" in english.text


def test_a_traditional_chinese_reader_reads_and_signs_the_text_in_traditional(web: Web) -> None:
    from fairscreen.entrypoints.web.i18n import Translator

    case_id = order_over_api(web.api)
    web.client("candidate").cookies.set("fs_lang", "zh-Hant")
    page = web.get("candidate", f"/candidate/cases/{case_id}/authorization").text
    assert "背景調查授權書" in page and "背景调查授权书" not in page
    assert Translator("zh-Hant").category("employment_history") in page
    assert 'name="notice_lang" value="zh-Hant"' in page
    assert _sign_on_the_page(web, case_id, page, "zh-Hant")["language"] == "zh-Hant"


def _sign_on_the_page(web: Web, case_id: str, page: str, lang: str) -> dict[str, Any]:
    """Sign (identity only) the text the authorization ``page`` showed; the consent receipt."""
    sha = re.search(r'name="text_sha256" value="([0-9a-f]{64})"', page)
    assert sha
    signed = web.post(
        "candidate",
        f"/candidate/cases/{case_id}/authorization",
        {"text_sha256": sha.group(1), "notice_lang": lang, "category": ["identity"]},
    )
    assert signed.status_code == 303, signed.text
    receipt: dict[str, Any] = web.get(
        "candidate", f"/candidate/cases/{case_id}/consent-receipt.json"
    ).json()
    return receipt


def test_fixed_texts_in_traditional_and_refusals_that_say_what_happened(web: Web) -> None:
    """The usability review's findings: the rulebook page's own headings in zh-Hant (the
    rule texts themselves come from the rulebook), the rights a candidate still has once
    not hired (no dispute after the decision), a neutral banner after a decision, and an
    expired form told apart from a role that may not act."""
    rulebook = web.get("anonymous", "/rulebook?lang=zh-Hant").text
    for simplified in ("输入什么", "灯色", "法律依据", "案由与罪名类别", "版本历史", "单独同意"):
        assert simplified not in rulebook, simplified
    assert "輸入什麼" in rulebook and "版本歷程" in rulebook and "法律依據" in rulebook

    case_id = _released(web)
    loose = web.post(  # the report's part is yes or no: "1" is refused, not read as either
        "employer",
        f"/employer/cases/{case_id}/decision",
        {"outcome": "not_hired", "reason": "不符合岗位要求", "cites_report": "1"},
    )
    assert loose.status_code == 422 and "只能选择“是”或“否”" in loose.text
    form = {"outcome": "not_hired", "reason": "不符合岗位要求", "cites_report": "yes"}
    notice = web.post(
        "employer", f"/employer/cases/{case_id}/decision", form | {"confirmed": "yes"}
    )
    assert notice.status_code == 303 and "done=pre_adverse" in notice.headers["location"]
    web.api.later(days=7)  # the pre-adverse notice's waiting period (PRODUCT.md P4)
    web.refresh_candidates()
    decided = web.post(
        "employer", f"/employer/cases/{case_id}/decision", form | {"confirmed": "yes"}
    )
    assert decided.status_code == 303 and "done=decided" in decided.headers["location"]
    banner = web.get("employer", decided.headers["location"]).text
    assert 'role="status">决定已记录。' in banner and "录用决定已记录" not in banner
    notice = web.get("candidate", f"/candidate/cases/{case_id}?lang=zh-Hant").text
    assert "您有權要求用人單位說明作出此項決定的理由" in notice
    assert "提出异议（个人信息保护法" not in notice and "提出異議（" not in notice
    english = web.get("candidate", f"/candidate/cases/{case_id}?lang=en").text
    assert "to ask the employer to explain this decision" in english
    assert "contest any finding" not in english

    # an expired form, signed out: its own message and a way to sign in again
    anonymous = web.client("anonymous")
    expired = anonymous.post("/sign-in?lang=zh-Hans", data={"csrf": "stale", "token": "x"})
    assert expired.status_code == 403 and "CSRF_REFUSED" in expired.text
    assert "表单已过期或来自其他网站" in expired.text and "您的角色不能" not in expired.text
    assert 'class="button secondary" href="/sign-in"' in expired.text
    # signed in: the same message, no sign-in offer
    expired = web.client("employer").post("/sign-out", data={"csrf": "stale"})
    assert "表单已过期或来自其他网站" in expired.text and 'href="/sign-in"' not in expired.text
    # a role that may not open a page is told so, without talk of forms
    forbidden = web.get("employer", "/regulator")
    assert forbidden.status_code == 403 and "您的角色不能打开此页面" in forbidden.text
    assert "表单" not in forbidden.text.split("<main", 1)[1]


def _local(web: Web, moment: Any) -> str:
    """A time as the pages print it (the service's calendar)."""
    return str(moment.astimezone(web.api.world.svc.config.zone).strftime("%Y-%m-%d %H:%M"))


def test_a_pending_deletion_request_is_shown_instead_of_the_form(web: Web) -> None:
    """After asking for deletion the candidate sees when they asked and the day it is
    carried out by (15 days: PRODUCT.md P6), not the form again; a second post (a stale
    tab) does not restart the 15 days."""
    from datetime import timedelta

    form = 'action="/candidate/deletion-request"'
    before = web.get("candidate", "/candidate").text
    assert form in before and 'id="deletion-status"' not in before
    asked = web.api.world.clock()
    done = web.post("candidate", "/candidate/deletion-request", {"confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"] == "/candidate?done=deletion"
    web.api.later(days=2)
    web.refresh_candidates()
    after = web.get("candidate", "/candidate?lang=zh-Hant").text
    assert form not in after
    status = re.search(r'id="deletion-status".*?</section>', after, re.S)
    assert status, "no pending deletion request shown"
    due = asked + timedelta(days=15)
    assert f"您於 {_local(web, asked)} 要求刪除" in status.group(0)
    assert f"在 {_local(web, due)} 之前執行" in status.group(0)
    again = web.post("candidate", "/candidate/deletion-request", {"confirm": "yes"})
    assert again.status_code == 303
    english = web.get("candidate", "/candidate?lang=en").text
    assert f"carried out by {_local(web, due)}" in english
    # the other candidate asked for nothing: their form is still there
    assert form in web.get("candidate_b", "/candidate").text


def test_a_revoked_authorization_is_shown_with_its_time_and_not_offered_again(
    web: Web,
) -> None:
    """A decided case keeps its report after a revocation (P1): its page says the
    authorization was revoked, when, and until when the data is kept; no revoke form."""
    case_id = _released(web)
    decided = web.post(
        "employer",
        f"/employer/cases/{case_id}/decision",
        {"outcome": "hired", "reason": "合适", "confirmed": "yes"},
    )
    assert decided.status_code == 303
    path = f"/candidate/cases/{case_id}"
    form = f'action="/candidate/cases/{case_id}/revocation"'
    assert form in web.get("candidate", path).text
    revoked_at = web.api.world.clock()
    done = web.post("candidate", f"{path}/revocation", {"confirm": "yes"})
    assert done.status_code == 303 and done.headers["location"] == f"{path}?done=revoked"
    page = web.get("candidate", f"{path}?lang=zh-Hant").text
    assert form not in page
    notice = re.search(r'id="revoked">(.*?)</div>', page, re.S)
    assert notice, "the revocation is not shown"
    assert f"您已於 {_local(web, revoked_at)} 撤回授權" in notice.group(1)
    assert "依保存期限保留" in notice.group(1)
    assert web.get("candidate", path).status_code == 200  # the report is still readable
    # posting the stale form again is refused, and says so
    again = web.post("candidate", f"{path}/revocation", {"confirm": "yes"})
    assert again.status_code == 409
    # a case whose authorization stands shows no such notice
    other = _released(web)
    assert 'id="revoked"' not in web.get("candidate", f"/candidate/cases/{other}").text


def _selfid_status(html: str) -> str:
    found = re.search(r'id="selfid-status">(.*?)</div>', html, re.S)
    assert found, "no self-identification status"
    return found.group(1)


def test_self_identification_status_is_shown_to_the_candidate_alone(web: Web) -> None:
    """Answered, declined or nothing stored (never answered, or withdrawn), with the way
    to withdraw; never the answers, and nothing of it on anyone else's pages."""
    home = web.get("candidate", "/candidate").text
    assert "我们没有保存您的任何回答" in _selfid_status(home)
    assert 'action="/candidate/self-identification/withdrawal"' not in home  # nothing to withdraw
    answered_at = web.api.world.clock()
    web.post(
        "candidate",
        "/candidate/self-identification",
        {"consent": "yes", "sex": "female", "age_band": "25_34"},
    )
    home = web.get("candidate", "/candidate?lang=zh-Hant").text
    status = _selfid_status(home)
    assert f"您已於 {_local(web, answered_at)} 自願提供資料" in status
    assert "女" not in status and "25–34" not in status
    assert 'action="/candidate/self-identification/withdrawal"' in home
    assert "selected" not in home  # the form does not come back filled in
    assert "刪除我提供過的資料" in home
    # declining replaces the answers; the page says so
    web.post("candidate", "/candidate/self-identification", {"consent": "no"})
    home = web.get("candidate", "/candidate?lang=en").text
    assert "you chose not to answer" in _selfid_status(home)
    assert "Delete this choice" in home and 'name="consent" value="no"' not in home
    # withdrawn: nothing stored, and the form is offered again
    withdrawn = web.post("candidate", "/candidate/self-identification/withdrawal")
    assert withdrawn.headers["location"] == "/candidate?done=self_id_withdrawn"
    home = web.get("candidate", withdrawn.headers["location"] + "&lang=zh-Hans").text
    assert "已删除您自愿提供的信息" in home and "我们没有保存您的任何回答" in _selfid_status(home)
    assert 'action="/candidate/self-identification/withdrawal"' not in home
    # another candidate's page knows nothing of it
    web.post("candidate", "/candidate/self-identification", {"consent": "yes", "sex": "female"})
    assert "我们没有保存您的任何回答" in _selfid_status(web.get("candidate_b", "/candidate").text)
    case_id = _released(web)
    for who, path in (
        ("employer", f"/employer/cases/{case_id}"),
        ("agency", f"/agency/cases/{case_id}"),
        ("regulator", "/regulator/fairness"),
    ):
        html = web.get(who, path).text
        assert 'id="selfid-status"' not in html and "自愿提供了信息" not in html, who


def test_an_error_page_links_back_to_the_page_the_form_was_on(web: Web) -> None:
    """返回上一页 next to 返回首页, as a plain link: for a form, to the page it is on
    (from the route, so without script and without the Referer); for a page, to the page
    before when the browser says which (this site only); never for an expired form's
    history (its token would come back)."""
    from fairscreen.entrypoints.web.policy import FORM_PAGES

    posts = {path for method, path in PAGE_ROLES if method == "POST"}
    gets = {path for method, path in PAGE_ROLES if method == "GET"}
    assert set(FORM_PAGES) == posts - {"/sign-out"}
    assert set(FORM_PAGES.values()) <= gets

    def back(html: str) -> str | None:
        found = re.search(r'<a class="tap" id="back" href="([^"]*)"([^>]*)>([^<]*)</a>', html)
        return found.group(1) if found else None

    unticked = web.post("candidate", "/candidate/deletion-request", {})
    assert unticked.status_code == 422 and back(unticked.text) == "/candidate"
    assert ">返回上一页</a>" in unticked.text and ">返回首页</a>" in unticked.text
    assert "data-history-back" in unticked.text
    case_id = order_over_api(web.api)
    sign_over_api(web.api, case_id)
    web.api.call("agency", "POST", f"/v1/cases/{case_id}/investigation")
    web.refresh_candidates()
    bad = web.post(
        "candidate",
        f"/candidate/cases/{case_id}/disputes",
        {"finding_id": "LIT-3", "statement": "不是我"},
        files={"evidence": ("a.png", b"not a png", "image/png")},
    )
    # a refused dispute is no error page: the case page itself, the refusal beside the
    # file field (issue 13 item 9)
    assert bad.status_code == 422 and 'id="evidence-LIT-3-error"' in bad.text
    wrong = web.post(
        "employer", f"/employer/cases/{case_id}/decision", {"outcome": "x", "reason": "y"}
    )
    assert back(wrong.text) == f"/employer/cases/{case_id}"
    for lang, word in (("en", ">Back</a>"), ("zh-Hant", ">返回上一頁</a>")):
        web.client("candidate").cookies.set("fs_lang", lang)
        assert word in web.post("candidate", "/candidate/deletion-request", {}).text
    web.client("candidate").cookies.set("fs_lang", "zh-Hans")
    # a page that is not there: back to where the visitor came from, if on this site
    came_from = {"Referer": f"http://testserver/candidate/cases/{case_id}?lang=en"}
    missing = web.get("candidate", "/candidate/cases/case_nothing", headers=came_from)
    assert (
        missing.status_code == 404 and back(missing.text) == f"/candidate/cases/{case_id}?lang=en"
    )
    for referer in (
        "https://evil.example/candidate",
        "http://testserver//evil.example/x",
        "http://testserver/candidate/sign-in/code",  # a form's answer, not a page
        "javascript:alert(1)",
    ):
        page = web.get("candidate", "/candidate/cases/case_nothing", headers={"Referer": referer})
        assert back(page.text) is None, referer
        assert ">返回首页</a>" in page.text
    # an expired form: the link leads to a fresh copy of the page, not back in history
    expired = web.client("candidate").post("/candidate/deletion-request", data={"csrf": "old"})
    assert expired.status_code == 403 and back(expired.text) == "/candidate"
    assert "data-history-back" not in expired.text


# --- portal sessions, tokens and accounts (issue 12 item 12) ------------------------------------


def _api_status(web: Web, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return int(web.api.client.get("/v1/auth/me", headers=headers).status_code)


def test_a_portal_session_is_its_own_short_lived_credential_and_sign_out_ends_it(
    web: Web,
) -> None:
    api_token = web.api.tokens["employer"]
    client = web.client("anonymous")
    before = csrf_of(client.get("/sign-in").text)
    signed_in = client.post("/sign-in", data={"csrf": before, "token": api_token})
    assert signed_in.status_code == 303
    cookie = client.cookies.get("fs_session")
    assert cookie and cookie != api_token  # the browser never holds the API token
    assert client.get("/employer").status_code == 200
    # A copy of the cookie works until sign-out, and not after.
    assert _api_status(web, cookie) == 200
    done = client.post("/sign-out", data={"csrf": csrf_of(client.get("/employer").text)})
    assert done.status_code == 303
    assert _api_status(web, cookie) == 401
    stolen = web.client("agency")  # another browser replaying the old cookie
    stolen.cookies.set("fs_session", cookie)
    assert stolen.get("/employer").status_code == 303  # sent to sign in
    assert _api_status(web, api_token) == 200  # the account's API token lives on
    # A session lasts 8 hours.
    again = client.post(
        "/sign-in", data={"csrf": csrf_of(client.get("/sign-in").text), "token": api_token}
    )
    assert again.status_code == 303
    assert client.get("/employer").status_code == 200
    web.api.world.clock.advance(hours=8, minutes=1)
    assert client.get("/employer").status_code == 303
    # An API token put straight into the cookie is no session.
    client.cookies.set("fs_session", api_token)
    assert client.get("/employer").status_code == 303


def test_staff_see_and_end_their_own_tokens_and_sessions(web: Web) -> None:
    page = web.get("employer", "/account")
    assert page.status_code == 200
    assert web.api.tokens["employer"] not in page.text  # never a secret
    rows = re.findall(r'id="token-(tok_[0-9a-f]+)"', page.text)
    assert len(rows) == 2  # the API token and this portal session
    other = web.get("agency", "/account")
    assert not set(rows) & set(re.findall(r'id="token-(tok_[0-9a-f]+)"', other.text))
    # Ending another account's token: it does not exist for this one.
    agency_token = re.findall(r'id="token-(tok_[0-9a-f]+)"', other.text)[0]
    refused = web.post("employer", f"/account/tokens/{agency_token}/revocation")
    assert refused.status_code == 404
    # Ending the API token from the portal: the API refuses it at once.
    api_token_id = web.api.client.get(
        "/v1/auth/me", headers={"Authorization": f"Bearer {web.api.tokens['employer']}"}
    ).json()["token_id"]
    ended = web.post("employer", f"/account/tokens/{api_token_id}/revocation")
    assert ended.status_code == 303 and ended.headers["location"] == "/account?done=token_revoked"
    assert _api_status(web, web.api.tokens["employer"]) == 401
    assert web.get("employer", "/account").status_code == 200  # the session goes on
    # Ending this very session signs out.
    current = next(r for r in rows if r != api_token_id)
    ended = web.post("employer", f"/account/tokens/{current}/revocation")
    assert ended.headers["location"] == "/?done=signed_out"
    assert web.get("employer", "/account").status_code == 303


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant", "en"])
def test_the_account_page_reads_in_every_language(web: Web, lang: str) -> None:
    page = web.get("regulator", f"/account?lang={lang}")
    assert page.status_code == 200
    title = {"zh-Hans": "账户的令牌与会话", "zh-Hant": "帳戶的權杖與工作階段"}.get(
        lang, "account&#39;s tokens and sessions"
    )
    assert title in page.text
    assert web.get("candidate", "/account").status_code == 403


def test_a_permission_refusal_says_why_only_in_the_catalogues_words(web: Web) -> None:
    """A 403 page explains a refusal the catalogue words for the reader, and never shows
    a service's own English of one, which may name what the reader may not see."""
    from fairscreen.domain.errors import PermissionDenied
    from fairscreen.entrypoints.web.render import WebRoute

    def keyed() -> None:
        raise PermissionDenied("agency answers", key="denied.agency_answers_disputes")

    def unkeyed() -> None:
        raise PermissionDenied("case 7 belongs to Example Ltd", field="actor")

    app = web.client("employer").app
    for path, endpoint in (("/test-only/keyed", keyed), ("/test-only/unkeyed", unkeyed)):
        app.router.add_api_route(path, endpoint, route_class_override=WebRoute)
    explained = web.get("employer", "/test-only/keyed")
    assert explained.status_code == 403
    assert "说明: <span>该案件的异议由受托核查机构答复。</span>" in explained.text
    assert "agency answers" not in explained.text
    unexplained = web.get("employer", "/test-only/unkeyed")
    assert unexplained.status_code == 403 and "PERMISSION_DENIED" in unexplained.text
    assert "Example Ltd" not in unexplained.text and "说明" not in unexplained.text
