"""The SYLL PDF (issue 7, part 1; issue 15 item 7): the TT 06/2023 form from a file version, read back with poppler.

HN-6.1, HCM-3.1 (every item of the TT 06/2023 form, in order, with the form's own words: every printed label and
heading is compared with the official text, ``tests/fixtures/syll_form_tt06.md``), HN-3.11 and HCM-9.5 (print
the SYLL), HN-4.3 and HCM-6.2 (restricted items masked below the reader's level), HCM-7.2b and HN-8.4 (the
person's signature in "Người khai", the head's stamp and the seal in the certification block, the TCCB
officer's signature invisible), design.md §5 (Liberation Serif embedded, NFC text). Page 1 and the closing page
are rendered to ``tests/artifacts/syll_page1.png`` and ``syll_closing.png``.
"""

import io
import os
import re
import subprocess
import time
import unicodedata
from copy import deepcopy

import pytest
from PIL import Image
from sqlalchemy import select

from app.crypto import mask
from app.pdf import SIGNATURE_FIELDS, render_syll
from app.pdf.syll import FIELD_APPROVER, FIELD_PERSON, FIELD_REVIEWER, FIELD_SEAL, agencies
from app.services import personnel as svc
from app.services.personnel.syll import SECTIONS
from models.audit import AccessLog
from models.personnel import FileVersion
from tests.factories import ARTIFACTS, DOMAIN_MD, account, flat, hoa, person_for, poppler

A4_W, A4_H = 595.28, 841.89
#: The official text of the form (a copy of shared/docs/syll-form-tt06.md).
FORM_MD = os.path.join(os.path.dirname(__file__), "fixtures", "syll_form_tt06.md")
#: A dotted blank of the form: "……", "....", "…/…/……", ".../.../...".
BLANK = re.compile(r"(?:…+|\.{2,})[.…]*(?:\s*/\s*(?:…+|\.{2,})[.…]*)*")
#: What the layout prints outside the form: the page number and the footer naming the version.
FURNITURE = re.compile(r"^Trang \d+/\d+$|— phiên bản \d+ \([0-9a-f]*\)$")
#: The photo frame's caption (not printed when the photo is).
PHOTO_CAPTION = ("Ảnh màu", "(4 x 6 cm)")


def domain_items() -> list[str]:
    """Item numbers of the table of domain.md §1.1 ("1" … "38", "30.1" …), as test_personnel reads them."""
    with open(DOMAIN_MD, encoding="utf-8") as fh:
        table = fh.read().split("### 1.1", 1)[1].split("### 1.2", 1)[0]
    return re.findall(r"^\| (\d+(?:\.\d)?) \|", table, flags=re.M)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).replace("\xa0", " ").split())


def form_lines() -> list[str]:
    """The lines of the official form (the text block of the fixture), NFC, white space folded."""
    with open(FORM_MD, encoding="utf-8") as fh:
        block = fh.read().split("```text\n", 1)[1].split("```", 1)[0]
    return [_fold(line) for line in block.splitlines() if line.strip()]


def form_labels() -> list[str]:
    """Every label and heading of the form in order: each line of the form cut at its dotted blanks
    ("3) Sinh ngày: …… tháng ……năm ……" → "3) Sinh ngày:", "tháng", "năm"); table headers are lines too."""
    return [part.strip() for line in form_lines() for part in BLANK.split(line) if part.strip()]


def pdf_text(pdf: bytes) -> str:
    """The text of the PDF in drawing order (``pdftotext -raw``: table cells row by row, the closing blocks
    column by column), without the page furniture, white space folded."""
    lines = poppler("pdftotext", pdf, "-raw").splitlines()
    return _fold(" ".join(line for line in lines if not FURNITURE.search(line.strip())))


def match_form(text: str, labels: list[str]) -> list[str]:
    """Find every label of the form in ``text``, in order; returns the text between them (what was filled in
    or left dotted), one gap before each label and one after the last."""
    gaps, pos = [], 0
    for label in labels:
        at = text.find(label, pos)
        assert at >= 0, f"{label!r} missing after …{text[max(0, pos - 80):pos]!r}"
        gaps.append(text[pos:at])
        pos = at + len(label)
    gaps.append(text[pos:])
    return gaps


