"""Text normalisation for the prohibited-topic filter (PRODUCT.md P3).

What the lexicon and the statistical model read is the same folded text:

1. NFKC (full-width → half-width), case-fold, typographic apostrophes to ``'``,
   zero-width characters removed, whitespace collapsed and removed between two Chinese
   characters (so "生 活 作 风" cannot slip through), spaced-out or dotted letters joined
   ("h i v", "g.a.y").
2. Traditional → Simplified characters through a built-in one-way map.

Why OpenCC at build time and not at run time: the domain imports the standard library
only. OpenCC's character mapping is written once into a data file
(``fairscreen/data/t2s.txt``, by ``make topics-model``) and read here at import; the
hand-made pairs below, reviewed one by one, win where both name a character. The model's
character n-grams are read after this same fold, so a Traditional statement and its
Simplified twin share their features.
"""

from __future__ import annotations

import re
import unicodedata
from importlib import resources

# Traditional → Simplified for every character the lexicon and the allow-list use, plus
# common function characters. Only one-way, unambiguous pairs: a Traditional character
# that is also an ordinary Simplified character of another meaning (著, 乾, 干) is left out.
_T2S_PAIRS = (
    "離离 異异 結结 單单 喪丧 戀恋 對对 懷怀 產产 試试 蘭兰 禮礼 會会 廟庙 傳传 經经 燒烧 "
    "種种 膚肤 統统 漢汉 維维 爾尔 壯壮 滿满 鮮鲜 薩萨 狀状 況况 題题 問问 體体 醫医 術术 "
    "腫肿 壓压 臟脏 鬱郁 慮虑 藥药 診诊 斷断 確确 療疗 攜携 帶带 陽阳 戶户 農农 貫贯 鄉乡 "
    "彎弯 雙双 別别 櫃柜 條条 親亲 兒儿 撫抚 養养 贍赡 風风 軌轨 緋绯 聞闻 曖暧 約约 賭赌 "
    "紅红 書书 帳账 號号 觀观 點点 場场 傾倾 黨党 員员 見见 遊游 議议 訪访 檢检 測测 遺遗 "
    "殘残 廢废 聾聋 輪轮 閉闭 視视 聽听 罰罚 處处 賣卖 項项 計计 劃划 談谈 團团 隊队 圍围 "
    "財财 務务 碼码 組组 織织 業业 興兴 復复 辦办 運运 營营 實实 嚴严 謹谨 這这 個个 們们 "
    "為为 說说 時时 過过 沒没 麼么 還还 後后 於于 與与 從从 來来 歷历 總总 請请 證证 錄录 "
    "記记 應应 該该 開开 關关 係系 聯联 當当 發发 現现 間间 樣样 讓让 參参 絡络 師师 級级 "
    "習习 達达 圓圆 靠靠 滯滞 準准 確确 裡里 裏里 媽妈 爺爷 億亿 歲岁 婦妇 媳媳 孫孙 "
    "寵宠 愛爱 戲戏 夥伙 伴伴 侶侣 選选 舉举 權权 動动 線线 網网 絡络 癥症 診诊 護护 "
    "腦脑 臺台 灣湾 陸陆 軍军 牆墙 壇坛 鐘钟 數数 據据 險险 緒绪 謊谎 偽伪 詐诈 騙骗 "
    "竊窃 盜盗 違违 規规 紀纪 律律 懲惩 毆殴 聚聚 鬥斗 嫖嫖 娼娼 擾扰 療疗 癡痴 瘋疯 "
    "啞哑 輩辈 歡欢 訴诉 訟讼 獄狱 罪罪 禍祸 災灾 熱热 氣气 態态 論论 識识 護护 績绩 "
    "負负 責责 導导 領领 頭头 貢贡 獻献 質质 優优 秀秀 靈灵 煩烦 爭争 錯错 誤误 評评 "
    "價价 優优 勢势 鬆松 緊紧 張张 內内 兩两 輕轻 圖图 碼码 線线 講讲 話话 語语 譯译 "
    "學学 歷历 畢毕 職职 責责 幫帮 補补 貼贴 薪薪 資资 穩稳 闆板 羅罗 買买 銷销 貨货 "
    "標标 準准 腳脚 團团 結结 續续 擴扩 認认 憂忧 鬧闹 據据 壞坏 夠够 嬰婴 媽妈 奶奶 "
    "幾几 寶宝 懷怀 睡睡 騷骚 貪贪 汙污 賄贿 賂赂 產产 宮宫 廟庙 貫贯 齋斋 彌弥 躁躁 "
    "礙碍 冊册 藍蓝 綠绿 撒撒 "
    "禱祷 誦诵 讀读 蘇苏 華华 僑侨 籍籍 魯鲁 滬沪 遼辽 黑黑 龍龙 蒙蒙 寧宁 夏夏 陝陕 "
    "廣广 東东 閩闽 贛赣 鄂鄂 湘湘 瓊琼 雲云 貴贵 藏藏 疆疆 兩两 岸岸 鎮镇 縣县 區区 "
    "屆届 鄰邻 居居 舊旧 聲声 勞劳 僱雇 傭佣 糾纠 紛纷 衛卫 盤盘 衝冲 擊击 癮瘾 麻麻 "
    "將将 酗酗 戒戒 啟启 蒐搜 驗验 鑑鉴 鑒鉴 測测 徵征 狀状 態态 臉脸 綜综 獨独 罷罢 節节 絲丝 "
    "專专 併并 購购 "
    "轉转 擔担 預预 駕驾 掛挂 溝沟 竇窦 義义 瘡疮 進进 繞绕 設设 佔占 腎肾 曬晒 "
    "轟轰 煙烟 槍枪 贅赘 癱瘫 瘓痪 湊凑 髒脏 討讨 亞亚 閱阅 眾众 黃黄 國国 錢钱 "
    "痺痹 攤摊 隻只 邊边 烏乌 餅饼 纏缠 報报 裝装 託托 "
    "篩筛 貧贫 電电 "
    "凍冻 島岛 訂订 飯饭 稱称 顧顾 簡简 協协 細细 賠赔 廠厂 長长 編编 觸触 機机 審审 誠诚 "
    "撐撑 輸输 陣阵 擺摆 鍾钟 齊齐 窮穷 遲迟 彈弹 層层 無无 廁厕 儀仪 強强 蹤踪 門门 寫写 "
    "訊讯 順顺"
)


