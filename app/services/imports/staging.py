"""From an upload's sheets to staged people (issue 19, item 2): every layout — the template workbook, a CSV of its
person sheet, the 2C-BNV/2008 sheet — becomes the same :class:`Staged` records, one per person, with the sheet
and line of every value so that each problem is reported on its cell.

A staged person holds text only (as typed, NFC, legacy encodings converted); the checks are ``checks.py``'s.
Reading problems (a formula, a cell cut at ``MAX_CELL`` characters, control characters, an unknown header, a
section row whose CCCD has no person) are recorded as issues ``(sheet, line, field, message)``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.services.code_lists import lookup_key
from app.services.imports import layout as lay
from app.services.imports.sources import MAX_CELL, Cell, FileRefused, Source
from app.services.personnel import checks
from app.services.personnel.syll import SECTIONS
from app.text import clean, split_name

__all__ = ["ROW", "Staged", "can_fork", "detect_format", "die_with_parent", "fork_all", "main_sheet_name",
           "stage", "stage_in_child"]

#: The "field" of an issue about a whole row.
ROW = "__row__"


@dataclass
class Staged:
    """One person of an upload: the scalar items (field -> text), the rows of each repeating section, where they
    come from, and the problems reading them."""

    row_no: int
    sheet: str
    line: int
    cccd: str = ""
    scalar: dict[str, str] = field(default_factory=dict)
    sections: dict[str, list[list]] = field(default_factory=dict)  # key -> [[sheet, line, {field: text}], …]
    issues: list[list] = field(default_factory=list)  # [[sheet, line, field, message], …]

    def to_json(self) -> dict:
        """What the staged row keeps (encrypted): scalar items and section rows with their places."""
        return {"sheet": self.sheet, "line": self.line, "cccd": self.cccd, "scalar": self.scalar,
                "sections": self.sections, "issues": self.issues}

    @classmethod
    def from_json(cls, row_no: int, data: dict) -> Staged:
        """The staged person back from :meth:`to_json`."""
        return cls(row_no, data["sheet"], data["line"], data.get("cccd") or "", dict(data.get("scalar") or {}),
                   {k: list(v) for k, v in (data.get("sections") or {}).items()}, list(data.get("issues") or []))


def _cell_issues(sheet: str, line: int, name: str, cell: Cell) -> list[list]:
    out = []
    if "formula" in cell.flags:
        out.append([sheet, line, name, _("Ô chứa công thức; hãy ghi giá trị (không dùng công thức).")])
    if "cut" in cell.flags:
        out.append([sheet, line, name, _("Ô dài quá %(n)s ký tự; phần thừa không được nhận.",
                                         n=f"{MAX_CELL:,}".replace(",", "."))])
    if "control" in cell.flags:
        out.append([sheet, line, name, _("Ô chứa ký tự điều khiển (không in được); đã bỏ các ký tự đó.")])
    return out


def _header(rows: Iterator) -> tuple[int, list[str]] | None:
    """The first non-empty row: (line, header texts)."""
    for line, cells in rows:
        texts = [c.text for c in cells]
        if any(texts):
            return line, texts
        if line > 20:
            return None
    return None


def _first_token(name: str) -> str:
    return (name.split() or [""])[0]


def detect_format(source: Source) -> str:
    """"template" when the workbook has the template's person sheet (or its headers), "2c" when the headers are
    the 2C-BNV/2008 layout's, else "template" (a CSV of the person sheet)."""
    person_key = lookup_key(lay.person_title())
    if source.kind == "xlsx" and any(lookup_key(n) == person_key for n in source.sheet_names):
        return "template"
    first = main_sheet_name(source)
    found = _header(source.sheet(first).rows)
    if found is None:
        return "template"
    headers = found[1]
    template_hits = len(lay.match_columns(lay.template_layout()[0], headers)[0])
    legacy_hits = len(lay.match_columns(lay.legacy_layout(), headers)[0])
    return "2c" if legacy_hits > template_hits else "template"


