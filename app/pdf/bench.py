"""The ``syll_pdf`` measure of ``make bench`` (issue 7: one file's SYLL, target ≤ 150 ms on one core).

:func:`syll_benchmark` yields two callables for the bench process: ``render()`` renders one full file with
:func:`~app.pdf.syll.render_syll` (its latest version, or — the generated city stores no versions — a version
built in memory from its approved rows, never written), and ``floor()`` writes the same values as plain lines
with the same embedded font and no layout at all (no Paragraph, no table, no page numbering): the cost of any
PDF of that text, next to which the layout's cost is read.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import func, select

from app.extensions import db
from app.pdf.fonts import REGULAR, register_fonts
from app.pdf.syll import render_syll
from app.services.personnel import files
from app.services.personnel import values as fv
from app.services.personnel.syll import SECTIONS
from models.personnel import FileVersion, Person, WorkRecord

__all__ = ["syll_benchmark"]


def _person_id() -> int:
    """A file with a long career (most work periods among the first 2,000 files), as a full file prints."""
    first = select(Person.id).order_by(Person.id).limit(2000).subquery()
    row = db.session.execute(
        select(WorkRecord.person_id, func.count()).where(WorkRecord.person_id.in_(select(first.c.id)))
        .group_by(WorkRecord.person_id).order_by(func.count().desc(), WorkRecord.person_id).limit(1)).first()
    person_id = row[0] if row is not None else db.session.scalar(select(first.c.id).limit(1))
    if person_id is None:
        raise LookupError("no personnel file to render")
    return person_id


def _version(person_id: int) -> FileVersion:
    person = db.session.get(Person, person_id)
    stored = db.session.scalar(select(FileVersion).where(FileVersion.person_id == person_id,
                                                         FileVersion.version_no == person.version_no))
    if stored is not None:
        return stored
    snap = files.snapshot(person)
    return FileVersion(person_id=person.id, version_no=person.version_no, snapshot=snap,
                       sha256="0" * 64)


def _lines(snapshot: dict) -> list[str]:
    out = []
    for sec in SECTIONS:
        data = snapshot["sections"].get(sec.key)
        rows = data if sec.repeating else [data or {}]
        for row in rows or []:
            out.append(" · ".join(f"{f.label}: {fv.display(f, row.get(f.name), row.get(fv.precision_key(f.name)))}"
                                  for f in sec.fields)[:160])
    return out


def _plain_pdf(lines: list[str]) -> bytes:
    buf = io.BytesIO()
    canv = Canvas(buf, pagesize=A4)
    y = 800
    for line in lines:
        if y < 60:
            canv.showPage()
            y = 800
        canv.setFont(REGULAR, 9)
        canv.drawString(50, y, line)
        y -= 12
    canv.showPage()
    canv.save()
    return buf.getvalue()


@contextmanager
def syll_benchmark(person_id: int | None = None) -> Iterator[tuple[Callable[[], bytes], Callable[[], bytes]]]:
    """Yield ``(render, floor)`` for one file (``person_id``, or a file with a long career); app context needed."""
    register_fonts()
    version = _version(person_id or _person_id())
    lines = _lines(version.snapshot)
    yield (lambda: render_syll(version).data), (lambda: _plain_pdf(lines))