def _table_pairs(text: str) -> list[str]:
    """The pairs of the generated table (``#`` lines are comments)."""
    return [line for line in text.splitlines() if line and not line.startswith("#")]


# The generated table (OpenCC's character mapping, ``fairscreen.training.t2s_table``)
# covers the ~4,000 Traditional characters the hand-made pairs above missed (a blind
# zh-Hant batch of 330 statements used 77 of them: 醜, 監, 腸, 癆, 禿 …); where both
# name a character, the reviewed hand-made pair wins.
_T2S: dict[int, str] = {}
for _pair in (
    _table_pairs(resources.files("fairscreen").joinpath("data/t2s.txt").read_text(encoding="utf-8"))
    + _T2S_PAIRS.split()
):
    if len(_pair) != 2:
        raise ValueError(f"a Traditional -> Simplified pair must be two characters: {_pair!r}")
    if _pair[0] != _pair[1]:
        _T2S[ord(_pair[0])] = _pair[1]

# Zero-width and soft-hyphen characters are removed (they are used to break up words);
# typographic apostrophes become ASCII so "company’s" and "company's" match alike.
_CLEANUP: dict[int, str | None] = {
    0x00AD: None,
    0x200B: None,
    0x200C: None,
    0x200D: None,
    0x2060: None,
    0xFEFF: None,
    0x2018: "'",
    0x2019: "'",
    0x2032: "'",
}
# Full-width punctuation that NFKC would make ASCII (，→, ！→! ？→? ；→; …): mapped here
# too, because NFKC is skipped for text of Chinese and punctuation only (below), and
# entries look for ASCII punctuation (有了(?=[。.,!?;]|$)): without this, "她有了，…" was
# kept while "她有了,…" was dropped.
_CLEANUP |= {
    code: unicodedata.normalize("NFKC", chr(code))
    for code in (*range(0xFF01, 0xFF10), *range(0xFF1A, 0xFF21), *range(0xFF3B, 0xFF41))
    if unicodedata.normalize("NFKC", chr(code)).isascii()
} | {code: unicodedata.normalize("NFKC", chr(code)) for code in range(0xFF5B, 0xFF66)}

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(f"(?<=[{_CJK}]) (?=[{_CJK}])")
# Three or more single Latin letters spaced out ("h i v", "g a y") are one word spelt out
# to dodge a filter; English has no run of three one-letter words worth keeping apart.
_SPACED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z](?: [a-z]){2,}(?![a-z0-9])")
_SPACED_HINT = re.compile(" [a-z] [a-z]")  # a literal start: a third of the cost to rule out
# The same with a hyphen, dot, asterisk, underscore or slash between the letters ("h-b-v",
# "h.i.v", "g*a*y"), one separator throughout; "e.g." and "u.s." (two letters) stay apart.
_JOINED_LETTERS = re.compile(r"(?<![a-z0-9])[a-z]([-.*_/])[a-z](?:\1[a-z])+(?![a-z0-9])")
_JOINED_HINT = re.compile(r"[-.*_/][a-z][-.*_/]")  # starting on the separator: half the cost