def main_sheet_name(source: Source) -> str:
    person_key = lookup_key(lay.person_title())
    guide = lookup_key(_("Hướng dẫn"))
    for name in source.sheet_names:
        if lookup_key(name) == person_key:
            return name
    for name in source.sheet_names:
        if lookup_key(name) != guide:
            return name
    return source.sheet_names[0]


def _row_values(sheet: str, line: int, cells: list[Cell], columns: dict[int, lay.Col],
                issues: list[list]) -> dict[lay.Col, str]:
    values = {}
    for i, col in columns.items():
        cell = cells[i] if i < len(cells) else Cell()
        issues.extend(_cell_issues(sheet, line, col.name, cell))
        if cell.text:
            values[col] = cell.text
    return values


def _unknown(sheet: str, line: int, unknown: list[str]) -> list[list]:
    return [[sheet, line, ROW, _("Cột “%(name)s” không có trong mẫu; bỏ qua cột này.", name=name[:60])]
            for name in unknown]


class _SectionStore:
    """The rows of the section sheets, keyed by CCCD, in a temporary SQLite file beside the worker (not in memory:
    a 50,000-person workbook has a quarter of a million of them) — read back a batch of people at a time, in the
    order they were read (sheets in order, lines in order). The file holds what the upload holds and is removed by
    :meth:`close`."""

    def __init__(self):
        fd, self.path = tempfile.mkstemp(prefix="import-sections-", suffix=".sqlite")
        os.close(fd)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode = OFF")
        self.db.execute("PRAGMA synchronous = OFF")
        self.db.execute("CREATE TABLE r (seq INTEGER PRIMARY KEY, cccd TEXT NOT NULL, body TEXT NOT NULL)")
        self.pending: list[tuple[str, str]] = []

    def add(self, cccd: str, row: tuple) -> None:
        self.pending.append((cccd, json.dumps(row, ensure_ascii=False)))
        if len(self.pending) >= 2000:
            self._flush()

    def _flush(self) -> None:
        self.db.executemany("INSERT INTO r (cccd, body) VALUES (?, ?)", self.pending)
        self.pending.clear()

    def ready(self) -> None:
        self._flush()
        self.db.execute("CREATE INDEX r_cccd ON r (cccd, seq)")

    def take(self, cccds: list[str]) -> dict[str, list[tuple]]:
        """The rows of ``cccds`` (removed from the store): {cccd: [(section key, sheet, line, data, issues), …]}."""
        found: dict[str, list] = {}
        if not cccds:
            return found
        marks = ",".join("?" * len(cccds))
        seqs = []
        for seq, cccd, body in self.db.execute(
                f"SELECT seq, cccd, body FROM r WHERE cccd IN ({marks}) ORDER BY seq", cccds):  # noqa: S608
            found.setdefault(cccd, []).append(tuple(json.loads(body)))
            seqs.append((seq,))
        self.db.executemany("DELETE FROM r WHERE seq = ?", seqs)
        return found

    def left(self) -> Iterator[tuple]:
        """The rows no person took, in reading order."""
        for (body,) in self.db.execute("SELECT body FROM r ORDER BY seq"):
            yield tuple(json.loads(body))

    def close(self) -> None:
        self.db.close()
        if os.path.exists(self.path):
            os.remove(self.path)


def _section_rows(source: Source, file_issues: list[list]) -> _SectionStore:
    """Rows of every section sheet, by CCCD, in a :class:`_SectionStore` (rows ``(section key, sheet, line,
    {field: text}, issues)``)."""
    by_item = {sec.items[0]: sec for sec in SECTIONS if sec.repeating}
    specs = {spec.key: spec for spec in lay.template_layout()}
    store = _SectionStore()
    try:
        for name in source.sheet_names:
            sec = by_item.get(_first_token(name))
            if sec is None:
                continue
            rows = source.sheet(name).rows
            head = _header(rows)
            if head is None:
                continue
            columns, unknown = lay.match_columns(specs[sec.key], head[1])
            file_issues.extend(_unknown(name, head[0], unknown))
            cccd_col = next((i for i, c in columns.items() if c.name == lay.CCCD), None)
            for line, cells in rows:
                row_issues: list[list] = []
                values = _row_values(name, line, cells, columns, row_issues)
                data = {c.name: v for c, v in values.items() if c.name != lay.CCCD}
                if not data and not values:
                    continue
                cccd = checks.normalize_cccd(values.get(columns[cccd_col], "")) if cccd_col is not None else ""
                if not cccd:
                    file_issues.append([name, line, lay.CCCD, _("Dòng này không ghi Số CCCD của người khai.")])
                    file_issues.extend(row_issues)
                    continue
                store.add(cccd, (sec.key, name, line, data, row_issues))
        store.ready()
    except BaseException:
        store.close()
        raise
    return store


