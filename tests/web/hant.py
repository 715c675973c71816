"""Simplified characters on a zh-Hant page: ``simplified_characters(page)`` and
``assert_traditional(page)`` (issue 13 item 10: "zh-Hant pages with Simplified reason
texts").

The shipped table ``fairscreen/data/t2s.txt`` (Traditional -> Simplified, from OpenCC)
read in reverse gives every Simplified form that has a distinct Traditional one (发 for
發 and 髮, 据 for 據). Some of those forms are also Traditional characters in their own
right (后 in 皇后, 干 in 若干, 台 in 台灣, 只, 面, 系 …): a page may show them, so they are
listed in :data:`ALSO_TRADITIONAL` and pass. What remains is a character a Traditional
reader only meets in Simplified text: 这, 数, 资, 发, 经, 个 … one of them on a zh-Hant
page fails.

The page's visible text is read as ``web/english.py`` reads it (header, main, footer;
not the language switcher, whose 简体中文 names a language, and not ``<code>``), so a
Simplified id or command line shown as code passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from web.english import _VISIBLE_TEXT

#: Simplified targets of ``t2s.txt`` that are Traditional characters too: OpenCC's
#: ``STCharacters`` lists each among its own Traditional forms (后 -> 後 后; 干 -> 幹 乾 干;
#: 台 -> 臺 檯 颱 台), or has no Simplified -> Traditional entry for it at all (a
#: compatibility or variant ideograph's target: 易, 路, 教), or OpenCC's ``s2tw`` or
#: ``s2hk`` keeps as Taiwan's or Hong Kong's standard form (床, 秘, 群, 峰). Read from
#: OpenCC's dictionary with ``opencc_dict -i STCharacters.ocd2 -f ocd2 -t text`` once.
ALSO_TRADITIONAL = frozenset(
    "㐹万丑丰了于云亘仆价伙余佛佣俊修僵克党冢冬准凌几凶出划刮制千升卜占卷厂厘只台叶吁"
    "吃合吊同后向呆周咨咸咽哄唇喂噪回困夸奸姜娘家尸局岩岳巨布帘席干幸广庵弦彩征御志念"
    "恤愈愿戚扇才扎托扣折抵拐挂挨挽捆捍据搜斗旋昆暗曲札朱朴杆杠杯杰松板极柜栗核梁棱欲"
    "沈沾泛注涂涌淀游溪漓熏狸玩璇症皂矩确私秋种筑糊系累胄胜胡腊腌膻致舍芸苔苹范荐蒙蔑"
    "虫蚝蜡蝎表谷跖辟适郁酸采里雇雕面㮝䀘不串丹亮什令侀例侮便僚僧兀充免全六冀冷凞切列"
    "利刺力劣勇勉勒勤勺北匿卑即卵句吏吝啕喇喙喝嗀嗢器囹埼塀塞墨奄奈契奔女婢嬨宅寮尿履"
    "屮年度廉廊廒廓廙弄律徭怒恵悔惘慎慠慨憎戮戴抬拉拏拓拼拾挲捻掠揄摒撚敏敖教料旅旗既"
    "易晴暑暴更朗望李杖杻林查柳梅梨棋歹污泄泌泥洛洞流浪海淋渚溜溯溺滋滑滛漏瀞炙烈烙煮"
    "燎燐爫爵牢犯狼率玲珞理琉琢瑱璘甆留略痢瘝瘟益盛直省真着睊瞧硫碌碑磊磌磻社祈祉祐祖"
    "祝神祥福秊突窱立笠粒精糖索繁缾署罹羚羽老者聆肋臭良艹若茶荒菉菱落著蓑蓼蘒蝹螺行裂"
    "裸褐襁覆路踊辰辶逸逾郎郞都酪醙醴量金阮陋降陵陼隆隣隷零雷露靖頋飧鬒鹿麟黎齃𢡄𢡊𣏕"
    "𤋮𥉉𥳐𧻓"
    "兑卧叁囱媪峰床悦愠户捝揾敚棁榅氲涚温灶煴痴秘税粽群脱腽葱蒀蜕"
)


@cache
def simplified_only() -> frozenset[str]:
    """Every character only Simplified text uses: ``t2s.txt``'s targets, less
    :data:`ALSO_TRADITIONAL`."""
    table = resources.files("fairscreen").joinpath("data/t2s.txt").read_text("utf-8")
    targets = {line[1] for line in table.splitlines() if len(line) == 2 and line[0] != "#"}
    return frozenset(targets - ALSO_TRADITIONAL)


def simplified_in(text: str) -> list[str]:
    """The Simplified-only characters of ``text``, each once, in order, with a few
    characters either side so a reader can find the text (``"数: 个人数据"``)."""
    found: dict[str, str] = {}
    only = simplified_only()
    for at, char in enumerate(text):
        if char in only and char not in found:
            found[char] = text[max(0, at - 6) : at + 7].replace("\n", " ").strip()
    return [f"{char}: {context}" for char, context in found.items()]


def simplified_characters(page: Any, entered: Iterable[str] = ()) -> list[str]:
    """The Simplified-only characters of the page's visible text (see
    :func:`simplified_in`), less the ``entered`` texts: what people typed (a role title,
    an employer's reasons, a school) and what a source returned (a court's case number
    and cause), which a page shows as written, in whatever script it was written."""
    text: str = page.evaluate(_VISIBLE_TEXT)
    for typed in sorted(set(entered), key=len, reverse=True):
        text = text.replace(typed, " ")
    return simplified_in(text)


def assert_traditional(page: Any, name: str = "", entered: Iterable[str] = ()) -> None:
    found = simplified_characters(page, entered)
    assert not found, f"{name or page.url}: Simplified on a zh-Hant page: {found[:20]}"
