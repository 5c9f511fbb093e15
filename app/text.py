"""Vietnamese text helpers: NFC normalisation, search keys, name splitting and a sort key (domain.md §10).

Everything here is pure (no database, no app context) so it can run in migrations, imports and tests.
"""

import unicodedata

__all__ = [
    "COMPOUND_SURNAMES",
    "clean",
    "join_name",
    "name_search_key",
    "nfc",
    "normalize_tones",
    "search_key",
    "sort_key",
    "split_name",
]


def nfc(value: str | None) -> str:
    """Return ``value`` in Unicode NFC (how every text is stored), ``""`` for None."""
    return unicodedata.normalize("NFC", value or "")


def clean(value: str | None) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    if not value:
        return ""
    return " ".join((value if value.isascii() else unicodedata.normalize("NFC", value)).split())


def search_key(value: str | None) -> str:
    """Lower-case, diacritic-free form used for searching: "Đặng Văn Đức" -> "dang van duc".

    NFD does not decompose đ/Đ, so they are mapped explicitly (domain.md §10). Every diacritic goes,
    so the tone placement does not matter either: ``search_key("Hoà") == search_key("Hòa") == "hoa"``.
    """
    text = clean(value).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.lower()


# --------------------------------------------------------------------------- names

#: Multi-word Vietnamese surnames (domain.md §10: "compound surnames (Tôn Nữ, Tôn Thất, Âu Dương…)").
#: The royal Nguyễn Phúc/Phước clan and its female lines (Tôn Nữ, Công Tằng Tôn Nữ, Công Huyền Tôn Nữ),
#: Tôn Thất, and the Sino-Vietnamese double surnames. "Nguyễn Phúc"/"Nguyễn Phước" can also be an
#: ordinary họ + đệm ("Nguyễn Phúc An" with đệm Phúc): the split is only a suggestion the user can
#: correct, and sorting does not depend on it (it uses họ + đệm together).
COMPOUND_SURNAMES: tuple[str, ...] = (
    "Công Tằng Tôn Nữ",
    "Công Huyền Tôn Nữ",
    "Tôn Nữ",
    "Tôn Thất",
    "Nguyễn Phúc",
    "Nguyễn Phước",
    "Âu Dương",
    "Công Tôn",
    "Tư Mã",
    "Hoàng Phủ",
    "Gia Cát",
    "Thượng Quan",
    "Đông Phương",
)

_COMPOUND_KEYS = sorted(
    (tuple(search_key(s).split()) for s in COMPOUND_SURNAMES), key=len, reverse=True
)  # longest first, so "Công Tằng Tôn Nữ" wins over a shorter prefix

#: First words that mark an Ê Đê / Jrai / Mnông style name ("Y Moan Ênuôl", "H'Hen Niê"): the
#: personal name comes first and the clan name last, so the Kinh heuristic does not apply.
_HIGHLAND_PREFIXES = ("y",)
_HIGHLAND_APOSTROPHE_PREFIXES = ("h'", "h\u2019")


def split_name(full: str | None) -> tuple[str, str, str]:
    """Suggest (họ, tên đệm, tên) for a full name as typed; the user can always correct the split.

    - NFC + white space folded; ``""`` -> ``("", "", "")``; one word -> ``("", "", word)``.
    - A known compound surname at the start (accent- and case-insensitive, :data:`COMPOUND_SURNAMES`,
      longest match first) is the họ when at least one word is left for the tên:
      "Tôn Nữ Thị Hà" -> ("Tôn Nữ", "Thị", "Hà").
    - Ê Đê/Jrai names starting with the prefix "Y" or "H'"/"H’" ("Y Moan Ênuôl", "H'Hen Niê") have the
      personal name first and the clan name last; no split is guessed: ("", "", whole name), and the
      user enters họ/tên by hand.
    - Otherwise first word = họ, last word = tên, the words between = tên đệm (may be empty).
    """
    text = clean(full)
    words = text.split(" ") if text else []
    if len(words) <= 1:
        return "", "", text
    first = words[0].lower()
    if first in _HIGHLAND_PREFIXES or first.startswith(_HIGHLAND_APOSTROPHE_PREFIXES):
        return "", "", text
    keys = search_key(text).split(" ")
    for compound in _COMPOUND_KEYS:
        n = len(compound)
        if len(words) > n and tuple(keys[:n]) == compound:
            return " ".join(words[:n]), " ".join(words[n:-1]), words[-1]
    return words[0], " ".join(words[1:-1]), words[-1]


