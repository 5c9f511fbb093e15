"""The SYLL PDF (issue 7, part 1): the TT 06/2023 form from a file version, read back with poppler.

HN-6.1, HCM-3.1 (every item of the TT 06/2023 form, in order, with its label), HN-3.11 and HCM-9.5 (print the
SYLL), HN-4.3 and HCM-6.2 (restricted items masked below the reader's level), HCM-7.2b and HN-8.4 (room for the
person's, the TCCB officer's and the head's signatures and the seal), design.md §5 (Liberation Serif embedded,
NFC text).
"""

import io
import re
import time
from copy import deepcopy

import pytest
from PIL import Image
from sqlalchemy import select

from app.crypto import mask
from app.pdf import SIGNATURE_FIELDS, render_syll
from app.services import personnel as svc
from app.services.personnel.syll import FORM_ITEMS
from models.audit import AccessLog
from models.personnel import FileVersion
from tests.factories import DOMAIN_MD, account, flat, hoa, person_for, poppler

A4_W, A4_H = 595.28, 841.89


def domain_items() -> list[str]:
    """Item numbers of the table of domain.md §1.1 ("1" … "38", "30.1" …), as test_personnel reads them."""
    with open(DOMAIN_MD, encoding="utf-8") as fh:
        table = fh.read().split("### 1.1", 1)[1].split("### 1.2", 1)[0]
    return re.findall(r"^\| (\d+(?:\.\d)?) \|", table, flags=re.M)


def version_of(db, person) -> FileVersion:
    db.session.expire_all()
    return db.session.scalar(select(FileVersion).where(FileVersion.person_id == person.id)
                             .order_by(FileVersion.version_no.desc()).limit(1))


def test_every_item_of_the_form_with_its_label_name_fonts_pages_and_signature_room(app, demo_people):
    """HN-6.1, HCM-3.1, HCM-9.5: pdftotext finds every item 1–38 of domain.md §1.1 (number and official label,
    in form order) and "Nguyễn Thị Hoà" with its diacritics; Liberation Serif is embedded (no other font); A4,
    several pages, "Trang 1/N"; the title names the person; the four signature spaces (≥ 170×60 pt) lie on
    the last pages, inside the page and free of any text (HCM-7.2b)."""
    db = demo_people
    person = hoa(db)
    version = version_of(db, person)
    started = time.perf_counter()
    rendered = render_syll(version)
    elapsed = time.perf_counter() - started
    text = poppler("pdftotext", rendered.data, "-layout")
    body = flat(text)
    items = domain_items()
    assert len(items) >= 50
    positions = []
    for item in items:
        needle = f"{item}) {' '.join(str(FORM_ITEMS[item]).split())}"
        assert needle in body, f"item {item}: {needle!r} missing"
        positions.append(body.index(needle))
    assert positions == sorted(positions), "items out of form order"
    assert "Nguyễn Thị Hoà" in body and "NGUYỄN THỊ HOÀ" in body
    assert "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC" in body
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in body and "Tôi xin cam đoan" in body
    assert "Cơ quan quản lý CBCCVC: Sở Y tế" in body and "Khoa Nội tổng hợp" in body
    assert person.cccd in body  # a full reader sees the CCCD in clear

    fonts = poppler("pdffonts", rendered.data).splitlines()[2:]
    assert fonts and all(f.split()[-5] == "yes" and "LiberationSerif" in f for f in fonts), fonts  # embedded
    info = poppler("pdfinfo", rendered.data)
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert pages > 1 and pages == rendered.page_count
    assert re.search(r"^Title:\s+Sơ yếu lý lịch — Nguyễn Thị Hoà$", info, re.M), info
    assert "595.276 x 841.89 pts (A4)" in info
    assert f"Trang 1/{pages}" in text and f"Trang {pages}/{pages}" in text

    assert set(rendered.signature_boxes) == set(SIGNATURE_FIELDS)
    words = poppler("pdftotext", rendered.data, "-bbox")
    page_words = re.split(r"<page ", words)[1:]
    for name, (page, (x1, y1, x2, y2)) in rendered.signature_boxes.items():
        assert page in (pages - 1, pages - 2), (name, page)
        assert x2 - x1 >= 170 and y2 - y1 >= 60, name
        assert 0 <= x1 < x2 <= A4_W and 40 <= y1 < y2 <= A4_H, name
        found = list(re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<',
                                 page_words[page]))
        assert len(found) > 20, name
        for m in found:
            wx1, wy_top, wx2, wy_bottom = (float(v) for v in m.groups()[:4])
            wy1, wy2 = A4_H - wy_bottom, A4_H - wy_top
            assert wx2 <= x1 or wx1 >= x2 or wy2 <= y1 or wy1 >= y2, f"{name} overlaps {m.group(5)!r}"
    assert elapsed < 5  # the figure itself (≈ 55 ms for 5 pages on one core) is measured by make bench


def test_low_reader_level_prints_restricted_items_masked(app, demo_people):
    """HN-4.3, HCM-6.2: below a field's level the PDF shows it masked like the screens (CCCD and phone partly,
    health, ethnicity … not at all), never in clear."""
    db = demo_people
    person = hoa(db)
    version = version_of(db, person)
    sections = version.snapshot["sections"]
    body = flat(poppler("pdftotext", render_syll(version, reader_level=0).data, "-layout"))
    cccd, phone, health = (sections["documents"]["cccd"], sections["documents"]["phone"],
                           sections["health"]["health"])
    assert cccd and phone and health
    assert cccd not in body and phone not in body
    assert f"Số CCCD: {mask(cccd)} (hạn chế tiếp cận)" in body
    assert "31) Tình trạng sức khỏe; Chiều cao; Cân nặng; Nhóm máu: Tình trạng sức khỏe: (hạn chế tiếp cận)" in body
    assert "6) Dân tộc: (hạn chế tiếp cận)" in body
    assert "Nguyễn Thị Hoà" in body  # level-0 items stay in clear
    full = flat(poppler("pdftotext", render_syll(version, reader_level=3).data, "-layout"))
    assert cccd in full and "hạn chế tiếp cận" not in full


