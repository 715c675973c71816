"""The prohibited topics of witness statements and the port that names them (PRODUCT.md P3).

Rule: a witness statement that touches a prohibited category of PRODUCT.md P2, or remarks
on the candidate's age, sex or gender, or appearance, is dropped before it is stored;
only the count of dropped statements and their topic are kept. The sources of the rule:

- Labour Contract Law art. 8: an employer may learn only what is directly related to the
  labour contract.
- PIPL art. 28–29: sensitive personal information (religion, health, medical history,
  biometric and genetic data, whereabouts, …) needs a specific purpose, necessity and a
  separate consent; a screening never has that for a referee's hearsay, so it is never
  collected (PIPL art. 6, minimal collection).
- Civil Code art. 1032–1033: privacy covers "private life, private space, private
  activities and private information"; nobody may spread them.
- Employment Promotion Law art. 3, 26–31 (and Women's Rights Protection Law art. 43):
  no discrimination by ethnicity, race, sex, religion, disability, infectious-disease
  carrier status or rural household registration; no questions on marriage or pregnancy.
- Public Security Administration Punishments Law (revised 2025, in force 2026-01-01):
  records of public-security violations are sealed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# The prohibited topics, in precedence order: when a statement touches several, the first
# of these is reported — the most specific and most sensitive first, so
# "入职体检查出他是乙肝携带者" is an infectious-disease topic, not only a health one, and
# "她离婚后生活作风有问题" reports the marriage before the general private-life topic.
# The last three are PRODUCT.md P3's remarks on the person (age, sex or gender,
# appearance): grounds of hiring discrimination, reported after every P2 category they
# could overlap with ("她怀孕了，年纪也不小" is a pregnancy topic).
PROHIBITED_TOPICS: tuple[str, ...] = (
    "infectious_disease_carrier",
    "genetic_data",
    "pregnancy_or_fertility",
    "sexual_orientation",
    "disability",
    "public_security_violation",
    "religion",
    "ethnicity",
    "health_condition",
    "union_membership",
    "political_views",
    "social_media_private",
    "household_registration",
    "marital_status",
    "private_life",
    "family_background",
    "sex_or_gender",
    "age",
    "appearance",
)

# What a job phrase the lexicon blanks (an ``allow`` entry) leaves in the text the model
# reads: a zero-width space, which ``text_fold.fold`` removes from every input, so only a
# blanked phrase can put one there. The model reads it as the feature ``ALLOW_FEATURE``
# (model r9): without it, "He was the HR liaison to the trade union." left "he was the
# hr", pronoun and verb only, which the model dropped as a remark about the person.
ALLOW_MARK = "\u200b"
ALLOW_FEATURE = "allow"

RANK = {name: index for index, name in enumerate(PROHIBITED_TOPICS)}


@dataclass(frozen=True)
class ModelRef:
    """Which published data a classifier decides by: the model's version and the SHA-256
    of its file, and the SHA-256 of the lexicon files (shown in every report next to the
    rulebook's, and on the public rulebook page), so a dropped statement can be traced to
    the exact data that dropped it."""

    version: str
    sha256: str
    lexicon_sha256: str = ""


class TopicClassifier(Protocol):
    """Anything that can name the prohibited topic of a statement (PRODUCT.md P3)."""

    def prohibited_topic(self, text: str) -> str | None:
        """The prohibited category this statement touches (e.g. "private_life"), or None."""
        ...


@runtime_checkable
class PublishedClassifier(Protocol):
    """A classifier whose data is published: reports name it (``topic_model``)."""

    @property
    def model_ref(self) -> ModelRef:
        """The version and SHA-256 of the model and lexicon it decides by."""
        ...


def earliest(first: str | None, second: str | None) -> str | None:
    """Of two topics (either may be None), the one earlier in :data:`PROHIBITED_TOPICS`."""
    if first is None:
        return second
    if second is None:
        return first
    return first if RANK[first] <= RANK[second] else second
