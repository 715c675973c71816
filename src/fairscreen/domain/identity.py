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
    """Matches records against one subject, whose identifiers are normalised once."""

    __slots__ = ("_birth_date", "_id_number", "_name")

    def __init__(self, subject: Subject) -> None:
        self._id_number = normalize_id_number(subject.national_id)
        self._name = normalize_name(subject.name)
        self._birth_date = subject.birth_date

    def match(self, identity: RecordIdentity | None) -> MatchStrength:
        if identity is None:
            return MatchStrength.UNMATCHED
        if identity.national_id is not None and identity.national_id.strip():
            if normalize_id_number(identity.national_id) != self._id_number:
                return MatchStrength.UNMATCHED
            if identity.name is not None and normalize_name(identity.name) != self._name:
                return MatchStrength.UNMATCHED
            return MatchStrength.STRONG
        if (
            identity.name is not None
            and identity.birth_date is not None
            and normalize_name(identity.name) == self._name
            and identity.birth_date == self._birth_date
        ):
            return MatchStrength.WEAK
        return MatchStrength.UNMATCHED


def match_identity(subject: Subject, identity: RecordIdentity | None) -> MatchStrength:
    return IdentityMatcher(subject).match(identity)