def filled(gap: str) -> str:
    """A gap without its dotted blanks and separators: what the file filled in."""
    return " ".join(BLANK.sub(" ", gap).split()).strip(" ,;")


def version_of(db, person) -> FileVersion:
    db.session.expire_all()
    return db.session.scalar(select(FileVersion).where(FileVersion.person_id == person.id)
                             .order_by(FileVersion.version_no.desc()).limit(1))


def test_every_item_of_the_form_with_its_label_name_fonts_pages_and_signature_room(app, demo_people):
    """HN-6.1, HCM-3.1, HCM-9.5: every item 1–38 of domain.md §1.1 is printed with its number, in form order (the
    words are the form's: see the next test); "Nguyễn Thị Hoà" with its diacritics; Liberation Serif is embedded
    (no other font); A4, several pages, "Trang 1/N"; the title names the person; the visible signature spaces
    (≥ 170×60 pt) lie on the last pages, inside the page and free of any text (HCM-7.2b); the reviewer's field
    has no box (an invisible signature)."""
    db = demo_people
    person = hoa(db)
    version = version_of(db, person)
    started = time.perf_counter()
    rendered = render_syll(version)
    elapsed = time.perf_counter() - started
    text = poppler("pdftotext", rendered.data, "-layout")
    body = pdf_text(rendered.data)
    items = domain_items()
    assert len(items) >= 50
    positions = []
    for item in items:
        found = re.search(r"(?:^| )%s(?:\)|-) ?\S" % re.escape(item), body[positions[-1] if positions else 0:])
        assert found, f"item {item} missing"
        positions.append(found.start() + (positions[-1] if positions else 0))
    assert positions == sorted(positions), "items out of form order"
    assert "Nguyễn Thị Hoà" in body and "NGUYỄN THỊ HOÀ" in body
    assert "Cơ quan quản lý cán bộ, công chức, viên chức: Sở Y tế" in body
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
    for name, (page, box) in rendered.signature_boxes.items():
        assert page in (pages - 1, pages - 2), (name, page)
        if name == FIELD_REVIEWER:
            assert box is None  # no place on the form: an invisible signature
            continue
        x1, y1, x2, y2 = box
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
    assert "31) Tình trạng sức khoẻ: (hạn chế tiếp cận)" in body
    assert "6) Dân tộc: (hạn chế tiếp cận)" in body
    assert "Nguyễn Thị Hoà" in body  # level-0 items stay in clear
    full = flat(poppler("pdftotext", render_syll(version, reader_level=3).data, "-layout"))
    assert cccd in full and "hạn chế tiếp cận" not in full


def test_empty_file_prints_every_item_with_dotted_lines_and_empty_tables(app, demo):
    """HN-6.1: a file just opened (version 1) still prints items 1–38; empty items show dotted lines, empty
    tables their header rows and blank rows, and the photo frame "Ảnh màu (4 x 6 cm)" (no image)."""
    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit, name="Đặng Văn Đức", cccd="001080012345")
    rendered = render_syll(version_of(db, person))
    body = pdf_text(rendered.data)
    match_form(body, form_labels())
    assert "ĐẶNG VĂN ĐỨC" in body and "Đặng Văn Đức" in body
    assert "2) Các tên gọi khác: ……" in body
    assert "Chức danh, chức vụ, đơn vị, địa điểm đã làm việc" in body  # item 34.2: an empty table, header kept
    assert "Ảnh màu (4 x 6 cm)" in body
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
    assert "Ảnh màu (4 x 6 cm)" in pdf_text(rendered.data)


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
    pages = [" ".join(p.split()) for p in poppler("pdftotext", rendered.data, "-raw").split("\f")]
    with_rows = [p for p in pages if "Đơn vị thử số" in p]
    assert len(with_rows) >= 3
    for page in with_rows:
        assert "Tháng/ năm Đơn vị công tác (đảng, chính quyền, đoàn thể, tổ chức xã hội) Chức danh/ chức vụ Từ Đến" \
            in page, page[:300]
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


