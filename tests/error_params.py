"""The test suite's check that error parameters are codes and numbers, never personal data
(``domain/errors.py``): ``conftest._error_params_are_codes`` applies it to every error any
test provokes."""

from __future__ import annotations

import re

#: What a message key's parameter may look like (``domain/errors.py``: codes, ids, paths,
#: dates and numbers, a list of codes such as "'a', 'b' or 'c'", and the service's own
#: English made of them, such as "HTTP 503, after 3 attempts"): each word code-shaped (no
#: ``@``, no Chinese), none a capitalised word, and no long run of digits (in one word or
#: in groups), which is what a name, a contact, an ID number or a phone number would show
#: as.
_CODE = re.compile(r"[A-Za-z0-9_.:/\[\]+-]{1,120}")
_DIGIT_RUN = re.compile(r"\d{7,}[0-9Xx]?")
_NAME_WORD = re.compile(r"[A-Z][a-z]+")
_BETWEEN_WORDS = re.compile(r"[\s,'\"()]+")


def shape(value: object) -> str:
    """A value's shape for the failure message, not the value (it may be personal data):
    letters become a, digits 9, Chinese 字."""
    text = re.sub(r"[A-Za-z]", "a", str(value))
    return re.sub(r"[\u3400-\u9fff]", "字", re.sub(r"\d", "9", text))


def is_code_param(value: object) -> bool:
    if isinstance(value, int):
        return True
    if not isinstance(value, str):
        return False
    words = [word for word in _BETWEEN_WORDS.split(value) if word]
    # a number written in groups ("+86 10 0000 0000") is a long run of digits too
    digits = (word.lstrip("+") for word in words)
    grouped = "".join(word for word in digits if word.isdigit())
    return _DIGIT_RUN.fullmatch(grouped) is None and all(
        _CODE.fullmatch(word) is not None
        and _DIGIT_RUN.fullmatch(word) is None
        and _NAME_WORD.fullmatch(word) is None
        for word in words
    )
