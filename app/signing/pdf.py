"""Signing PDFs: empty signature fields, then PAdES B-T signatures with a visible Vietnamese stamp.

Sequential signing on one PDF (HCM-7.2b): the person first — a certification signature that allows form filling
(``certify=True``, ``MDPPerm.FILL_FORMS``) — then the reviewer, the approver and optionally the agency seal; each
signature is a new incremental update, so the earlier ones stay valid. ``existing_fields_only=True``: a typo in
a field name is an error, never a new field.

The stamp font is Liberation Serif cut down once to Latin + Vietnamese (stack-notes §4.3: about 2× faster than
the full font), cached under ``PKI_DIR/fonts`` (or the temp dir when ``PKI_DIR`` is not writable).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar

from flask import current_app
from flask_babel import gettext as _

from app import pki
from app.services.errors import ValidationError
from app.text import clean, nfc

__all__ = [
    "FIELD_APPROVER",
    "FIELD_PERSON",
    "FIELD_REVIEWER",
    "FIELD_SEAL",
    "STAMP_TEXT",
    "VIETNAMESE_UNICODES",
    "add_signature_fields",
    "open_pdf",
    "sign_pdf",
    "stamp_font_path",
]

T = TypeVar("T")
log = logging.getLogger(__name__)

FIELD_PERSON = "NguoiKhai"
FIELD_REVIEWER = "CanBoTCCB"
FIELD_APPROVER = "ThuTruong"
FIELD_SEAL = "DauCoQuan"

STAMP_TEXT = nfc("Ký bởi: %(signer)s\nThời gian: %(ts)s")
#: Basic Latin, Latin-1 + Extended-A/B up to ư, combining marks, Latin Extended Additional (ạ … ỹ), dashes,
#: quotes, ellipsis and ₫.
VIETNAMESE_UNICODES = [*range(0x20, 0x7F), *range(0xA0, 0x1B1), *range(0x300, 0x324), *range(0x1EA0, 0x1EFA),
                       0x2013, 0x2014, 0x2018, 0x2019, 0x201C, 0x201D, 0x2026, 0x20AB]
_ISO = "%Y-%m-%dT%H:%M:%S%z"

_font_lock = threading.Lock()
_fonts: dict[str, str] = {}


# --------------------------------------------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------------------------------------------


def open_pdf(pdf: bytes):
    """A pyHanko reader of ``pdf``; ValidationError (Vietnamese) when it is not a readable PDF."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader

    if not isinstance(pdf, bytes | bytearray) or not bytes(pdf[:1024]).lstrip().startswith(b"%PDF-"):
        raise ValidationError({"pdf": [_("Tệp không phải PDF.")]})
    try:
        reader = PdfFileReader(io.BytesIO(bytes(pdf)), strict=False)
        reader.root  # noqa: B018 - parses the trailer and catalog
        return reader
    except (PdfError, ValueError, KeyError, TypeError, IndexError):
        raise ValidationError({"pdf": [_("Tệp PDF bị hỏng hoặc không đọc được.")]}) from None


def _sig_fields(reader) -> dict[str, bool]:
    """Signature field name -> already signed."""
    from pyhanko.sign.fields import enumerate_sig_fields

    return {name: value is not None for name, value, _ref in enumerate_sig_fields(reader, filled_status=None)}


