"""The model card of the prohibited-topic filter, for the public rulebook page.

PRODUCT.md P3 drops witness statements on prohibited topics; the filter that decides is
part of the published logic, like the rulebook (公开模型逻辑): its version and SHA-256
are in every report, and this card says what it was trained on, how it does per script
and per topic on text it has never seen (the two held-out batches), and where it is
known to fail. The figures are those ``make topics-model`` measured and wrote into the
model file; ``tests/unit/test_topic_model.py`` checks they equal a fresh audit.
"""

from __future__ import annotations

from typing import Any

from fairscreen.domain.topics import LayeredTopicClassifier, TopicClassifier, default_classifier

#: What the card says in words, per language; the figures come from the model file.
TEXTS: dict[str, dict[str, Any]] = {
    "en": {
        "title": "Prohibited-topic filter (model card)",
        "intro": "Witness statements touching a prohibited topic are dropped before they "
        "are stored. Two layers decide: a reviewed lexicon (a hit drops the statement, "
        "unless the model is near-certain that it is about the work) and a linear model "
        "over character and word n-grams trained on a labelled corpus of synthetic "
        "statements in zh-Hans, zh-Hant and English.",
        "model": "model",
        "lexicon": "lexicon (SHA-256 of its files)",
        "data": "training data",
        "data_text": "{statements} labelled statements ({prohibited} prohibited), plus "
        "{twins} Taiwan-usage twins of the zh-Hans ones made with OpenCC; no real person "
        "appears in any of them.",
        "heldout": "On text it has never seen",
        "heldout_text": "Two batches written blind to the model, kept out of training and "
        "out of the lexicon. Goal: recall at least 0.97, at most 3% of job statements "
        "dropped.",
        "batch": "batch",
        "script": "script",
        "scripts": {
            "all": "all",
            "en": "English",
            "zh-Hans": "Simplified",
            "zh-Hant": "Traditional",
        },
        "recall": "recall on prohibited",
        "topic_recall": "exact-topic recall",
        "false_drops": "job statements dropped",
        "topic": "topic",
        "weaknesses": "Known weaknesses",
        "weakness_list": [
            "Job statements that use a topic's words as metaphor or as the subject of the "
            "work (maternity-leave administration, vaccine trials, unions as clients, "
            "religious words for zeal) are most of the job statements it drops (1.2% of the "
            "job statements of unseen batches, 1.7% in English); about one such drop in four "
            "comes from a lexicon hit, the rest from the model.",
            "Traditional-script (zh-Hant) recall is the figure nearest the goal (0.981 on "
            "the held-out batches, under 0.97 on two development batches): Taiwan and Hong "
            "Kong remarks are a smaller share of the training text than Mandarin ones.",
            "Short plain statements with no job vocabulary are sometimes dropped: the "
            "model leans towards dropping when it has little to read (fail-closed).",
            "Every batch was written by the team that wrote the corpus; an independent "
            "set measures lower, so read these figures as an upper bound.",
            "The model leans on register: a short remark that starts with the person "
            '("he\'s…", "他是…") leans towards a drop, one about the work towards a '
            "keep; it no longer fits its own training corpus exactly (a few of its job "
            "statements are dropped): it memorises less.",
            "A statement that lists job facts and then a private remark without a "
            '"but" ("…, sales were steady, has hepatitis B.", "…, and she is divorced.") '
            "can be kept when the remark's word also names work (hepatitis in a vaccine "
            'trial, divorce in family law): the job words outweigh it. With a "but", '
            "or when the remark comes first, it is dropped.",
            "A term that also names work (a lab's viral-load assays, a spouse's details in "
            "HR records) is weighed by the model, not dropped outright; where the training "
            "statements hold it mostly in its work sense, a plain remark on it can be kept: "
            '"His viral load is undetectable." and "她的配偶在外地工作。" are.',
        ],
    },
    "zh-Hans": {
        "title": "禁止话题过滤器（模型卡）",
        "intro": "涉及禁止话题的证人陈述在存储前即被删除。由两层共同判断：经审核的词表"
        "（命中即删除，除非模型几乎确定该陈述谈的是工作）和一个基于字与词片段的线性模型，"
        "训练数据为简体、繁体和英文的合成陈述。",
        "model": "模型",
        "lexicon": "词表（文件的 SHA-256）",
        "data": "训练数据",
        "data_text": "{statements} 条带标注的陈述（其中 {prohibited} 条属禁止话题），另有用 "
        "OpenCC 生成的 {twins} 条台湾用语版本；全部为虚构人物。",
        "heldout": "在从未见过的文本上",
        "heldout_text": "两批对模型盲写的陈述，不参与训练，也不用于词表。目标：召回率不低于 "
        "0.97，误删的工作陈述不超过 3%。",
        "batch": "批次",
        "script": "文字",
        "scripts": {"all": "全部", "en": "英文", "zh-Hans": "简体", "zh-Hant": "繁体"},
        "recall": "禁止话题召回率",
        "topic_recall": "话题判定召回率",
        "false_drops": "误删的工作陈述",
        "topic": "话题",
        "weaknesses": "已知弱点",
        "weakness_list": [
            "把话题词当作比喻或工作对象的工作陈述（办理产假、疫苗临床试验、为工会做系统、"
            "用宗教词形容敬业）是被误删的工作陈述中的大多数（在未见过的批次上占工作陈述的 1.2%，"
            "英文 1.7%）；这类误删约四分之一来自词表，其余来自模型。",
            "繁体文字的召回率最接近目标（保留批次上为 0.981，两个开发批次上低于 0.97）："
            "台湾和香港用语的评语在训练文本中所占比例小于普通话评语。",
            "没有工作词汇的简短陈述有时会被删除：信息少时模型倾向于删除（从严）。",
            "所有批次都由语料作者编写；独立测试集上的数字更低，这些数字应视为上限。",
            "模型依赖语体：以人开头的简短评语（“他是……”）倾向于删除，谈工作的倾向于保留；"
            "它不再完全拟合自己的训练语料（其中少数工作陈述也被误删）：它死记硬背得更少。",
            "把工作事实和私人话题并列、没有“但是”转折的陈述（“……，业绩稳定，有乙型肝炎。”），"
            "当话题词本身也用于工作（如疫苗试验中的“肝炎”）时可能被保留：工作词汇的权重压过了它；"
            "有“但是”转折或话题在前时会被删除。",
            "同时指称工作的词（实验室的病毒载量检测、人事档案里的配偶信息）由模型权衡，而不是一命中就删除；"
            "训练语料中多以工作含义出现的词，对应的简单评语可能被保留：“她的配偶在外地工作。”"
            "就被保留了。",
        ],
    },
    "zh-Hant": {
        "title": "禁止話題過濾器（模型卡）",
        "intro": "涉及禁止話題的證人陳述在儲存前即被刪除。由兩層共同判斷：經審核的詞表"
        "（命中即刪除，除非模型幾乎確定該陳述談的是工作）和一個基於字與詞片段的線性模型，"
        "訓練資料為簡體、繁體和英文的合成陳述。",
        "model": "模型",
        "lexicon": "詞表（檔案的 SHA-256）",
        "data": "訓練資料",
        "data_text": "{statements} 筆帶標註的陳述（其中 {prohibited} 筆屬禁止話題），另有用 "
        "OpenCC 產生的 {twins} 筆臺灣用語版本；全部為虛構人物。",
        "heldout": "在從未見過的文字上",
        "heldout_text": "兩批對模型盲寫的陳述，不參與訓練，也不用於詞表。目標：召回率不低於 "
        "0.97，誤刪的工作陳述不超過 3%。",
        "batch": "批次",
        "script": "文字",
        "scripts": {"all": "全部", "en": "英文", "zh-Hans": "簡體", "zh-Hant": "繁體"},
        "recall": "禁止話題召回率",
        "topic_recall": "話題判定召回率",
        "false_drops": "誤刪的工作陳述",
        "topic": "話題",
        "weaknesses": "已知弱點",
        "weakness_list": [
            "把話題詞當作比喻或工作對象的工作陳述（辦理產假、疫苗臨床試驗、為工會做系統、"
            "用宗教詞形容敬業）是被誤刪的工作陳述中的大多數（在未見過的批次上佔工作陳述的 1.2%，"
            "英文 1.7%）；這類誤刪約四分之一來自詞表，其餘來自模型。",
            "繁體文字的召回率最接近目標（保留批次上為 0.981，兩個開發批次上低於 0.97）："
            "台灣和香港用語的評語在訓練文字中所佔比例小於普通話評語。",
            "沒有工作詞彙的簡短陳述有時會被刪除：資訊少時模型傾向於刪除（從嚴）。",
            "所有批次都由語料作者撰寫；獨立測試集上的數字更低，這些數字應視為上限。",
            "模型依賴語體：以人開頭的簡短評語（「他是……」）傾向於刪除，談工作的傾向於保留；"
            "它不再完全擬合自己的訓練語料（其中少數工作陳述也被誤刪）：它死記硬背得更少。",
            "把工作事實和私人話題並列、沒有「但是」轉折的陳述（「……，業績穩定，有乙型肝炎。」），"
            "當話題詞本身也用於工作（如疫苗試驗中的「肝炎」）時可能被保留：工作詞彙的權重壓過了它；"
            "有「但是」轉折或話題在前時會被刪除。",
            "同時指稱工作的詞（實驗室的病毒載量檢測、人事檔案裡的配偶資料）由模型權衡，而不是一命中就刪除；"
            "訓練語料中多以工作含義出現的詞，對應的簡單評語可能被保留：「她的配偶在外地工作。」"
            "就被保留了。",
        ],
    },
}


