"""The statistical layer of the topic filter (domain/topic_model.py) and its published card."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from typing import Any

import pytest

from fairscreen.domain import topic_model
from fairscreen.domain.errors import InvalidInput
from fairscreen.domain.lexicon import LexiconTopicClassifier, TopicLexicon
from fairscreen.domain.text_fold import SCRIPTS, fold, normalise, simplified, written_script
from fairscreen.domain.topic_model import (
    MODEL_RESOURCE,
    asides,
    features,
    ngrams,
    parse_model,
    span_features,
    spans,
)
from fairscreen.domain.topic_names import ALLOW_FEATURE, ALLOW_MARK, PROHIBITED_TOPICS
from fairscreen.domain.topics import LayeredTopicClassifier, default_classifier
from fairscreen.services.evaluation import evaluate_case, reference_questionnaire
from fairscreen.services.topic_audit import (
    DEVELOPMENT_RESOURCES,
    HELDOUT_RESOURCES,
    audit_shipped_sets,
    load_development,
    load_heldout,
)
from fairscreen.services.topic_model_card import TEXTS, model_card, model_card_markdown
from topic_batches import expected_scripts, smallest_size
from topic_gaps import known_gap

MODEL_BYTES = resources.files("fairscreen").joinpath(MODEL_RESOURCE).read_bytes()
DOCUMENT = json.loads(MODEL_BYTES)


def test_ngrams_are_chinese_ngrams_and_english_words_pairs_stems_and_suffixes() -> None:
    # Chinese characters and bigrams only: trigrams cost a third of the features and, by
    # cross-validation on the training corpus, bought no recall (docs/topics.md)
    assert ngrams("她刚离婚") == {"她", "刚", "离", "婚", "她刚", "刚离", "离婚"}
    # a word of more than five letters gives its first five and (model r12) last three
    assert ngrams("she's pregnant") == {
        "w:she's",
        "w:pregnant",
        "p:pregn",
        "x:ant",
        "b:she's pregnant",
    }
    assert ngrams("she's punctual") >= {"x:ual"} and "x:ual" not in ngrams("she's")
    # and the shipped model (r12) learnt weights for them
    assert any(feature.startswith("x:") for feature in DOCUMENT["drop_weights"])
    assert ngrams("") == set()


def test_features_are_the_ngrams_and_the_cue() -> None:
    assert features("她刚离婚", "marital_status") == ngrams("她刚离婚") | {"cue:marital_status"}
    assert features("她刚离婚") == ngrams("她刚离婚")
    # an empty remark has no feature: it reads as training's featureless job rows
    assert features("") == set()


def test_spans_are_sentences_and_neighbouring_pairs() -> None:
    assert spans("他很好。她也是。") == ["他很好", "她也是", "他很好 她也是"]
    assert spans("she ships. he tests.") == ["she ships", "he tests", "she ships he tests"]
    # over-splitting costs nothing: the neighbouring pairs are spans too
    assert spans("e.g. the u.s. team") == ["e.g", "the u.s", "team", "e.g the u.s", "the u.s team"]
    assert spans("team.she left") == ["team", "she left", "team she left"]
    assert spans("") == [""]


def test_the_shipped_model_names_its_file_and_its_topics() -> None:
    classifier = default_classifier()
    ref = classifier.model_ref
    assert ref.sha256 == hashlib.sha256(MODEL_BYTES).hexdigest()
    assert ref.version == DOCUMENT["version"]
    assert DOCUMENT["topics"] == list(PROHIBITED_TOPICS)


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("她做事很稳。", "zh-Hans"),
        ("她們做事很穩。", "zh-Hant"),
        ("佢好有責任心。", "zh-Hant"),
        ("佢好勤力。", "zh-Hans"),  # no character differs: the same text in both scripts
        ("他会用Excel。", "zh-Hans"),
        ("He is dependable.", "en"),
        ("ＨＥ ＩＳ ＦＩＮＥ", "en"),
        ("", "en"),
    ],
)
def test_a_statement_is_written_in_the_script_its_characters_say(text: str, script: str) -> None:
    folded = fold(text)
    assert written_script(folded, simplified(folded)) == script
    # the lexicon reads it once, for its zh-Hant entries and the model's threshold
    assert LexiconTopicClassifier(TopicLexicon()).read(folded, simplified(folded)).script == script


def test_the_model_drops_at_the_threshold_of_the_statement_script() -> None:
    # one feature weighs 100 in every script; only zh-Hant's threshold is that low
    model = parse_model(
        json.dumps(
            DOCUMENT
            | {
                "bias": 0,
                "drop_weights": {"很": 100, "w:steady": 100},
                "thresholds": {"zh-Hans": 101, "zh-Hant": 100, "en": 101},
            }
        ).encode()
    )
    assert model.prohibited_topic("她很稳", None, "zh-Hans") is None
    assert model.prohibited_topic("她很稳", None, "zh-Hant") is not None
    layered = LayeredTopicClassifier(LexiconTopicClassifier(TopicLexicon()), model)
    assert layered.prohibited_topic("她做事很稳。") is None  # zh-Hans: 100 < 101
    assert layered.prohibited_topic("她做事很穩。") is not None  # zh-Hant: 100 >= 100
    assert layered.prohibited_topic("She is steady.") is None  # en: 100 < 101


def _vetoing_model(
    drop_weights: dict[str, int], zh_hant_threshold: int = 1000
) -> topic_model.TopicModel:
    """The shipped model with these weights only, bias 0, veto -5000, thresholds 1000
    (zh-Hant's as given)."""
    return parse_model(
        json.dumps(
            DOCUMENT
            | {
                "bias": 0,
                "lexicon_veto": -5000,
                "drop_weights": drop_weights,
                "thresholds": {"zh-Hans": 1000, "zh-Hant": zh_hant_threshold, "en": 1000},
            }
        ).encode()
    )


def test_a_lexicon_hit_is_kept_only_when_every_span_scores_under_the_veto() -> None:
    # 身孕 is an ordinary lexicon entry (a hit drops); 临床 weighs -6 and 她 +3 here
    model = _vetoing_model({"临床": -6000, "她": 3000})
    layered = LayeredTopicClassifier(LexiconTopicClassifier(), model)
    trial = "负责有身孕妇女用药的临床试验。"
    remark = "她有身孕了，反应很大。"
    for text in (trial, remark):
        folded = fold(text)
        assert layered.lexicon.read(folded, folded).topic == "pregnancy_or_fertility"
    assert layered.prohibited_topic(trial) is None  # -6000 < -5000: the model overrules
    # one span at or above the veto keeps the lexicon's drop, whatever the other spans say
    assert layered.prohibited_topic(trial + remark) == "pregnancy_or_fertility"
    assert layered.prohibited_topic(remark) == "pregnancy_or_fertility"  # 3000
    # at the veto exactly the hit stands
    at_veto = model.__class__(**{**model.__dict__, "lexicon_veto": -6000})
    assert LayeredTopicClassifier(LexiconTopicClassifier(), at_veto).prohibited_topic(trial)


def test_a_hit_the_job_words_of_its_sentence_would_carry_under_the_veto_still_drops() -> None:
    # one sentence, the hit in a clause of its own: the sentence scores -6000 + ... but
    # the clause holding the hit, read alone, does not
    model = _vetoing_model({"临床": -6000, "w:managed": -6000})
    layered = LayeredTopicClassifier(LexiconTopicClassifier(), model)
    assert layered.prohibited_topic("负责临床试验，她有身孕了。") == "pregnancy_or_fertility"
    assert layered.prohibited_topic("负责临床试验而且有身孕了。") == "pregnancy_or_fertility"
    assert layered.prohibited_topic("He managed the trials and he is gay.") == "sexual_orientation"
    assert (
        layered.prohibited_topic("负责有身孕妇女用药的临床试验。") is None
    )  # the hit's own clause


def test_a_hit_of_an_entry_for_traditional_text_only_is_never_overruled() -> None:
    # 外配 (a foreign spouse, in Taiwan usage) is an entry of zh-Hant.toml; its clause,
    # read again as Simplified text, shows no hit, so the veto has no clause to weigh: the
    # hit stands
    model = _vetoing_model({"临床": -6000, "w:managed": -6000})
    layered = LayeredTopicClassifier(LexiconTopicClassifier(), model)
    text = "負責臨床試驗，她是外配。"
    folded = fold(text)
    assert layered.lexicon.read(folded, simplified(folded)).topic == "marital_status"
    assert layered.prohibited_topic(text) == "marital_status"
    assert layered.prohibited_topic("负责临床试验，她是外配。") is None  # no Taiwan usage


def test_a_traditional_only_hit_is_not_overruled_with_another_hits_clause() -> None:
    # the clause of 同性恋 (zh.toml) scores under the veto; the clause of 外配 (zh-Hant.toml)
    # is read in the statement's script, shows its own hit and does not: the statement is
    # dropped (read as Simplified, that clause showed no hit, and both hits were overruled)
    model = _vetoing_model({"临床": -6000, "他": -6000})
    layered = LayeredTopicClassifier(LexiconTopicClassifier(), model)
    assert layered.prohibited_topic("負責臨床試驗的他是同性戀，她是外配。") == "sexual_orientation"


@pytest.mark.parametrize(
    "text",
    [
        # found by the session's second reading: the shipped veto kept each of them
        "他负责项目管理，工作认真，沟通能力强，是同性恋。",
        "她负责系统开发和代码评审，工作认真负责，离异。",
        "他负责后端开发和数据库优化，项目按时交付，是党员。",
        "他負責專案管理與客戶溝通，工作認真負責，是同性戀。",
        "He managed the vendor contracts and the quarterly budget reviews, and he is gay.",
        "He managed the vendor contracts and the quarterly budget reviews and he is gay.",
    ],
)
def test_a_mixed_sentence_with_a_lexicon_hit_is_dropped_whole(text: str) -> None:
    assert default_classifier().prohibited_topic(text) is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("他工作认真负责，团队协作好，但有乙型肝炎。", ["有乙型肝炎", "团队协作好"]),
        (
            "他有乙型肝炎，但工作认真负责，沟通能力强。",
            ["工作认真负责,沟通能力强", "工作认真负责", "他有乙型肝炎"],
        ),
        ("交付准时，不过最近身体不好，就是常请假。", ["最近身体不好", "交付准时", "常请假"]),
        (
            "He ran the audits well,but he has cancer. Though rarely.",
            ["he has cancer", "he ran the audits well", "rarely"],
        ),
        ("Good in a crisis; however, she is pregnant.", ["she is pregnant"]),
        ("做事认真，可是常请病假。", ["常请病假", "做事认真"]),
        ("他很努力，然而身体不好。", ["身体不好", "他很努力"]),
        ("他很努力，却常请病假。", ["常请病假", "他很努力"]),
        ("佢做嘢認真，就係成日請病假。", ["成日请病假", "佢做嘢认真"]),
        ("就是身体不太好。", ["身体不太好"]),  # a sentence that starts with it
        ("她管婚假、产假、病假的请假系统。", []),  # a list: no conjunction
        ("他负责人事，不但处理产假，而且处理婚假。", []),  # 不但: "not only"
        ("他负责临床试验，主要就是乙肝疫苗。", []),  # 就是 inside a clause: "mainly"
        ("系统冷却做得好，退却和望而却步都不是他的风格。", []),
        ("His debut: a rebuttal on butter pricing, a thoughtful piece.", []),  # words
    ],
)
def test_asides_are_the_pieces_around_a_contrasting_conjunction(
    text: str, expected: list[str]
) -> None:
    assert asides(simplified(fold(text))) == expected  # the folded text the filter reads


