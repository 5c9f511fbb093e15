"""Vietnamese text in the legacy 8-bit encodings TCVN3 (ABC) and VNI, detected and converted to Unicode NFC.

Before Unicode, Vietnamese offices typed in fonts whose code points are Latin-1 characters: a document typed in
``.VnTime`` (TCVN 5712:1993, "TCVN3" or "ABC") or ``VNI-Times`` and opened without the font reads "NguyÔn V¨n
An" or "Nguyeãn Vaên An" (domain.md §10). Both arrive as Unicode text made of Latin-1 characters (an XLSX cell,
or a CSV decoded as Latin-1), so both converters work on ``str``:

- **TCVN3** gives each toned lower-case vowel one byte (à = ``µ`` 0xB5 … ỵ = ``þ`` 0xFE) and the seven
  modified upper-case letters bytes 0xA1–0xA7 (Ă Â Ê Ô Ơ Ư Đ); toned capitals live in a second font (``.VnTimeH``)
  at the lower-case positions, so a word whose other letters are all capitals is converted to capitals.
- **VNI** writes a base letter followed by a mark byte (ế = ``e`` + ``á``; Ế = ``E`` + ``Á``), and a few letters
  as one byte (ơ ``ô``, ư ``ö``, đ ``ñ``, í ``í``, ì ``ì``, ỉ ``æ``, ĩ ``ó``, ị ``ò``, ỵ ``î``).

Both tables are data (:data:`TCVN3`, :data:`VNI`, built from the five tones and the base letters); the
converters are table look-ups (longest match first). :func:`detect` tells which encoding a text is in, from
evidence no Unicode Vietnamese text has (TCVN3's bytes 0xA1–0xBF; a VNI base + mark pair of the same case that
Unicode spelling does not produce), and :func:`to_unicode` converts what it detects. Pure functions: no app
context.
"""

from __future__ import annotations

import unicodedata

__all__ = ["TCVN3", "VNI", "detect", "from_tcvn3", "from_vni", "to_unicode"]

#: Tone order used below: no tone, huyền, hỏi, ngã, sắc, nặng.
_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")


def _toned(base: str) -> list[str]:
    """``base`` with each tone of :data:`_TONES` (NFC)."""
    return [unicodedata.normalize("NFC", base + tone) for tone in _TONES]


# --------------------------------------------------------------------------- TCVN3 (TCVN 5712:1993, ABC)

