"""Download names (issue 13): a served file's extension always matches the type the server checked.

An uploaded proof keeps its Vietnamese name, but "bằng.exe" holding a PDF is served as "bằng.pdf", so what the
user's system opens is what the server verified. Every download is ``Content-Disposition: attachment``.
"""

import os

__all__ = ["EXTENSIONS", "attachment_name"]

#: The extension served for each checked type (the first is the one added; the others are accepted as they are).
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/zip": (".zip",),
    "text/csv": (".csv",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/x-pkcs12": (".p12", ".pfx"),
}


def attachment_name(name: str | None, mimetype: str, default: str = "tep") -> str:
    """``name`` with the extension of ``mimetype`` (replacing a different one); ``default`` when empty."""
    allowed = EXTENSIONS.get(mimetype.split(";")[0].strip().lower())
    base = os.path.basename((name or "").replace("\\", "/")).strip() or default
    if not allowed:
        return base
    stem, ext = os.path.splitext(base)
    if ext.lower() in allowed:
        return base
    return (stem if ext and stem else base).rstrip(". ") + allowed[0]