def _legacy_values(values: dict[lay.Col, str], st: Staged, sheet: str, line: int) -> None:
    """The 2C layout's special columns into the registry's fields."""
    for col, text in values.items():
        if col.name == lay.FULL_NAME:
            family, middle, given = split_name(text)
            st.scalar.update({"family_name": family, "middle_name": middle, "given_name": given})
        elif col.name == lay.HOMETOWN:
            parts = [clean(p) for p in text.split(",") if clean(p)]
            if parts:
                st.scalar["hometown_commune"] = parts[0]
            if len(parts) >= 3:
                st.scalar["hometown_district"] = ", ".join(parts[1:-1])
            if len(parts) >= 2:
                st.scalar["hometown_province"] = parts[-1]
        elif col.name == lay.ID_NUMBER:
            digits = checks.normalize_cccd(text)
            if len(digits) == 12 and not st.cccd:
                st.cccd = digits
            else:
                st.scalar["old_id_number"] = text
        elif col.name == lay.CCCD:
            st.cccd = checks.normalize_cccd(text) or st.cccd
            st.scalar["cccd"] = text
        elif col.name == lay.CATEGORY:
            st.scalar[lay.CATEGORY] = text
        else:
            st.scalar[col.name] = text
    if st.cccd and "cccd" not in st.scalar:
        st.scalar["cccd"] = st.cccd


def stage(source: Source, file_format: str, file_issues: list[list]) -> Iterator[Staged]:
    """The people of ``source`` in the layout ``file_format``, in order; problems of no person (a section row
    without its person, an unknown sheet) go to ``file_issues``. :class:`FileRefused` when the file has no
    recognisable sheet. Section rows are staged on disk (:class:`_SectionStore`) and joined to their people
    :data:`BATCH` people at a time."""
    legacy = file_format == "2c"
    spec = lay.legacy_layout() if legacy else lay.template_layout()[0]
    sections = None if legacy or source.kind != "xlsx" else _section_rows(source, file_issues)
    try:
        yield from _people(source, legacy, spec, sections, file_issues)
    finally:
        if sections is not None:
            sections.close()


#: People read before their section rows are fetched from the store (one look-up per batch).
BATCH = 500


def _people(source: Source, legacy: bool, spec, sections: _SectionStore | None,
            file_issues: list[list]) -> Iterator[Staged]:
    name = main_sheet_name(source)
    rows = source.sheet(name).rows
    head = _header(rows)
    if head is None:
        raise FileRefused(_("Không tìm thấy dòng tiêu đề của trang “%(sheet)s”.", sheet=name))
    columns, unknown = lay.match_columns(spec, head[1])
    if not any(c.name == lay.CCCD for c in columns.values()) and not any(
            c.name == lay.ID_NUMBER for c in columns.values()):
        raise FileRefused(_("Trang “%(sheet)s” không có cột Số CCCD; hãy dùng mẫu nhập của hệ thống hoặc mẫu "
                            "2C-BNV/2008.", sheet=name))
    file_issues.extend(_unknown(name, head[0], unknown))
    row_no = 0
    seen: set[str] = set()
    batch: list[tuple[Staged, bool]] = []

    def joined() -> Iterator[Staged]:
        firsts = [st.cccd for st, first in batch if first]
        found = sections.take(firsts) if sections is not None else {}
        for st, first in batch:
            if first:
                for key, sheet, sline, data, row_issues in found.get(st.cccd, ()):
                    st.sections.setdefault(key, []).append([sheet, sline, data])
                    st.issues.extend(row_issues)
            yield st
        batch.clear()

    for line, cells in rows:
        issues: list[list] = []
        values = _row_values(name, line, cells, columns, issues)
        if not values and not issues:
            continue
        row_no += 1
        st = Staged(row_no, name, line, issues=issues)
        if legacy:
            _legacy_values(values, st, name, line)
        else:
            for col, text in values.items():
                if col.name == lay.CCCD:
                    st.cccd = checks.normalize_cccd(text)
                st.scalar[col.name] = text
        first = bool(st.cccd) and st.cccd not in seen
        if first:
            seen.add(st.cccd)
        batch.append((st, first))
        if len(batch) >= BATCH:
            yield from joined()
    yield from joined()
    if sections is not None:
        for _key, sheet, line, _data, _issues in sections.left():
            file_issues.append([sheet, line, lay.CCCD, _("Số CCCD của dòng này không có trong trang “%(sheet)s”.",
                                                         sheet=name)])


