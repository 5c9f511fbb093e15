"""Fonts of the PDF layouts: Liberation Serif (Times New Roman metrics, every Vietnamese letter), once per process.

reportlab's standard fonts and its bundled Vera lack most Vietnamese letters (stack-notes §3.1), so the four
faces of Liberation Serif (Debian ``fonts-liberation2``) are registered as one family: ``<b>``/``<i>`` in a
Paragraph pick the right face, and reportlab subsets and embeds what a document uses. reportlab does no mark
positioning, so every string must be NFC (:func:`app.text.nfc`) before it reaches a layout.

The same first call switches off reportlab's ASCII85 stream encoding (pure Python without ``rl_accel``):
streams stay Flate-compressed binary, the PDFs get ~20 % smaller and render faster.
"""

from __future__ import annotations

import os
import threading

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

__all__ = ["BOLD", "BOLD_ITALIC", "DEFAULT_FONT_DIR", "FAMILY", "ITALIC", "REGULAR", "FontMissingError",
           "register_fonts"]

#: Where Debian's ``fonts-liberation2`` puts the faces; ``PDF_FONT_DIR`` (config or environment) overrides it.
DEFAULT_FONT_DIR = "/usr/share/fonts/truetype/liberation2"
FAMILY = "VNSerif"
REGULAR, BOLD, ITALIC, BOLD_ITALIC = FAMILY, FAMILY + "-B", FAMILY + "-I", FAMILY + "-BI"
_FILES = {
    REGULAR: "LiberationSerif-Regular.ttf",
    BOLD: "LiberationSerif-Bold.ttf",
    ITALIC: "LiberationSerif-Italic.ttf",
    BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
}
_lock = threading.Lock()
_registered = False


class FontMissingError(RuntimeError):
    """A face of the PDF font is not installed (an operator problem: install ``fonts-liberation2``)."""


def _font_dir() -> str:
    try:
        from flask import current_app, has_app_context

        if has_app_context() and current_app.config.get("PDF_FONT_DIR"):
            return current_app.config["PDF_FONT_DIR"]
    except ImportError:  # pragma: no cover - Flask is always installed here
        pass
    return os.environ.get("PDF_FONT_DIR") or DEFAULT_FONT_DIR


def register_fonts() -> str:
    """Register the four faces and their family (first call only); returns the family's regular face name."""
    global _registered
    if _registered:
        return REGULAR
    with _lock:
        if _registered:
            return REGULAR
        folder = _font_dir()
        for name, filename in _FILES.items():
            path = os.path.join(folder, filename)
            if not os.path.isfile(path):
                raise FontMissingError(
                    f"Thiếu phông chữ {path}: cài gói fonts-liberation2 hoặc đặt PDF_FONT_DIR tới thư mục có "
                    f"các tệp LiberationSerif-*.ttf."
                )
            pdfmetrics.registerFont(TTFont(name, path))
        pdfmetrics.registerFontFamily(FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
        rl_config.useA85 = 0
        _registered = True
    return REGULAR