def render_png(pdf: bytes, page: int, name: str) -> None:
    """Render one page (1-based) to ``tests/artifacts/<name>.png`` with poppler's pdftoppm."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    try:
        subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", str(page), "-l", str(page), "-singlefile", str(path),
                        str(ARTIFACTS / name)], check=True, capture_output=True, timeout=60)
    finally:
        path.unlink()
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def test_printed_labels_and_headings_are_the_forms(app, demo_people):
    """Issue 15 (7): every label and heading printed is the official form's, in its order and wording — the
    template line by line (syll_form_tt06.md: the header, "SƠ YẾU LÝ LỊCH", items 1–38 with the group headings
    of 30, 32, 34, 35, 36, 37, the tables' headers, the two closing blocks) — with nothing else: no Quốc hiệu,
    no other title or closing block, no label printed twice, no field the form has no blank for. Page 1 and the
    closing page go to tests/artifacts/ (syll_page1.png, syll_closing.png)."""
    db = demo_people
    labels = form_labels()
    assert len(labels) > 200 and labels[0] == "MẪU SƠ YẾU LÝ LỊCH" and labels[-1] == "(Ký tên, đóng dấu)"
    form_text = " ".join(form_lines())
    version = version_of(db, hoa(db))
    rendered = render_syll(version)
    body = pdf_text(rendered.data)
    gaps = match_form(body, labels)
    assert filled(gaps[0]) == "" and filled(gaps[-1]) == ""  # nothing above the form's title, nothing after it

    # Each label of a blank ("Giới tính:", "Ngày hưởng:" …) as many times as on the form: none printed twice.
    for label in {lb for lb in labels if lb.endswith(":")}:
        assert body.count(label) == form_text.count(label), label
    # No field the form has no blank for, no wording of the screens instead of the form's.
    for sec in SECTIONS:
        for f in sec.fields:
            own = " ".join(str(f.label).split())
            if own.casefold() not in form_text.casefold():
                assert own not in body, f"{sec.key}.{f.name}: {own!r} is not on the form"
    for gone in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "CÁN BỘ, CÔNG CHỨC, VIÊN CHỨC",
                 "CBCCVC", "THỦ TRƯỞNG", "CÁN BỘ TỔ CHỨC CÁN BỘ", "Dấu của cơ quan", "chịu trách nhiệm trước pháp luật",
                 "Số CMND", "nơi sinh:", "Sống ở nước ngoài"):
        assert gone not in body, gone

    # The values sit in the form's blanks.
    sections = version.snapshot["sections"]
    assert "1) Họ và tên khai sinh (viết chữ in hoa): NGUYỄN THỊ HOÀ Giới tính: Nữ 2)" in body
    born = sections["identity"]["birth_date"]  # item 3 as "ngày … tháng … năm"
    assert f"3) Sinh ngày: {born[8:10]} tháng {born[5:7]} năm {born[:4]} 4)" in body
    assert "Cơ quan, đơn vị sử dụng cán bộ, công chức, viên chức: Bệnh viện Đa khoa Xanh Pôn Số hiệu:" in body
    assert "Khoa Nội tổng hợp" not in body[:body.index("SƠ YẾU LÝ LỊCH 1)")]  # the agency, not its khoa
    salary = sections["assets"]["income_salary"]
    assert salary.startswith("Tiền lương:") and f"- Tiền lương: {salary[len('Tiền lương:'):].strip()} -" in body

    pages = rendered.page_count
    render_png(rendered.data, 1, "syll_page1")
    render_png(rendered.data, pages, "syll_closing")

    # Below the reader's level the same form, masked blanks inside it.
    masked = pdf_text(render_syll(version, reader_level=0).data)
    match_form(masked, labels)


def test_an_empty_file_prints_the_bare_form(app, demo):
    """Issue 15 (7): the SYLL of a file just opened is the bare form — between the form's own words only dotted
    blanks and the few values the file has (name, sex, birth date, CCCD, the agencies, the signer's name)."""
    db = demo
    person = person_for(db, account(db, "syt.tccb").org_unit, name="Đặng Văn Đức", cccd="001068012345",
                        born="03/1968")
    version = version_of(db, person)
    body = pdf_text(render_syll(version).data)
    values = {filled(gap) for gap in match_form(body, form_labels())} - {""}
    assert values == {"Sở Y tế", "ĐẶNG VĂN ĐỨC", "Nam", "03", "1968", "001068012345", "Đặng Văn Đức"}, values
    assert "3) Sinh ngày: …… tháng 03 năm 1968 4)" in body  # a partial birth date keeps its blanks


def test_employing_agency_is_the_agency_above_the_persons_unit(app, demo, unit_by_name):
    """Issue 15 (7): "Cơ quan, đơn vị sử dụng" is the agency that employs the person — the unit itself, or the
    first unit above it that is not a phòng/khoa/tổ — and "Cơ quan quản lý" the sở or district above it."""
    cases = {
        ("Khoa Nội tổng hợp", None): ("Sở Y tế", "Bệnh viện Đa khoa Xanh Pôn"),
        ("Tổ Toán - Tin", None): ("Sở Giáo dục và Đào tạo", "Trường THPT Chu Văn An"),
        ("Phòng Tổ chức cán bộ", "Sở Y tế"): ("Sở Y tế", "Sở Y tế"),
        ("Bệnh viện Thanh Nhàn", None): ("Sở Y tế", "Bệnh viện Thanh Nhàn"),
        ("Trường Tiểu học Đặng Xá", None): ("UBND huyện Gia Lâm", "Trường Tiểu học Đặng Xá"),
        ("Phòng Nghiệp vụ Thi đua", None): ("Sở Nội vụ", "Sở Nội vụ"),
        ("UBND phường Ngọc Hà", None): ("UBND quận Ba Đình", "UBND phường Ngọc Hà"),
        ("Sở Tư pháp", None): ("Sở Tư pháp", "Sở Tư pháp"),
    }
    for (name, parent), expected in cases.items():
        assert agencies(unit_by_name(name, parent).id) == expected, name
    assert agencies(None, "Đơn vị đã giải thể") == ("", "Đơn vị đã giải thể")


def test_family_and_assets_print_in_the_forms_structure(app, demo_people):
    """Issue 15 (7): 36.1/36.2 in the form's four columns (everything about a relative, their record included,
    in the one last column), kinship named as the form does (Cha vợ, Mẹ chồng, Em vợ … not "Cha vợ (chồng)");
    37.3 in its parts: the kind of house, its area in m², its certificate; the plots' area and certificate."""
    db = demo_people
    stored = version_of(db, hoa(db))
    snap = deepcopy(stored.snapshot)
    sections = snap["sections"]
    sections["identity"]["gender"] = "nam"
    sections["relatives_own"] = [
        {"id": 1, "relation": "VO", "full_name": "Trần Thị Mai", "birth_year": 1990, "details": "Giáo viên",
         "criminal_record": None, "lives_abroad": False},
        {"id": 2, "relation": "ANH", "full_name": "Nguyễn Văn Bảo", "birth_year": 1985, "details": "Kỹ sư",
         "criminal_record": "Tiền án năm 2005 (đã xoá án tích)", "lives_abroad": True}]
    sections["relatives_spouse"] = [
        {"id": 3, "relation": "CHA_VO_CHONG", "full_name": "Trần Văn Hải", "birth_year": 1960, "details": None},
        {"id": 4, "relation": "ME_VO_CHONG", "full_name": "Lê Thị Hồng", "birth_year": 1962, "details": None},
        {"id": 5, "relation": "ANH_CHI_EM_VO_CHONG", "full_name": "Trần Văn Hùng", "birth_year": 1993,
         "details": None},
        {"id": 6, "relation": "ANH_CHI_EM_VO_CHONG", "full_name": "Trần Thị Lan", "birth_year": 1987,
         "details": None}]
    sections["assets"].update({
        "housing_granted": "Không",
        "housing_owned": "Căn hộ chung cư 75 m², đã có Giấy chứng nhận quyền sở hữu",
        "land_granted": "Không",
        "land_owned": "120,5 m², đã có Giấy chứng nhận quyền sử dụng đất",
        "land_business": "Không"})
    version = FileVersion(person_id=stored.person_id, version_no=stored.version_no, snapshot=snap,
                          sha256=stored.sha256)
    body = pdf_text(render_syll(version).data)
    match_form(body, form_labels())
    assert "Vợ Trần Thị Mai 1990 Giáo viên Anh ruột Nguyễn Văn Bảo 1985 Kỹ sư; Tiền án năm 2005 (đã xoá án tích)" \
        in body
    assert "Cha vợ Trần Văn Hải 1960 Mẹ vợ Lê Thị Hồng 1962 Em vợ Trần Văn Hùng 1993 Anh/chị vợ Trần Thị Lan 1987" \
        in body
    assert "(chồng)" not in body and "Anh, chị, em ruột" not in body
    assert ("+ Được cấp, được thuê (loại nhà): Không, tổng diện tích sử dụng: ………… m2. "
            "Giấy chứng nhận quyền sở hữu: ……") in body
    assert ("+ Nhà tự mua, tự xây (loại nhà): Căn hộ chung cư, tổng diện tích sử dụng: 75 m2. "
            "Giấy chứng nhận quyền sở hữu: Đã có - Đất ở:") in body
    assert "+ Đất tự mua: 120,5 m2. Giấy chứng nhận quyền sử dụng: Đã có - Đất sản xuất kinh doanh: Không 38)" in body
    below = pdf_text(render_syll(version, reader_level=2).data)  # the record and the assets are level 3
    assert "Kỹ sư; (hạn chế tiếp cận)" in below and "Tiền án" not in below
    assert "+ Nhà tự mua, tự xây (loại nhà): (hạn chế tiếp cận), tổng diện tích sử dụng: ………… m2." in below


def test_signatures_of_the_chain_sit_in_the_forms_closing_blocks(app, demo_people, dev_pki):
    """Issue 15 (7), HCM-7.2b: on the rendered SYLL the person signs in "Người khai" (certification), the TCCB
    officer without a visible block (listed among the signatures only), the head in the certification block;
    all three validate in pyHanko and poppler, and only two stamps are drawn."""
    from app.signing import add_signature_fields, forget_signers, load_signer, sign_pdf, store_pkcs12, verify_pdf
    from tests.fixtures.signing import PASSPHRASE, pdfsig

    db = demo_people
    users = {"person": "annv.syt", "reviewer": "syt.tccb", "approver": "syt.thutruong"}
    signers = {role: account(db, username) for role, username in users.items()}
    for role, acc in signers.items():
        store_pkcs12(acc, dev_pki[role].p12, PASSPHRASE)
    db.session.commit()
    forget_signers()
    rendered = render_syll(version_of(db, hoa(db)))
    pdf = add_signature_fields(rendered.data, rendered.signature_boxes)
    for role, name, certify in (("person", FIELD_PERSON, True), ("reviewer", FIELD_REVIEWER, False),
                                ("approver", FIELD_APPROVER, False)):
        with load_signer(signers[role], PASSPHRASE) as signer:
            pdf = sign_pdf(pdf, field=name, signer=signer, reason="Ký thử", certify=certify)
    reports = verify_pdf(pdf)
    assert [r.field for r in reports] == [FIELD_PERSON, FIELD_REVIEWER, FIELD_APPROVER]
    assert all(r.bottom_line for r in reports), [r.summary for r in reports]
    path = ARTIFACTS / "syll_signed.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    try:
        assert [s["field"] for s in pdfsig(path)] == [FIELD_PERSON, FIELD_REVIEWER, FIELD_APPROVER]
        assert all(s["validation"] == "Signature is Valid." for s in pdfsig(path))
    finally:
        path.unlink()
    text = poppler("pdftotext", pdf, "-raw")
    assert "Ký bởi: Nguyễn Văn An" in text and "Ký bởi: Vũ Đức Thắng" in text
    assert "Lê Anh Dũng" not in text and text.count("Ký bởi:") == 2  # the reviewer: no stamp on the page
    # The person's stamp under "Người khai" (left half), the head's under the certification (right half), the
    # seal's empty field beside it.
    page, (x1, _y1, x2, _y2) = rendered.signature_boxes[FIELD_PERSON]
    assert page == rendered.page_count - 1 and x2 <= A4_W / 2
    for name in (FIELD_APPROVER, FIELD_SEAL):
        page, (x1, _y1, x2, _y2) = rendered.signature_boxes[name]
        assert page == rendered.page_count - 1 and x1 >= A4_W / 2 - 10
    render_png(pdf, rendered.page_count, "syll_closing_signed")


@pytest.fixture(autouse=True)
def _code_lists(codes):
    """The national code lists (the session's loaded copy)."""
