"""Before the candidate signs, the agency does not learn who they are (usability walk:
the agency queue showed the candidate's name on a case still waiting for the signature).
The queue shows the role, the employer and the state, and "not consented yet" for the
name; once signed, the name as the employer entered it."""

from __future__ import annotations

import pytest

from api.conftest import sign_over_api
from factories import SUBJECT
from web.conftest import Web

NOT_YET = {"zh-Hans": "候选人尚未授权", "en": "has not consented", "zh-Hant": "候選人尚未授權"}


def _order(web: Web) -> str:
    """The employer orders on its portal, naming the test candidate (as entered)."""
    ordered = web.post(
        "employer",
        "/employer/cases",
        {
            "profile_id": web.api.ids["profile"],
            "requested": ["identity", "education"],
            "agency_id": web.api.ids["agency"],
            "contact": "139 0013 9001",
            **SUBJECT,
        },
    )
    assert ordered.status_code == 303, ordered.text[:400]
    return str(ordered.headers["location"].split("/")[-1].split("?")[0])


@pytest.mark.parametrize("lang", ["zh-Hans", "en", "zh-Hant"])
def test_the_agency_sees_the_candidates_name_only_once_they_have_signed(
    web: Web, lang: str
) -> None:
    case_id = _order(web)
    assert SUBJECT["name"] in web.get("employer", f"/employer?lang={lang}").text
    queue = web.get("agency", f"/agency?lang={lang}").text
    row = queue.split(f'href="/agency/cases/{case_id}"', 1)[1].split("</tr>", 1)[0]
    assert SUBJECT["name"] not in queue and NOT_YET[lang] in row
    assert "质量专员" in row and "某食品公司" in row  # role and employer still shown
    page = web.get("agency", f"/agency/cases/{case_id}?lang={lang}").text
    assert SUBJECT["name"] not in page and 'id="brief-claims"' not in page

    sign_over_api(web.api, case_id)
    queue = web.get("agency", f"/agency?lang={lang}").text
    row = queue.split(f'href="/agency/cases/{case_id}"', 1)[1].split("</tr>", 1)[0]
    assert SUBJECT["name"] in row and NOT_YET[lang] not in row
