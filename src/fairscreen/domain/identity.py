"""Identity matching (PRODUCT.md P3).

A record is the subject's only on a **strong** match (its national ID number equals the
subject's, and its name does too where the record carries one) or a **weak** match (the
record has no ID number, and name *and* birth date both equal the subject's). Anything
else is unmatched and never used: matching on name and birth date alone when an ID number
disagrees is the "mixed file" error behind screening firms' largest fines (cf. FCRA
§607(b) "maximum possible accuracy").

"Equal" is :func:`identity_key` equality: Unicode NFKC, white space removed, case-folded,
and nothing looser (no transliteration, no simplified/traditional folding, no fuzzy match).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from fairscreen.domain.categories import MatchStrength
from fairscreen.domain.model import RecordIdentity, Subject

#: Unicode's White_Space property (PropList.txt), which the comparison removes: tab to
#: carriage return, the space, NEL, the no-break, Ogham, en/em/thin… spaces, the line and
#: paragraph separators and the ideographic (full-width) space U+3000. Python's
#: ``str.split()`` would also remove U+001C-U+001F, which are not white space.
_WHITE_SPACE_RANGES: tuple[tuple[int, int], ...] = (
    (0x09, 0x0D),
    (0x20, 0x20),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200A),
    (0x2028, 0x2029),
    (0x202F, 0x202F),
    (0x205F, 0x205F),
    (0x3000, 0x3000),
)
WHITE_SPACE = dict.fromkeys(
    point for first, last in _WHITE_SPACE_RANGES for point in range(first, last + 1)
)


def identity_key(value: str) -> str:
    """The form in which names and ID numbers compare (PRODUCT.md P3 "Equals"): Unicode
    NFKC, white space removed, case-folded, and nothing looser. So 张 三 equals 张三 (an
    ideographic space), Ｌｉ　Ｌｅｉ equals LI LEI (full-width letters), and an ID number
    ending in ``x`` equals one ending in ``X``; 张三 never equals 張三 or Zhang San."""
    return unicodedata.normalize("NFKC", value).translate(WHITE_SPACE).casefold()


def normalize_id_number(value: str) -> str:
    """An ID number as written and indexed (the service's look-up hash is of this form):
    NFKC, spaces removed, the check digit X upper-case. Matching compares
    :func:`identity_key`, not this."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def normalize_name(value: str) -> str:
    return identity_key(value)


# The answers, bound once as module names: on CPython 3.11 reading a member off its Enum
# class (``MatchStrength.STRONG``) goes through ``EnumType.__getattr__``'s lookup hook,
# about ten times the cost of a global, and ``match`` answers for every record of a case.
_STRONG, _WEAK, _UNMATCHED = MatchStrength.STRONG, MatchStrength.WEAK, MatchStrength.UNMATCHED


class IdentityMatcher:
    """Matches records against one subject, whose identifiers are normalised once.

    A record's identifier written exactly as the subject's needs no normalising: equal text
    normalises to equal text. Most records of a case carry it so."""

    __slots__ = ("_birth_date", "_id_number", "_id_text", "_name", "_name_text")

    def __init__(self, subject: Subject) -> None:
        self._id_text = subject.national_id
        self._id_number = identity_key(subject.national_id)
        self._name_text = subject.name
        self._name = identity_key(subject.name)
        self._birth_date = subject.birth_date

    def _same_id(self, value: str) -> bool:
        return value == self._id_text or identity_key(value) == self._id_number

    def _same_name(self, value: str) -> bool:
        return value == self._name_text or identity_key(value) == self._name

    def match(self, identity: RecordIdentity | None) -> MatchStrength:
        if identity is None:
            return _UNMATCHED
        if identity.national_id is not None and identity.national_id.strip():
            if not self._same_id(identity.national_id):
                return _UNMATCHED
            if identity.name is not None and not self._same_name(identity.name):
                return _UNMATCHED
            return _STRONG
        if (
            identity.name is not None
            and identity.birth_date is not None
            and self._same_name(identity.name)
            and identity.birth_date == self._birth_date
        ):
            return _WEAK
        return _UNMATCHED


_RESIDENT_ID = re.compile(r"\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dXx]")


def embedded_birth_date(national_id: str) -> date | None:
    """The birth date a mainland resident identity card number carries (GB 11643-1999:
    digits 7-14 are YYYYMMDD); None for any other document number, or digits that are no
    real date. The order form warns when it differs from the birth date typed."""
    found = _RESIDENT_ID.fullmatch(normalize_id_number(national_id))
    if found is None:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None