def test_a_hard_term_after_a_conjunction_inside_a_clause_is_not_overruled() -> None:
    # the veto's clauses split at 但, 就是 and 只是 anywhere, unlike the asides: 离异 is a
    # hard entry, and read alone its clause scores over the veto
    model = _vetoing_model({"临床": -6000})
    layered = LayeredTopicClassifier(LexiconTopicClassifier(), model)
    for text in ("她负责临床试验就是离异。", "她负责临床试验，不但离异了。"):
        assert layered.prohibited_topic(text) == "marital_status"
    assert layered.prohibited_topic("她负责有身孕妇女用药的临床试验。") is None  # overruled


def test_a_cue_around_a_contrasting_conjunction_is_scored_alone() -> None:
    # 肝炎 and 病假 are cues (they never drop alone); the job words weigh -6 here, 有 +2
    weights = {"负责": -6000, "系统": -6000, "有": 2000, "cue:health_condition": -2000}
    model = _vetoing_model(weights, zh_hant_threshold=3000)
    layered = LayeredTopicClassifier(LexiconTopicClassifier(), model)
    mixed = "他负责华东区销售，但有肝炎。"
    reading = layered.lexicon.read(fold(mixed), fold(mixed))
    assert reading.topic is None and reading.cue == "infectious_disease_carrier"
    assert model.score(mixed, reading.cue) < 1000  # the sentence alone would be kept
    assert layered.prohibited_topic(mixed) == "infectious_disease_carrier"
    # the remark before the conjunction, and job clauses after the aside
    assert layered.prohibited_topic("他有肝炎，但负责华东区销售。") == "infectious_disease_carrier"
    assert layered.prohibited_topic("他能干，可是有肝炎，负责华东区销售。") is not None
    # a piece scoring exactly the threshold drops
    at = LayeredTopicClassifier(
        LexiconTopicClassifier(), _vetoing_model({"有": 1000, "负责": -6000})
    )
    assert at.prohibited_topic("他负责销售，但有肝炎。") == "infectious_disease_carrier"
    # each script its own threshold: 2000 reaches zh-Hans's 1000, not zh-Hant's 3000
    assert layered.prohibited_topic("他負責華東區銷售，但有肝炎。") is None
    # the same remark as a clause of a list, no conjunction: the sentence decides
    assert layered.prohibited_topic("他负责华东区销售，有肝炎。") is None
    # a piece whose own cue scores under the threshold alone keeps the statement
    assert layered.prohibited_topic("他负责病假系统，但有病假记录。") is None


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        # model r16: 乙型肝炎 and 肝炎 became cues (a vaccine trial's job statement); the
        # shipped model keeps each of these sentences as a whole, the piece after the
        # contrasting conjunction, scored alone, drops it
        ("他工作认真负责，团队协作好，但有乙型肝炎。", "infectious_disease_carrier"),
        ("他有乙型肝炎，但工作认真负责，沟通能力强。", "infectious_disease_carrier"),
        ("他很能干，但有乙型肝炎，客户维护做得好。", "infectious_disease_carrier"),
        ("佢做嘢好有責任心，但係有乙型肝炎。", "infectious_disease_carrier"),
        # 妈祖 became a cue of zh-Hant.toml in r20 (Traditional text only): the piece after
        # 但 is read in the statement's script, or the cue would be lost there
        ("她工作很認真負責，團隊合作好，但常去拜媽祖。", "religion"),
        # r16 to r18 kept "She ran the quarterly close well, but she has dementia." as a
        # whole (a care home's job statement made "dementia" a cue); r19 drops it whole,
        # and "in hospital" became a cue in r19 (a hospital's job statement)
        (
            "He managed the vendor contracts well, but he was in hospital for a month.",
            "health_condition",
        ),
        known_gap(
            "他项目按时交付，技术很好就是有乙型肝炎。",
            "infectious_disease_carrier",
            "就是 without a comma before it is no aside",
        ),
        known_gap(
            "他负责华东区销售，业绩稳定，有乙型肝炎。",
            "infectious_disease_carrier",
            "a list, no conjunction",
        ),
        known_gap(
            "She mentored two engineers, ran the release train, and she is divorced.",
            "marital_status",
            "joined by 'and'",
        ),
    ],
)
def test_a_mixed_sentence_whose_remark_is_only_a_cue(text: str, topic: str) -> None:
    classifier = default_classifier()
    folded = fold(text)
    reading = classifier.lexicon.read(folded, simplified(folded))
    assert reading.topic is None and reading.cue == topic  # a cue, no lexicon hit
    assert classifier.model.prohibited_topic(reading.masked, reading.cue, reading.script) is None
    assert classifier.prohibited_topic(text) == topic


