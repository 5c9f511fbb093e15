"""PDF layouts (reportlab): the Sơ yếu lý lịch of TT 06/2023/TT-BNV and the fonts they embed.

``render_syll(version, reader_level=…)`` renders one file version; ``RenderedPdf`` carries the bytes and the
boxes left empty for the signature fields (``app/signing.py``).
"""

from app.pdf.syll import SIGNATURE_FIELDS, RenderedPdf, render_syll

__all__ = ["SIGNATURE_FIELDS", "RenderedPdf", "render_syll"]
