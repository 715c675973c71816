"""Identity matching (PRODUCT.md P3).

A record is the subject's only on a **strong** match (its national ID number equals the
subject's, and its name does too where the record carries one) or a **weak** match (the
record has no ID number, and name *and* birth date both equal the subject's). Anything
else is unmatched and never used: matching on name and birth date alone when an ID number
disagrees is the "mixed file" error behind screening firms' largest fines (cf. FCRA
§607(b) "maximum possible accuracy").
"""

from __future__ import annotations

import unicodedata

from fairscreen.domain.categories import MatchStrength
from fairscreen.domain.model import RecordIdentity, Subject


def normalize_id_number(value: str) -> str:
    """Resident ID numbers compare without spaces, and with the check digit X upper-case."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def normalize_name(value: str) -> str:
    return "".join(unicodedata.normalize("NFKC", value).split()).casefold()


class IdentityMatcher:
    """Matches records against one subject, whose identifiers are normalised once.

    A record's identifier written exactly as the subject's needs no normalising: equal text
    normalises to equal text. Most records of a case carry it so."""

    __slots__ = ("_birth_date", "_id_number", "_id_text", "_name", "_name_text")

    def __init__(self, subject: Subject) -> None:
        self._id_text = subject.national_id
        self._id_number = normalize_id_number(subject.national_id)
        self._name_text = subject.name
        self._name = normalize_name(subject.name)
        self._birth_date = subject.birth_date

    def _same_id(self, value: str) -> bool:
        return value == self._id_text or normalize_id_number(value) == self._id_number

    def _same_name(self, value: str) -> bool:
        return value == self._name_text or normalize_name(value) == self._name

    def match(self, identity: RecordIdentity | None) -> MatchStrength:
        if identity is None:
            return MatchStrength.UNMATCHED
        if identity.national_id is not None and identity.national_id.strip():
            if not self._same_id(identity.national_id):
                return MatchStrength.UNMATCHED
            if identity.name is not None and not self._same_name(identity.name):
                return MatchStrength.UNMATCHED
            return MatchStrength.STRONG
        if (
            identity.name is not None
            and identity.birth_date is not None
            and self._same_name(identity.name)
            and identity.birth_date == self._birth_date
        ):
            return MatchStrength.WEAK
        return MatchStrength.UNMATCHED