def test_the_shipped_veto_lies_under_every_threshold() -> None:
    # a statement the model overrules the lexicon on is one it would keep by itself
    model = default_classifier().model
    assert model.lexicon_veto == DOCUMENT["lexicon_veto"] == -5000
    assert all(model.lexicon_veto < threshold for threshold in model.thresholds.values())


@pytest.mark.xfail(
    strict=True,
    reason="r20's veto overrules 11 prohibited and 6 job rows out of fold (docs/topics.md)",
)
def test_the_veto_overrules_more_job_statements_than_prohibited_ones() -> None:
    # what the veto is for (model r13); true until r19 (20 job rows, 7 prohibited); r20 made
    # zh-Hant.toml's ambiguous terms cues, and fewer job rows are left for it to save
    overruled = default_classifier().model.training["cross_validation"]["lexicon_overruled"]
    assert overruled["prohibited"] < overruled["job_rows"]


def test_training_chose_a_c_whose_model_keeps_the_questionnaire() -> None:
    # make topics-model prefers, among the C values, one that drops none of the
    # questionnaire's own texts (model r15 dropped 12 at the C cross-validation chose)
    assert (
        default_classifier().model.training["cross_validation"]["questionnaire_texts_dropped"] == 0
    )


def test_the_shipped_model_has_a_threshold_per_script_above_an_empty_statement() -> None:
    model = default_classifier().model
    assert set(model.thresholds) == set(SCRIPTS)
    # nothing known means keep, in every script (the featureless rows of training)
    assert all(model.bias < threshold for threshold in model.thresholds.values())
    cross_validation = model.training["cross_validation"]
    assert set(cross_validation["scripts"]) == set(SCRIPTS)
    assert cross_validation["false_drops"] <= cross_validation["one_threshold_false_drops"]