#: Byte of each toned lower-case vowel in TCVN3, in the tone order huyền, hỏi, ngã, sắc, nặng.
_TCVN3_VOWELS = {
    "a": (0xB5, 0xB6, 0xB7, 0xB8, 0xB9),
    "ă": (0xBB, 0xBC, 0xBD, 0xBE, 0xC6),
    "â": (0xC7, 0xC8, 0xC9, 0xCA, 0xCB),
    "e": (0xCC, 0xCE, 0xCF, 0xD0, 0xD1),
    "ê": (0xD2, 0xD3, 0xD4, 0xD5, 0xD6),
    "i": (0xD7, 0xD8, 0xDC, 0xDD, 0xDE),
    "o": (0xDF, 0xE1, 0xE2, 0xE3, 0xE4),
    "ô": (0xE5, 0xE6, 0xE7, 0xE8, 0xE9),
    "ơ": (0xEA, 0xEB, 0xEC, 0xED, 0xEE),
    "u": (0xEF, 0xF1, 0xF2, 0xF3, 0xF4),
    "ư": (0xF5, 0xF6, 0xF7, 0xF8, 0xF9),
    "y": (0xFA, 0xFB, 0xFC, 0xFD, 0xFE),
}
#: The modified letters without tone.
_TCVN3_PLAIN = {0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
                0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ"}


def _tcvn3_table() -> dict[str, str]:
    table = {chr(code): letter for code, letter in _TCVN3_PLAIN.items()}
    for base, codes in _TCVN3_VOWELS.items():
        for code, letter in zip(codes, _toned(base)[1:], strict=True):
            table[chr(code)] = letter
    return table


#: TCVN3 character (as read in Latin-1) -> Unicode letter (lower case for toned vowels: see the module doc).
TCVN3: dict[str, str] = _tcvn3_table()

# --------------------------------------------------------------------------- VNI (VNI-Windows)

#: VNI mark characters (lower case), in the tone order none … nặng after the base, per modified vowel:
#: (base letters written, Unicode base, marks for the six tones; "" = the base alone).
_VNI_LOWER = (
    ("a", "a", ("", "ø", "û", "õ", "ù", "ï")),
    ("a", "â", ("â", "à", "å", "ã", "á", "ä")),
    ("a", "ă", ("ê", "è", "ú", "ü", "é", "ë")),
    ("e", "e", ("", "ø", "û", "õ", "ù", "ï")),
    ("e", "ê", ("â", "à", "å", "ã", "á", "ä")),
    ("o", "o", ("", "ø", "û", "õ", "ù", "ï")),
    ("o", "ô", ("â", "à", "å", "ã", "á", "ä")),
    ("ô", "ơ", ("", "ø", "û", "õ", "ù", "ï")),
    ("u", "u", ("", "ø", "û", "õ", "ù", "ï")),
    ("ö", "ư", ("", "ø", "û", "õ", "ù", "ï")),
    ("y", "y", ("", "ø", "û", "õ", "ù", "î")),
)
#: i and its tones are single characters in VNI (no tone, huyền, hỏi, ngã, sắc, nặng); ỵ is "î" alone.
_VNI_I = ("i", "ì", "æ", "ó", "í", "ò")


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for written, base, marks in _VNI_LOWER:
        for tone, mark in enumerate(marks):
            letter = _toned(base)[tone]
            if written == "y" and tone == 5:
                seq = "î"  # ỵ: one character, not "y" + mark
            else:
                seq = written + mark
            if seq == written and written in "aeouy":
                continue  # a plain ASCII vowel is itself
            table[seq] = letter
            table[seq.upper()] = letter.upper()
    for tone, char in enumerate(_VNI_I):
        if tone:
            table[char] = _toned("i")[tone]
            table[char.upper()] = _toned("I")[tone]
    table["ñ"], table["Ñ"] = "đ", "Đ"
    return table


#: VNI sequence (one or two Latin-1 characters) -> Unicode letter.
VNI: dict[str, str] = _vni_table()

# --------------------------------------------------------------------------- detection

#: Latin-1 letters that Unicode Vietnamese text uses itself.
_VIETNAMESE_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
#: Unicode spellings a VNI pair would collide with (old-style tone placement: "hoà", "hoá", "loã").
_UNICODE_PAIRS = {"oà", "oá", "oã", "OÀ", "OÁ", "OÃ"}
#: VNI two-character sequences that are evidence of VNI (both characters of one case, not a Unicode spelling).
_VNI_EVIDENCE = {seq for seq in VNI if len(seq) == 2 and seq not in _UNICODE_PAIRS
                 and (seq.islower() or seq.isupper())}
#: TCVN3 characters that no Unicode Vietnamese text and no VNI text contains (the bytes 0xA1–0xBF).
_TCVN3_EVIDENCE = {ch for ch in TCVN3 if 0xA1 <= ord(ch) <= 0xBF}
#: TCVN3 lower-case toned letters that read as Latin-1 capitals (0xC0–0xDF): after a lower-case letter ("tÈn",
#: "ViÖt") they are TCVN3 — neither Unicode spelling nor VNI (whose marks keep the case of their base) has that.
_TCVN3_UPPER = {ch for ch in TCVN3 if 0xC0 <= ord(ch) <= 0xDF}
#: Other characters of either table that are not Vietnamese letters: a legacy text, encoding unsure.
_LEGACY_CHARS = ({ch for ch in TCVN3} | {ch for seq in VNI for ch in seq if ord(ch) > 0x7F}) - _VIETNAMESE_LATIN1


def _legacy_candidate(text: str) -> bool:
    """Only ASCII and Latin-1 characters (a Unicode Vietnamese text has letters beyond U+00FF, or none at all)."""
    return not text.isascii() and max(text) <= "\xff"


def detect(text: str | None, hint: str | None = None) -> str:
    """"tcvn3", "vni" or "unicode" for ``text``.

    TCVN3 when it holds a character of bytes 0xA1–0xBF of TCVN3, or a Latin-1 capital of TCVN3 right after a
    lower-case letter ("tÈn"); else VNI when it holds a VNI base + mark pair of
    one case that Unicode spelling does not produce ("eã", "aê", "OÂ" …); else ``hint`` (the encoding of the whole
    file, when known: a Latin-1-only text there is in it too, "tón" being VNI's tĩn); else, when it holds other
    characters of the legacy tables that are not Vietnamese letters ("Tröông", "ñ"), the reading that looks like
    Vietnamese (one tone mark per syllable, no stray sign), TCVN3 on a tie. A text with any character beyond
    U+00FF, or only ASCII, is Unicode."""
    if not text or not _legacy_candidate(text):
        return "unicode"
    if any(ch in _TCVN3_EVIDENCE for ch in text) or any(
            text[i].islower() and text[i].isascii() and text[i + 1] in _TCVN3_UPPER
            for i in range(len(text) - 1)):
        return "tcvn3"
    if any(text[i:i + 2] in _VNI_EVIDENCE for i in range(len(text) - 1)):
        return "vni"
    if hint in ("tcvn3", "vni"):
        return hint  # the rest of the file is in a legacy encoding: so is this Latin-1-only text ("tón" = tĩn)
    if any(ch in _LEGACY_CHARS for ch in text):
        # No evidence either way ("Tröông"): the reading whose syllables carry at most one tone mark each and that
        # leaves no stray Latin-1 sign wins ("Trương", not "Trửụng"); TCVN3 on a tie.
        return "vni" if _oddness(from_vni(text)) < _oddness(from_tcvn3(text)) else "tcvn3"
    return "unicode"


def _oddness(text: str) -> int:
    """How un-Vietnamese a converted text looks: syllables with more than one tone mark, plus Latin-1 signs left
    that are not Vietnamese letters."""
    odd = sum(1 for ch in text if 0x80 <= ord(ch) <= 0xFF and ch not in _VIETNAMESE_LATIN1)
    for word in "".join(ch if ch.isalpha() else " " for ch in text).split():
        marks = sum(1 for ch in unicodedata.normalize("NFD", word) if ch in _TONES[1:])
        odd += marks > 1
    return odd


# --------------------------------------------------------------------------- conversion


def _capitalised(converted: list[tuple[str, bool]]) -> str:
    """Join converted pieces; when the text's own (non-legacy) letters are all capitals, at least two of them (a
    ``.VnTimeH`` heading such as "NGUYÔN V¡N AN"), the converted letters become capitals too."""
    letters = [piece for piece, was_legacy in converted if not was_legacy and piece.isalpha()]
    upper = len(letters) >= 2 and all(p.isupper() for p in letters)
    return "".join(piece.upper() if (upper and was_legacy) else piece for piece, was_legacy in converted)


def from_tcvn3(text: str) -> str:
    """TCVN3 text (read as Latin-1) -> Unicode NFC ("NguyÔn V¨n §øc" -> "Nguyễn Văn Đức")."""
    pieces = [(TCVN3[ch], True) if ch in TCVN3 else (ch, False) for ch in text]
    return unicodedata.normalize("NFC", _capitalised(pieces))


def from_vni(text: str) -> str:
    """VNI text (read as Latin-1) -> Unicode NFC ("Nguyeãn Vaên Ñöùc" -> "Nguyễn Văn Đức"); longest match first."""
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        if len(pair) == 2 and pair in VNI:
            out.append(VNI[pair])
            i += 2
        elif text[i] in VNI:
            out.append(VNI[text[i]])
            i += 1
        else:
            out.append(text[i])
            i += 1
    return unicodedata.normalize("NFC", "".join(out))


def to_unicode(text: str | None, hint: str | None = None) -> tuple[str, str]:
    """(Unicode NFC text, the encoding it was in: "unicode", "tcvn3" or "vni") — see :func:`detect`."""
    if text is None:
        return "", "unicode"
    if text.isascii():
        return text, "unicode"  # ASCII is NFC already, and no legacy text
    encoding = detect(text, hint)
    if encoding == "tcvn3":
        return from_tcvn3(text), encoding
    if encoding == "vni":
        return from_vni(text), encoding
    return unicodedata.normalize("NFC", text), encoding
