"""The lexicon data files and the engine that reads them (domain/lexicon.py, PRODUCT.md P3)."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.lexicon import (
    ALLOW,
    LEXICON_FILES,
    LexiconEntry,
    LexiconReading,
    LexiconTopicClassifier,
    TopicLexicon,
    _candidates,
    build_lexicon,
    lexicon_file_text,
    parse_lexicon_file,
    shipped_lexicon_sha256,
)
from fairscreen.domain.text_fold import fold, simplified
from fairscreen.domain.topic_model import shipped_model
from fairscreen.domain.topic_names import PROHIBITED_TOPICS
from fairscreen.domain.topics import LayeredTopicClassifier

FILES = {
    name: parse_lexicon_file(name, lexicon_file_text(name), compile_patterns=True)
    for name in LEXICON_FILES
}
LEXICON = LexiconTopicClassifier(build_lexicon(FILES))


@pytest.mark.parametrize("name", LEXICON_FILES)
def test_each_shipped_file_parses_and_every_pattern_compiles(name: str) -> None:
    entries = FILES[name]
    assert entries
    for entry in entries:
        assert entry.topic == ALLOW or entry.topic in PROHIBITED_TOPICS
        for pattern in entry.patterns:
            re.compile(pattern)
    LexiconTopicClassifier(build_lexicon({name: entries})).compile_all()


def test_the_files_cover_the_new_topics_of_product_p3() -> None:
    topics = {entry.topic for entries in FILES.values() for entry in entries}
    assert {"age", "sex_or_gender", "appearance"} <= topics


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("她年纪大了，反应慢。", "age"),
        ("She's in her late fifties.", "age"),
        ("这姑娘长得很漂亮。", "appearance"),  # 颜值 is a cue since r15 (beauty-brand design)
        ("She's easy on the eye.", "appearance"),
        ("女孩子嘛，不用太拼。", "sex_or_gender"),
        ("It's better suited to a man.", "sex_or_gender"),
        ("佢係基嚟。", "sexual_orientation"),  # zh-Hant only entries, on Traditional text
        ("她是個外配。", "marital_status"),  # 個: Traditional, so Taiwan usage applies
        ("她是外配。", None),  # the same in Simplified characters: no Taiwan-usage entry
        # 同志 ("gay" in Taiwan usage, "comrade" elsewhere) is a cue of zh-Hant.toml since
        # model r20 (a Taiwan job statement used it for colleagues): no hit, the model weighs it
        ("他係同志。", None),
    ],
)
def test_entries_of_each_file_fire_where_they_should(text: str, topic: str | None) -> None:
    assert LEXICON.prohibited_topic(text) == topic


@pytest.mark.parametrize(
    "text",
    [
        "她负责员工的产假审批。",
        "He built software for a trade union.",
        "他对工作很虔诚。",
        "她负责颜值类产品的视觉设计。",
    ],
)
def test_an_ambiguous_term_is_a_cue_not_a_drop(text: str) -> None:
    folded = text.casefold()
    reading = LEXICON.read(folded, folded)
    assert reading.topic is None
    assert reading.cue is not None


def test_an_unambiguous_term_still_drops_and_a_cue_can_name_the_topic() -> None:
    lexicon = LexiconTopicClassifier(
        TopicLexicon(topics={"health_condition": ("住院",)}, cues={"religion": ("信仰",)})
    )
    layered = LayeredTopicClassifier(lexicon, shipped_model())
    assert lexicon.read("他住院了。", "他住院了。") == LexiconReading(
        "health_condition", None, "他住院了。", "zh-Hans"
    )
    # a hit drops whatever the model says; a cue of an earlier topic names it
    assert layered.prohibited_topic("他住院了。") == "health_condition"
    assert layered.prohibited_topic("他住院了，他的信仰很坚定。") == "religion"


def test_a_cue_of_zh_hant_toml_hints_on_traditional_text_only() -> None:
    entry = LexiconEntry("religion", ("拜拜",), cue=True)
    lexicon = build_lexicon({"zh-Hant": [entry]})
    assert lexicon.hant_cues == {"religion": ("拜拜",)}
    assert lexicon.cues == {} and lexicon.hant_topics == {}
    classifier = LexiconTopicClassifier(lexicon)
    readings = []
    for text in ("她每週都去廟裡拜拜。", "她每周都去庙里拜拜。"):
        folded = fold(text)
        readings.append(classifier.read(folded, simplified(folded)))
    assert [(r.topic, r.cue, r.script) for r in readings] == [
        (None, "religion", "zh-Hant"),
        (None, None, "zh-Hans"),
    ]


def test_a_hit_of_zh_hant_toml_ranks_with_the_others_and_its_cue_with_the_cues() -> None:
    lexicon = TopicLexicon(
        topics={"private_life": ("赌博",)},
        cues={"religion": ("信仰",)},
        hant_topics={"sexual_orientation": ("同志",)},
        hant_cues={"health_condition": ("看医生",)},
    )
    text = "聽說他是同志，常去看醫生，信仰很堅定，也愛賭博。"
    folded = fold(text)
    reading = LexiconTopicClassifier(lexicon).read(folded, simplified(folded))
    # the earliest topic of PRODUCT.md's order wins, among hits and among cues alike
    assert (reading.topic, reading.cue) == ("sexual_orientation", "religion")
    # and the other way round: the general file's hit and the Traditional file's cue first
    reversed_lexicon = TopicLexicon(
        topics={"sexual_orientation": ("同志",)},
        cues={"health_condition": ("看医生",)},
        hant_topics={"private_life": ("赌博",)},
        hant_cues={"religion": ("信仰",)},
    )
    reading = LexiconTopicClassifier(reversed_lexicon).read(folded, simplified(folded))
    assert (reading.topic, reading.cue) == ("sexual_orientation", "religion")


def test_job_phrases_are_blanked_for_the_model() -> None:
    reading = LEXICON.read("工作作风扎实。", "工作作风扎实。")
    assert "作风" not in reading.masked and "扎实" in reading.masked


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("[[entry]]\ntopic = 'gender'\npatterns = ['xy']\n", "zh.toml entry 1.topic", "prohibited"),
        ("[[entry]]\ntopic = 'age'\npatterns = []\n", "zh.toml entry 1.patterns", "non-empty"),
        ("[[entry]]\ntopic = 'age'\npatterns = ['(?:老)?人']\n", "entry 1.patterns", "optional"),
        ("[[entry]]\ntopic = 'age'\npatterns = ['[']\n", "entry 1.patterns", "bad pattern"),
        ("[[entry]]\ntopic = 'allow'\ncue = true\npatterns = ['xy']\n", "entry 1.cue", "allow"),
        ("[[entry]]\ntopic = 'age'\nnote = 'x'\npatterns = ['xy']\n", "entry 1", "unknown"),
        ("topic = 'age'\n", "zh.toml", "unknown"),
        ("[[entry]\n", "zh.toml", "TOML"),
    ],
)
def test_a_malformed_file_is_refused_naming_the_entry_and_field(
    text: str, field: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as raised:
        parse_lexicon_file("zh", text, compile_patterns=True)
    assert field in str(raised.value.field)


def test_the_lexicon_digest_names_every_file() -> None:
    digest = shipped_lexicon_sha256()
    assert re.fullmatch("[0-9a-f]{64}", digest)
    assert shipped_lexicon_sha256() == digest


def test_the_chinese_scan_finds_every_start_the_prefixes_allow_overlapping_ones_too() -> None:
    scan = _candidates({"癌"}, {"他好", "好像", "他喜"})
    assert scan is not None
    starts = [found.start() for found in scan.finditer("他好像得了癌。他是他的")]
    # 他好 at 0 and 好像 at 1 overlap; 他是 and 他的 start no entry and are not tried
    assert starts == [0, 1, 5]
    assert _candidates(set(), set()) is None


def test_the_chinese_scan_misses_no_start_of_the_shipped_entries() -> None:
    # a superset of what the exact prefix test accepts is all the scan may be: a start it
    # missed would be a prohibited remark kept
    corpus = resources.files("fairscreen").joinpath("data/topics_corpus.jsonl").read_text()
    statements = "\n".join(json.loads(line)["text"] for line in corpus.splitlines())
    for dispatcher in (LEXICON._allow, LEXICON._topics, LEXICON._hant_topics):
        scan = _candidates(dispatcher._chinese_singles, dispatcher._chinese_pairs)
        assert scan is not None
        found = {match.start() for match in scan.finditer(statements)}
        allowed = {
            start
            for start in range(len(statements))
            if statements[start] in dispatcher._chinese_singles
            or statements[start : start + 2] in dispatcher._chinese_pairs
        }
        assert allowed, "the corpus starts some entry of every dispatcher"
        assert allowed <= found