def add_signature_fields(pdf: bytes, boxes: dict[str, tuple[int, tuple[float, float, float, float]]]) -> bytes:
    """Add empty signature fields ``{name: (0-based page, (x1, y1, x2, y2) in points)}`` in one incremental
    update; a box None is an invisible field (nothing drawn on the page, listed in a reader's signature panel).
    ValidationError when a name exists already, a page does not exist or a box is empty."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    reader = open_pdf(pdf)
    pages = int(reader.root["/Pages"]["/Count"])
    existing = _sig_fields(reader)
    problems = []
    for name, (page, box) in boxes.items():
        if not name or name in existing:
            problems.append(_("Ô chữ ký %(field)s đã có trong tài liệu.", field=name))
        if not isinstance(page, int) or not 0 <= page < pages:
            problems.append(_("Tài liệu không có trang %(page)s.", page=page + 1 if isinstance(page, int) else page))
        if box is None:
            continue
        x1, y1, x2, y2 = box
        if x2 <= x1 or y2 <= y1:
            problems.append(_("Khung của ô chữ ký %(field)s không hợp lệ.", field=name))
    if problems:
        raise ValidationError({"fields": problems})
    writer = IncrementalPdfFileWriter(io.BytesIO(bytes(pdf)), strict=False)
    for name, (page, box) in boxes.items():
        append_signature_field(writer, SigFieldSpec(sig_field_name=name, on_page=page,
                                                    box=None if box is None else tuple(float(v) for v in box)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------------------
# Stamp
# --------------------------------------------------------------------------------------------------------------


def _font_cache_dir() -> Path:
    directory = Path(current_app.config["PKI_DIR"]) / "fonts"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if os.access(directory, os.W_OK):
            return directory
    except OSError:
        pass
    directory = Path(tempfile.gettempdir()) / "cbccvc-fonts"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def stamp_font_path() -> str:
    """The stamp font cut to Latin + Vietnamese (made once, then cached on disk and per process)."""
    source = current_app.config["SIGN_STAMP_FONT"]
    with _font_lock:
        cached = _fonts.get(source)
        if cached and os.path.exists(cached):
            return cached
        stat = os.stat(source)
        tag = hashlib.sha256(f"{source}|{stat.st_size}|{stat.st_mtime_ns}|{VIETNAMESE_UNICODES}".encode()
                             ).hexdigest()[:12]
        target = _font_cache_dir() / f"{Path(source).stem}-vi-{tag}.ttf"
        if not target.exists():
            _subset_font(source, target)
        _fonts[source] = str(target)
        return str(target)


def _subset_font(source: str, target: Path) -> None:
    from fontTools import subset

    options = subset.Options()
    options.name_IDs = ["*"]
    options.layout_features = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["FFTM", "DSIG"]
    font = subset.load_font(source, options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=VIETNAMESE_UNICODES)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        # pyHanko writes the CIDFont /W widths in font units, which PDF reads as 1/1000 em: a 2048-unit font
        # (Liberation) would be drawn with letters twice as far apart. Scaled to 1000 units, both agree.
        from fontTools.ttLib.scaleUpem import scale_upem

        scale_upem(font, 1000)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    subset.save_font(font, str(tmp), options)
    os.replace(tmp, target)


@functools.lru_cache(maxsize=1)
def _style_class():
    from pyhanko.stamp import TextStampStyle

    @dataclass(frozen=True)
    class VietnameseStampStyle(TextStampStyle):
        """The stamp with its time shown in Vietnam time (dd/mm/YYYY HH:MM:SS), all text NFC."""

        def create_stamp(self, writer, box, text_params):
            params = {k: nfc(v) if isinstance(v, str) else v for k, v in text_params.items()}
            try:
                params["ts"] = pki.format_time(datetime.strptime(params.get("ts", ""), _ISO)) + " (GMT+7)"
            except ValueError:
                pass
            return super().create_stamp(writer, box, params)

    return VietnameseStampStyle


@functools.lru_cache(maxsize=4)
def _style_for(font_path: str):
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle

    return _style_class()(stamp_text=STAMP_TEXT, timestamp_format=_ISO, border_width=1,
                          text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(font_path)))


def _stamp_style():
    """The stamp style (immutable, cached per font): "Ký bởi: …" / "Thời gian: …" in the Vietnamese font."""
    return _style_for(stamp_font_path())


# --------------------------------------------------------------------------------------------------------------
# Signing
# --------------------------------------------------------------------------------------------------------------


def _unwrap(signer):
    """(pyHanko signer, display name) from our :class:`~app.signing.credentials.Signer` or a pyHanko signer."""
    inner = getattr(signer, "signer", None)
    if inner is not None and hasattr(signer, "certificate"):
        return inner, signer.name
    cert = signer.signing_cert
    return signer, cert.subject.native.get("common_name") or cert.subject.human_friendly


def _bytes_reserved(signer, timestamper) -> int | None:
    """A safe size for the CMS blob when every embedded certificate is known (dev TSA), to skip pyHanko's
    trial signature (about 2× faster); None (let pyHanko estimate) otherwise."""
    from pyhanko.sign.timestamps import DummyTimeStamper

    if not isinstance(timestamper, DummyTimeStamper):
        return None
    certs = [signer.signing_cert, *list(signer.cert_registry), timestamper.tsa_cert, *timestamper.certs_to_embed]
    # pyHanko counts hex digits (2 per byte): signed attributes and TST info + every certificate + two signatures.
    return 2 * (3072 + sum(len(c.dump()) for c in certs) + 2 * 512)


def _check_fields(reader, field: str, certify: bool) -> None:
    fields = _sig_fields(reader)
    if field not in fields:
        raise ValidationError({"field": [_("Tài liệu không có ô chữ ký %(field)s.", field=field)]})
    if fields[field]:
        raise ValidationError({"field": [_("Ô chữ ký %(field)s đã được ký.", field=field)]})
    perms = reader.root.get("/Perms")
    if certify and (any(fields.values()) or (perms is not None and "/DocMDP" in perms)):
        raise ValidationError({"field": [_("Chữ ký chứng nhận phải là chữ ký đầu tiên của tài liệu.")]})


def outside_event_loop(fn: Callable[[], T]) -> T:
    """Run ``fn`` here, or in a worker thread when this thread runs an asyncio loop.

    pyHanko's synchronous API wraps ``asyncio.run()``, which refuses to start inside a running loop (an async
    server, or Playwright's sync API in the browser tests, keep one in the main thread).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def sign_pdf(pdf: bytes, *, field: str, signer, reason: str, location: str | None = None,
             certify: bool = False) -> bytes:
    """Sign the empty field ``field`` of ``pdf`` (PAdES B-T, visible Vietnamese stamp) and return the new PDF.

    ``signer`` is what :func:`~app.signing.load_signer` returns (or a pyHanko signer). ``certify=True`` makes the
    first signature a certification signature that still allows filling in forms and signing, so the reviewer's,
    approver's and seal's signatures keep it valid. ValidationError (Vietnamese) on a bad PDF, a missing or
    signed field, or when the signature cannot be made.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.sign.timestamps import TimestampRequestError

    inner, name = _unwrap(signer)
    reader = open_pdf(pdf)
    _check_fields(reader, field, certify)
    timestamper = pki.timestamper()
    if timestamper is None:
        raise ValidationError({"tsa": [_("Chưa cấu hình dịch vụ cấp dấu thời gian (TSA_URL); quản trị hệ thống "
                                         "cần cấu hình trước khi ký.")]})
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=clean(reason) or None, location=clean(location) or None, name=nfc(name),
        certify=certify, docmdp_permissions=MDPPerm.FILL_FORMS,
    )
    pdf_signer = signers.PdfSigner(meta, signer=inner, timestamper=timestamper, stamp_style=_stamp_style())
    reserved = _bytes_reserved(inner, timestamper)
    for attempt in (reserved, None) if reserved else (None,):
        try:
            out = outside_event_loop(lambda reserved=attempt: pdf_signer.sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(bytes(pdf)), strict=False), existing_fields_only=True,
                bytes_reserved=reserved, appearance_text_params={"signer": nfc(name)}))
            return out.getvalue()
        except TimestampRequestError as exc:
            log.warning("timestamp request failed: %s", exc)
            raise ValidationError({"tsa": [_("Không lấy được dấu thời gian từ dịch vụ cấp dấu thời gian; tài liệu "
                                             "chưa được ký. Hãy thử lại sau.")]}) from None
        except Exception as exc:  # noqa: BLE001 - pyHanko and PKCS#11 errors all end the same way
            if attempt is not None and "larger than expected" in str(exc):
                continue
            log.warning("signing field %s failed: %s: %s", field, type(exc).__name__, exc)
            raise ValidationError({"pdf": [_("Không ký được tài liệu; hãy thử lại hoặc báo quản trị hệ thống "
                                             "(mã lỗi: %(error)s).", error=type(exc).__name__)]}) from None
    raise ValidationError({"pdf": [_("Không ký được tài liệu.")]})