# NFKC costs about 2 µs on a Chinese sentence; text made only of ASCII, CJK ideographs
# and Chinese punctuation is skipped, since NFKC would change nothing else the lexicon
# reads there: the full-width punctuation it would make ASCII is mapped by _CLEANUP.
_NFKC_INERT = re.compile(
    "[\x00-\x7f\u00b7\u2010-\u2025\u3001-\u3035\u4e00-\u9fff"
    "\uff01-\uff06\uff08-\uff0c\uff0e\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65]*"
)
# str.translate costs a dictionary lookup (and an int object) per character of the text,
# ~6,600 instructions on a short statement; a statement holds one or two distinct characters
# to clean up (a full-width comma), each replaced in one pass in C instead. Replacing one by
# one gives what translate gives: no replacement is itself a character of _CLEANUP.
_NEEDS_CLEANUP = re.compile("[" + "".join(map(chr, _CLEANUP)) + "]")
_CLEANED: dict[str, str] = {chr(code): cleaned or "" for code, cleaned in _CLEANUP.items()}
if _NEEDS_CLEANUP.search("".join(_CLEANED.values())):  # pragma: no cover - an edit's mistake
    raise ValueError("a _CLEANUP replacement must not be cleaned up again")
_TRADITIONAL = re.compile("[" + "".join(map(chr, _T2S)) + "]")


def fold(text: str) -> str:
    if not _NFKC_INERT.fullmatch(text):
        text = unicodedata.normalize("NFKC", text)
    folded = text.casefold()
    for dirty in set(_NEEDS_CLEANUP.findall(folded)):
        folded = folded.replace(dirty, _CLEANED[dirty])
    collapsed = " ".join(folded.split())
    if _JOINED_HINT.search(collapsed):
        collapsed = _JOINED_LETTERS.sub(_unjoined, collapsed)
    if " " in collapsed:
        if _SPACED_HINT.search(collapsed):
            collapsed = _SPACED_LETTERS.sub(_unspaced, collapsed)
        if not collapsed.isascii():
            collapsed = _SPACE_BETWEEN_CJK.sub("", collapsed)
    return collapsed


def _unspaced(match: re.Match[str]) -> str:
    return match.group().replace(" ", "")


def _unjoined(match: re.Match[str]) -> str:
    return match.group().replace(match.group(1), "")


def simplified(folded: str) -> str:
    return folded.translate(_T2S) if _TRADITIONAL.search(folded) else folded


# The scripts a statement is written in: the corpus's ``lang`` values, and the keys of the
# topic model's per-script thresholds (model r11).
SCRIPTS: tuple[str, ...] = ("zh-Hans", "zh-Hant", "en")
_CHINESE_CHARACTER = re.compile(f"[{_CJK}]")


def written_script(folded: str, simple: str) -> str:
    """The script of folded text, given its Simplified form: ``zh-Hant`` when it has a
    Traditional character (the fold changed it: the test of the lexicon's zh-Hant
    entries too), else ``zh-Hans`` when it has any Chinese character, else ``en``. A
    statement whose every character is common to both scripts reads as ``zh-Hans``: its
    text is the same in both."""
    if simple != folded:
        return "zh-Hant"
    return "zh-Hans" if _CHINESE_CHARACTER.search(simple) else "en"


def normalise(text: str) -> str:
    """The text the lexicon sees: NFKC, case-folded, de-spaced, Simplified characters.

    NFKC maps full-width Latin letters, digits and punctuation to half-width, so width and
    case never change a classification (tested as a property).
    """
    return fold(text).translate(_T2S)