def test_a_mixed_statement_is_dropped_whole() -> None:
    classifier = default_classifier()
    job = "他的代码评审意见一向中肯，交付也准时。"
    assert classifier.prohibited_topic(job) is None
    assert classifier.prohibited_topic(job + "就是身体不太好，经常跑医院。") is not None


def test_a_blanked_job_phrase_is_a_feature_of_its_sentence_only() -> None:
    text = fold("He was the HR liaison to the trade union. He's great.")
    masked = LexiconTopicClassifier().read(text, text).masked
    assert ALLOW_MARK in masked and "union" not in masked
    first, second, pair = (found for _, found in span_features(masked))
    assert ALLOW_FEATURE in first and ALLOW_FEATURE in pair and ALLOW_FEATURE not in second
    # the model learnt it as evidence of a job statement (model r9)
    assert DOCUMENT["drop_weights"][ALLOW_FEATURE] < 0
    # what is left ("he was the hr") was dropped by r9 without the feature
    liaison = "He was the HR liaison to the trade union."
    assert default_classifier().prohibited_topic(liaison) is None


def test_a_referee_cannot_write_the_allow_mark() -> None:
    # fold removes every zero-width space, so only a blanked phrase leaves the mark
    assert ALLOW_MARK not in fold(f"她{ALLOW_MARK}怀孕了 he is {ALLOW_MARK}gay")
    classifier = default_classifier()
    for text in ("她最近怀孕了。", "He's always hungover on Mondays."):
        marked = text.replace(" ", f" {ALLOW_MARK}") + ALLOW_MARK
        assert classifier.prohibited_topic(marked) == classifier.prohibited_topic(text)
        assert classifier.prohibited_topic(text) is not None