def join_name(ho: str | None, ten_dem: str | None, ten: str | None) -> str:
    """The full name from its parts: cleaned, empty parts skipped ("Nguyễn", "", "An" -> "Nguyễn An")."""
    return " ".join(part for part in (clean(ho), clean(ten_dem), clean(ten)) if part)


def name_search_key(ho: str | None, ten_dem: str | None, ten: str | None, other_names: str | None = "") -> str:
    """Search key of a person's name, plus their other names (bí danh, tên gọi khác) after " | ".

    ``name_search_key("Đặng", "Thị", "Hoà", "Hoa")`` -> ``"dang thi hoa | hoa"``.
    """
    key = search_key(join_name(ho, ten_dem, ten))
    other = search_key(other_names)
    return f"{key} | {other}" if other else key


# --------------------------------------------------------------------------- tone placement

_GRAVE, _ACUTE, _HOOK, _TILDE, _DOT = "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_TONE_MARKS = (_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT)
#: Old-style placement "oà/oè/uỳ" (tone on the second vowel) -> new style "òa/òe/ùy" at a syllable end.
_OLD_STYLE_PAIRS = {"o": ("a", "e"), "u": ("y",)}


def _clusters(text: str) -> list[tuple[str, str]]:
    """``text`` (any form) as (base character, its combining marks) pairs, from NFD."""
    out: list[tuple[str, str]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            base, marks = out[-1]
            out[-1] = (base, marks + ch)
        else:
            out.append((ch, ""))
    return out


def normalize_tones(text: str | None) -> str:
    """Move old-style tone marks of syllable-final oa/oe/uy to the first vowel (hoà -> hòa, thuỷ -> thủy).

    Only ``oà oá oả oã oạ``, ``oè …`` and ``uỳ …`` at the end of a syllable (not followed by another
    letter) are moved, case-preserving: "hoàn" and "khuỷu" stay, "quý" stays (qu is a consonant),
    "HOÀ" -> "HÒA". For matching and sorting keys only — never rewrite what a person typed.
    """
    cl = _clusters(clean(text))
    for i in range(len(cl) - 1):
        (b1, m1), (b2, m2) = cl[i], cl[i + 1]
        if m1 or len(m2) != 1 or m2 not in _TONE_MARKS or b2.lower() not in _OLD_STYLE_PAIRS.get(b1.lower(), ()):
            continue
        if i + 2 < len(cl) and cl[i + 2][0].isalpha():
            continue  # not the end of the syllable: "hoàn", "khuỷu"
        if b1.lower() == "u" and i > 0 and cl[i - 1][0].lower() == "q":
            continue  # "quý": the tone is on y in both styles
        cl[i], cl[i + 1] = (b1, m2), (b2, "")
    return unicodedata.normalize("NFC", "".join(b + m for b, m in cl))


# --------------------------------------------------------------------------- sort key
#
# ICU's Vietnamese collation (PostgreSQL "vi-VN-x-icu", domain.md §10) compares three levels:
# primary = letters (a < ă < â < b … d < đ …, case- and tone-insensitive), secondary = tone marks
# (ngang < huyền < hỏi < ngã < sắc < nặng), tertiary = case (lower < upper). The key below spells
# these levels out in ASCII so that plain binary order (COLLATE "C", Python str) gives the same order.

#: Vietnamese alphabet with f, j, w, z in their Latin places; each gets one primary code.
_ALPHABET = ["a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
             "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z"]
#: Punctuation in ICU's order (checked against PostgreSQL 15 / ICU 72), all below digits and letters.
_PUNCTUATION = ["_", "-", "\u2010", "\u2011", "\u2013", "\u2014", ",", ";", ":", "!", "?", ".", "'",
                "\u2018", "\u2019", '"', "\u201c", "\u201d", "(", ")", "[", "]", "/", "&", "+"]
_SEP = "!"  # ends every level: lower than every code, so "Hà" sorts before "Hàm"
#: One printable ASCII code per character class, ascending; quotes, backslash and backtick are skipped
#: so a key can be pasted into SQL or CSV as is.
_CODE_CHARS = [chr(c) for c in range(ord(_SEP) + 1, ord("~")) if chr(c) not in "\"'\\`"]
_CODES: dict[str, str] = dict(
    zip([" ", *_PUNCTUATION, "\x00other", *"0123456789", *_ALPHABET], _CODE_CHARS, strict=False)
)
_UNKNOWN_LETTER = "~"  # letters of other scripts: after every Vietnamese letter
_TONE_CODES = {"": "0", _GRAVE: "1", _HOOK: "2", _TILDE: "3", _ACUTE: "4", _DOT: "5"}
_MODIFIED = {("a", _BREVE): "ă", ("a", _CIRCUMFLEX): "â", ("e", _CIRCUMFLEX): "ê", ("o", _CIRCUMFLEX): "ô",
             ("o", _HORN): "ơ", ("u", _HORN): "ư"}


def _levels(text: str) -> tuple[str, str, str]:
    """(letters, tones, case) codes of ``text``; one tone code per run of letters (per syllable)."""
    primary: list[str] = []
    tones: list[str] = []
    case: list[str] = []
    run_tone: str | None = None  # None: not inside a run of letters
    for base, marks in _clusters(text):
        lower = base.lower()
        if not base.isalpha():
            if run_tone is not None:
                tones.append(_TONE_CODES[run_tone])
                run_tone = None
            if base.isspace():
                code = _CODES[" "]
            elif base in _CODES:
                code = _CODES[base]
            elif unicodedata.category(base) == "Nd":
                code = _CODES[str(unicodedata.digit(base))]
            else:
                code = _CODES["\x00other"]
            primary.append(code)
            continue
        letter = lower
        for mark in marks:
            letter = _MODIFIED.get((lower, mark), letter)
        primary.append(_CODES.get(letter, _UNKNOWN_LETTER))
        case.append("1" if base != lower else "0")
        tone = next((m for m in marks if m in _TONE_MARKS), "")
        if run_tone is None:
            run_tone = tone
        elif not run_tone:
            run_tone = tone  # the first tone mark of the run counts, wherever it sits (hoà == hòa)
    if run_tone is not None:
        tones.append(_TONE_CODES[run_tone])
    return "".join(primary), "".join(tones), "".join(case)


def sort_key(ten: str | None, ho_dem: str | None = "") -> str:
    """ASCII key whose binary order is the Vietnamese list order: by tên, then by họ + đệm (domain.md §10).

    Like ICU's "vi" collation, for each part it compares all letters first (a < ă < â, d < đ, o < ô < ơ,
    u < ư; case and tones ignored), then the tones (ngang < huyền < hỏi < ngã < sắc < nặng), then the
    case (lower before upper): Ha < Hà < Hả < Hã < Há < Hạ, Dương < Đặng, Hà < Hàm. Tones are taken per
    syllable, so the placement does not matter: ``sort_key("Hoà") == sort_key("Hòa")`` (ICU differs
    here, see tests/test_names_checks.py). A run of letters with several tone marks (syllables typed
    without spaces) counts only its first one. Store it in a ``COLLATE "C"`` column and ORDER BY it.
    """
    parts = []
    for value in (ten, ho_dem):
        parts.extend(_levels(clean(value)))
    return _SEP.join(parts) + _SEP