def test_empty_file_prints_every_item_with_dotted_lines_and_empty_tables(app, demo):
    """HN-6.1: a file just opened (version 1) still prints items 1–38; empty items show dotted lines, empty
    tables their header row and blank rows, and the photo frame "Ảnh màu 4×6 cm" (no image)."""
    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit, name="Đặng Văn Đức", cccd="001080012345")
    rendered = render_syll(version_of(db, person))
    body = flat(poppler("pdftotext", rendered.data, "-layout"))
    for item in domain_items():
        assert f"{item}) {' '.join(str(FORM_ITEMS[item]).split())}" in body, item
    assert "ĐẶNG VĂN ĐỨC" in body and "Đặng Văn Đức" in body
    assert "2) Các tên gọi khác: ……" in body
    assert "Chức danh, chức vụ, đơn vị, địa điểm đã làm việc" in body  # item 34.2: an empty table, header kept
    assert "Ảnh màu 4×6 cm" in body
    assert poppler("pdfimages", rendered.data, "-list").count("\n") == 2  # header lines only: no image


def test_photo_is_printed_only_when_the_version_names_it(app, demo):
    """HN-6.1: the header shows the approved photo of that version (same SHA-256), else the empty frame; a photo
    that cannot be decoded prints the empty frame instead of failing the whole SYLL."""
    db = demo
    officer = account(db, "syt.tccb")
    person = person_for(db, officer.org_unit)
    buf = io.BytesIO()
    Image.new("RGB", (120, 160), (200, 30, 30)).save(buf, "PNG")
    svc.set_photo(officer, person.id, buf.getvalue())
    svc.approve(account(db, "syt.thutruong"), svc.submit(officer, person.id).id)
    with_photo = version_of(db, person)
    assert with_photo.version_no == 2 and with_photo.snapshot["meta"]["photo_sha256"]
    listing = poppler("pdfimages", render_syll(with_photo).data, "-list")
    assert listing.count("\n") == 3 and " image " in listing, listing
    first = db.session.scalar(select(FileVersion).where(FileVersion.person_id == person.id,
                                                        FileVersion.version_no == 1))
    assert poppler("pdfimages", render_syll(first).data, "-list").count("\n") == 2
    damaged = person_for(db, officer.org_unit, name="Lê Văn Ảnh", cccd="001080054321")
    svc.set_photo(officer, damaged.id, b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    svc.approve(account(db, "syt.thutruong"), svc.submit(officer, damaged.id).id)
    rendered = render_syll(version_of(db, damaged))
    assert poppler("pdfimages", rendered.data, "-list").count("\n") == 2
    assert "Ảnh màu 4×6 cm" in flat(poppler("pdftotext", rendered.data, "-layout"))


def test_long_table_repeats_its_header_row_on_every_page(app, demo):
    """A table longer than a page (120 work periods) repeats its header row on each page it spans."""
    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit)
    stored = version_of(db, person)
    snap = deepcopy(stored.snapshot)
    snap["sections"]["work"] = [
        {"id": i, "start": "%04d-01" % (1900 + i), "end": "%04d-12" % (1900 + i),
         "unit_name": "Đơn vị thử số %03d" % i, "title": "Chuyên viên"} for i in range(120)]
    version = FileVersion(person_id=person.id, version_no=stored.version_no, snapshot=snap, sha256=stored.sha256)
    rendered = render_syll(version)
    pages = poppler("pdftotext", rendered.data, "-layout").split("\f")
    with_rows = [p for p in pages if "Đơn vị thử số" in p]
    assert len(with_rows) >= 3
    for page in with_rows:
        assert "Chức danh/chức vụ" in page, page[:300]
    assert "Đơn vị thử số 000" in with_rows[0] and "Đơn vị thử số 119" in with_rows[-1]


def test_export_syll_cli_writes_the_pdf_and_logs_it(app, demo, tmp_path):
    """HN-3.11: `flask export-syll PERSON_ID --out FILE` writes the latest version's PDF and logs the export;
    an unknown person or version is a clear message and exit status 1, and writes nothing."""
    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit, name="Nguyễn Thị Hoà", gender="nu",
                        cccd="001190012345", born="05/03/1990")
    out = tmp_path / "hoà.pdf"
    runner = app.test_cli_runner()
    result = runner.invoke(args=["export-syll", str(person.id), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "phiên bản 1" in result.output
    assert "Nguyễn Thị Hoà" in flat(poppler("pdftotext", out.read_bytes(), "-layout"))
    db.session.expire_all()
    log = db.session.scalar(select(AccessLog).where(AccessLog.event == "export_syll"))
    assert log.object_id == str(person.id) and log.detail["version_no"] == 1
    missing = tmp_path / "none.pdf"
    bad = runner.invoke(args=["export-syll", str(person.id), "--out", str(missing), "--version", "7"])
    assert bad.exit_code == 1 and "không có phiên bản đã duyệt 7" in bad.output and not missing.exists()
    bad = runner.invoke(args=["export-syll", "999999", "--out", str(missing)])
    assert bad.exit_code == 1 and "Không tìm thấy hồ sơ số 999999" in bad.output


@pytest.fixture(autouse=True)
def _code_lists(codes):
    """The national code lists (the session's loaded copy)."""