def test_an_empty_or_blanked_statement_is_kept() -> None:
    classifier = default_classifier()
    for text in ("", "。", "民族品牌", "carrier-grade systems"):
        assert classifier.prohibited_topic(text) is None, text


def test_a_statement_the_model_drops_is_read_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # the topic is named from the features its drop score was summed over: reading the
    # span again cost ~250k instructions a statement (docs/evaluation.md)
    classifier = default_classifier()
    text = "他都四十好几了还在写代码。"
    folded = fold(text)
    reading = classifier.lexicon.read(folded, folded)
    assert reading.topic is None and reading.cue is None  # the model decides, not the lexicon
    read = topic_model._read
    spans_read: list[str] = []
    monkeypatch.setattr(topic_model, "_read", lambda span: spans_read.append(span) or read(span))
    assert classifier.prohibited_topic(text) == "age"
    assert spans_read == ["他都四十好几了还在写代码"]


def test_the_model_names_the_highest_topic_and_the_first_listed_on_a_tie() -> None:
    weights = {"甲": [3, 5, 1, 2], "乙": [1, 3, 4, 1]}  # [topic index, weight, …]
    model = parse_model(
        json.dumps(
            DOCUMENT | {"topic_bias": [0] * len(PROHIBITED_TOPICS), "topic_weights": weights}
        ).encode()
    )
    assert model.topic({"甲"}) == PROHIBITED_TOPICS[3]
    assert model.topic({"甲", "乙", "unknown"}) == PROHIBITED_TOPICS[1]  # 5 against 5
    assert model.topic(set()) == PROHIBITED_TOPICS[0]  # all zero


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "other/v9"}, "format"),
        ({"topics": ["age"]}, "topics"),
        ({"version": ""}, "version"),
        ({"bias": 1.5}, "bias"),
        ({"drop_weights": {"x": "1"}}, "drop_weights"),
        ({"topic_bias": [0]}, "topic_bias"),
        ({"topic_weights": {"x": [0]}}, "topic_weights"),
        ({"topic_weights": {"x": [99, 1]}}, "topic_weights"),
        ({"format": "fairscreen/topic-model/v1"}, "format"),  # one threshold for all
        ({"format": "fairscreen/topic-model/v2"}, "format"),  # thresholds chosen without a veto
        ({"lexicon_veto": None}, "lexicon_veto"),
        ({"lexicon_veto": -5.0}, "lexicon_veto"),
        ({"lexicon_veto": True}, "lexicon_veto"),
        ({"lexicon_veto": 10_000}, "lexicon_veto"),  # at or above a threshold: no lexicon
        ({"thresholds": 28}, "thresholds"),
        ({"thresholds": {"zh-Hans": 1, "en": 1}}, "thresholds"),
        ({"thresholds": {"zh-Hans": 1, "zh-Hant": 1, "en": 1, "fr": 1}}, "thresholds"),
        ({"thresholds": {"zh-Hans": 1, "zh-Hant": "1", "en": 1}}, "thresholds"),
        ({"thresholds": {"zh-Hans": 1, "zh-Hant": True, "en": 1}}, "thresholds"),
    ],
)
def test_a_malformed_model_file_is_refused_naming_the_field(
    change: dict[str, Any], field: str
) -> None:
    document = {**DOCUMENT, **change}
    with pytest.raises(InvalidInput) as raised:
        parse_model(json.dumps(document).encode())
    assert field in str(raised.value.field)
    with pytest.raises(InvalidInput, match="JSON"):
        parse_model(b"{not json")