def model_card(classifier: TopicClassifier | None = None) -> dict[str, Any] | None:
    """The card as data: references, training counts and the held-out figures per batch,
    script and topic (statement texts never appear); None for a classifier without a
    published model (a test's fake, the lexicon alone)."""
    classifier = classifier or default_classifier()
    if not isinstance(classifier, LayeredTopicClassifier):
        return None
    ref = classifier.model_ref
    card = dict(classifier.model.card)
    training = dict(classifier.model.training)
    batches = []
    for key, figures in card.items():
        if not key.startswith("heldout_"):
            continue
        rows = [{"script": "all", **figures["overall"]}]
        rows += [{"script": lang, **values} for lang, values in figures["scripts"].items()]
        batches.append({"batch": key.removeprefix("heldout_"), "rows": rows})
    counts = {
        "statements": training.get("corpus_statements", 0),
        "prohibited": training.get("corpus_prohibited", 0),
        "twins": training.get("opencc_twins", 0),
    }
    return {
        "version": ref.version,
        "sha256": ref.sha256,
        "lexicon_sha256": ref.lexicon_sha256,
        "training": training,
        "data_text": {lang: texts["data_text"].format(**counts) for lang, texts in TEXTS.items()},
        "heldout": batches,
    }


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def model_card_markdown(lang: str = "zh-Hans") -> str:
    """The card of the shipped filter as Markdown (``fairscreen rulebook show``)."""
    card, texts = model_card(), TEXTS.get(lang, TEXTS["en"])
    if card is None:
        return ""
    lines = [
        f"## {texts['title']}",
        "",
        texts["intro"],
        "",
        f"- {texts['model']}: `{card['version']}`, SHA-256 `{card['sha256']}`",
        f"- {texts['lexicon']}: `{card['lexicon_sha256']}`",
        f"- {texts['data']}: {card['data_text'][lang if lang in TEXTS else 'en']}",
        "",
        f"### {texts['heldout']}",
        "",
        texts["heldout_text"],
        "",
        f"| {texts['batch']} | {texts['script']} | {texts['recall']} | {texts['false_drops']} |",
        "|---|---|---|---|",
    ]
    for batch in card["heldout"]:
        for row in batch["rows"]:
            lines.append(
                f"| {batch['batch']} | {row['script']} | {_ratio(row['recall'])} "
                f"| {row['false_drops']} / {row['kept']} |"
            )
    lines += [
        "",
        f"| {texts['batch']} | {texts['topic']} | {texts['topic_recall']} |",
        "|---|---|---|",
    ]
    for batch in card["heldout"]:
        for topic, recall in batch["rows"][0]["topic_recall"].items():
            lines.append(f"| {batch['batch']} | `{topic}` | {_ratio(recall)} |")
    lines += ["", f"### {texts['weaknesses']}", ""]
    lines += [f"- {item}" for item in texts["weakness_list"]]
    return "\n".join(lines) + "\n"
