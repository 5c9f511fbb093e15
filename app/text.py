"""Vietnamese text helpers: NFC normalisation and diacritic-free search keys."""

import unicodedata

__all__ = ["nfc", "search_key", "clean"]


def nfc(value: str | None) -> str:
    """Return ``value`` in Unicode NFC (how every text is stored), ``""`` for None."""
    return unicodedata.normalize("NFC", value or "")


def clean(value: str | None) -> str:
    """NFC, trimmed, inner runs of white space folded to one space."""
    return " ".join(nfc(value).split())


def search_key(value: str | None) -> str:
    """Lower-case, diacritic-free form used for searching: "Đặng Văn Đức" -> "dang van duc".

    NFD does not decompose đ/Đ, so they are mapped explicitly (domain.md §10).
    """
    text = clean(value).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.lower()