def test_the_card_in_the_model_file_is_what_the_audit_measures_now() -> None:
    """The published figures are not copied by hand: they equal a fresh audit."""
    card = model_card()
    assert card is not None
    sets = {s.name: s.audit for s in audit_shipped_sets()}
    for batch in card["heldout"]:
        audit = sets[f"held-out {batch['batch']}"]
        overall = batch["rows"][0]
        assert overall["recall"] == audit.overall.drop.recall
        assert overall["false_drops"] == audit.overall.false_drops
        by_script = {row["script"]: row for row in batch["rows"][1:]}
        for report in audit.scripts:
            assert by_script[report.lang]["false_drops"] == report.false_drops
    assert {b["batch"] for b in card["heldout"]} == set(HELDOUT_RESOURCES)
    assert DOCUMENT["training"]["corpus_statements"] >= 2400


def test_the_card_shows_no_statement_text() -> None:
    markdown = "".join(model_card_markdown(lang) for lang in ("en", "zh-Hans", "zh-Hant"))
    # counted, never shown: a failure must not print a held-out or development statement
    batches = [load_heldout(name) for name in HELDOUT_RESOURCES]
    batches += [load_development(name) for name in DEVELOPMENT_RESOURCES]
    shown = sum(s.text in markdown for batch in batches for s in batch)
    assert shown == 0, f"{shown} held-out or development statements are on the card"
    assert "Known weaknesses" in markdown and "已知弱点" in markdown