# --------------------------------------------------------------------------- reading in a second process

#: People sent from the reading process at a time.
_CHILD_BATCH = 200


def stage_in_child(path: str, kind: str, file_format: str, file_issues: list[list],
                   encodings: dict) -> Iterator[Staged]:
    """:func:`stage` of the upload at ``path`` run by a forked process, so that reading the workbook (its XML, the
    section store) goes on while this process checks and stores what was read — on two cores a dry run takes
    about half the time. The people come back in order, a batch at a time through a pipe (the reader is at most a
    batch ahead: memory stays bounded); ``file_issues`` and ``encodings`` (the legacy encodings found) are filled
    at the end; a refused file raises :class:`FileRefused` here. Only from a process without other threads (an RQ
    work horse): :func:`can_fork`."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    reader = context.Process(target=_reader, args=(send, path, kind, file_format), daemon=True,
                             name="cbccvc-import-reader")
    fork_all([reader])
    send.close()
    try:
        while True:
            try:
                message = receive.recv()
            except EOFError:
                raise RuntimeError("the import's reading process ended without a result") from None
            if message[0] == "people":
                yield from message[1]
            elif message[0] == "end":
                file_issues.extend(message[1])
                encodings.update(message[2])
                return
            elif message[0] == "refused":
                raise FileRefused(message[1])
            else:
                raise RuntimeError(f"the import's reading process failed: {message[1]}")
    finally:
        receive.close()
        if reader.is_alive():
            reader.kill()
        reader.join()


def can_fork() -> bool:
    """A fork is safe here: this process runs no other thread (a thread holding a lock at the fork would leave it
    locked for ever in the child)."""
    import threading

    return threading.active_count() == 1


def fork_all(processes: list) -> None:
    """Start forked helper processes with the objects of this one frozen out of the garbage collector's reach
    (``gc.freeze``): a collection in a helper would otherwise write to every inherited object's page and copy it
    (copy-on-write), each helper ending up with a private copy of this process's memory."""
    import gc

    gc.collect()
    gc.freeze()
    try:
        for process in processes:
            process.start()
    finally:
        gc.unfreeze()


def die_with_parent() -> None:
    """In a forked helper process: be killed when the process that forked it dies (Linux ``PR_SET_PDEATHSIG``), so
    that a killed worker leaves no helper writing on its own."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the helper ends when its pipe or its work does


def _reader(send, path: str, kind: str, file_format: str) -> None:
    """The forked reading process: :func:`stage` into the pipe (it touches no database connection)."""
    from app.services.imports.sources import open_source

    die_with_parent()
    try:
        source = open_source(path, kind)
        issues: list[list] = []
        batch: list[Staged] = []
        for st in stage(source, file_format, issues):
            batch.append(st)
            if len(batch) >= _CHILD_BATCH:
                send.send(("people", batch))
                batch = []
        send.send(("people", batch))
        send.send(("end", issues, source.encodings))
    except FileRefused as exc:
        send.send(("refused", exc.message))
    except BrokenPipeError:
        pass  # the checking process is gone (killed): nothing to send to
    except BaseException as exc:  # noqa: BLE001 - reported to the checking process, which fails the job
        send.send(("error", repr(exc)[:500]))
    finally:
        send.close()
