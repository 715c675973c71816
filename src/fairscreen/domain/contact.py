"""How a candidate is reached: a mobile number or an e-mail address, as the employer
enters it when ordering a check (issue 13 item 2).

The rules: a mainland China mobile number is 11 digits ``1[3-9]\\d{9}`` (MIIT numbering
plan), written with or without ``+86``; a Hong Kong mobile is ``+852`` and 8 digits
starting 4-9; a Taiwan mobile is ``+886 9`` and 8 more digits (or ``09`` and 8 digits
written nationally). An e-mail address has one ``@``, a local part and a domain of at
least two labels (RFC 5321 lengths: 64 and 255, 254 in all), no spaces. Spaces, hyphens
and brackets people type in numbers are ignored.

Shown back only masked (``mask``): the last four digits of a number, the first letter
of an address's local part and its domain, so a page tells the candidate where a code
went without showing the whole number or address to whoever holds the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from fairscreen.domain.errors import InvalidInput

MOBILE = "mobile"
EMAIL = "email"

_MAINLAND = re.compile(r"(?:\+?86)?(1[3-9]\d{9})")
_HONG_KONG = re.compile(r"\+?852([4-9]\d{7})")
_TAIWAN = re.compile(r"(?:\+?886|0)(9\d{8})")
_EMAIL = re.compile(
    r"[^@\s]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_NUMBER_NOISE = re.compile(r"[\s\-()（）]")


@dataclass(frozen=True, slots=True)
class Contact:
    """A validated contact: ``kind`` is ``mobile`` (``value`` in E.164, ``+86…``) or
    ``email`` (``value`` as typed, its domain in lower case)."""

    kind: str
    value: str

    def __repr__(self) -> str:  # never the number or address itself
        return f"Contact({self.kind})"

    @property
    def masked(self) -> str:
        return mask(self)


def parse_contact(text: str, *, field: str = "contact") -> Contact:
    """The contact in ``text``, or ``InvalidInput`` naming ``field`` and the rule."""
    raw = text.strip()
    if not raw:
        raise InvalidInput(
            "a mobile number or an e-mail address is required",
            field=field,
            key="input.mobile_number_e_mail_address",
        )
    if "@" in raw:
        if len(raw) > 254 or _EMAIL.fullmatch(raw) is None:
            raise InvalidInput(
                "not an e-mail address (name@example.com)",
                field=field,
                key="input.not_e_mail_address_name",
            )
        local, _, domain = raw.rpartition("@")
        return Contact(EMAIL, f"{local}@{domain.lower()}")
    number = _NUMBER_NOISE.sub("", raw)
    if (found := _HONG_KONG.fullmatch(number)) and number.startswith(("+852", "852")):
        return Contact(MOBILE, "+852" + found.group(1))
    if (found := _TAIWAN.fullmatch(number)) is not None:
        return Contact(MOBILE, "+886" + found.group(1))
    if (found := _MAINLAND.fullmatch(number)) is not None:
        return Contact(MOBILE, "+86" + found.group(1))
    raise InvalidInput(
        "not a mobile number: mainland 1[3-9] + 9 digits, +852 8 digits, +886 9 + 8 digits",
        field=field,
        key="input.not_mobile_number_mainland_1",
    )


def mask(contact: Contact) -> str:
    """``1234`` for a number (its last four digits, for "尾号 1234 的手机"), ``a***@x.com``
    for an address."""
    if contact.kind == MOBILE:
        return contact.value[-4:]
    local, _, domain = contact.value.rpartition("@")
    return f"{local[0]}***@{domain}"