def test_the_card_states_every_weakness_in_every_language() -> None:
    # the public rulebook page shows the card in zh-Hans, zh-Hant or English: a weakness
    # added in one language only would be hidden from the readers of the others
    counts = {lang: len(texts["weakness_list"]) for lang, texts in TEXTS.items()}
    assert set(counts) == {"en", "zh-Hans", "zh-Hant"}
    assert len(set(counts.values())) == 1, counts


def test_the_held_out_and_development_batches_are_out_of_training() -> None:
    from fairscreen.services.topic_audit import load_corpus

    # compared after folding (width, case, spacing, Traditional characters), and counted
    # only: a failure must not print a held-out statement. The training rows are the
    # corpus and (since r15) the reference questionnaire's texts; the OpenCC twins
    # (Taiwan wording of the corpus's zh-Hans rows) need the train extra: not checked here
    training = {normalise(s.text) for s in load_corpus()}
    training |= {normalise(text) for text in reference_questionnaire().texts()}
    batches = {f"held-out {name}": load_heldout(name) for name in HELDOUT_RESOURCES}
    batches |= {f"development {name}": load_development(name) for name in DEVELOPMENT_RESOURCES}
    for name, batch in batches.items():
        # counts, never the batch itself (an assertion on len(batch) printed its rows)
        size, scripts = len(batch), {s.lang for s in batch}
        assert size >= smallest_size(name), name
        assert scripts == expected_scripts(name), name
        shared = sum(normalise(s.text) in training for s in batch)
        assert shared == 0, f"{shared} statements of {name} are in the training corpus"
    # nor does one batch repeat another: each statement measures once
    texts = [normalise(s.text) for batch in batches.values() for s in batch]
    repeated = len(texts) - len(set(texts))
    assert repeated == 0, f"{repeated} statements repeat across the batches"


def test_every_report_names_the_topic_model_next_to_the_rulebook(examples_dir: Any) -> None:
    outcome = evaluate_case((examples_dir / "seed-wang.case.json").read_bytes())
    ref = default_classifier().model_ref
    assert list(outcome.document)[:6] == [
        "schema",
        "status",
        "case_id",
        "as_of",
        "rulebook",
        "topic_model",
    ]
    assert outcome.document["topic_model"] == {
        "version": ref.version,
        "sha256": ref.sha256,
        "lexicon_sha256": ref.lexicon_sha256,
    }
