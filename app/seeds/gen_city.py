"""A synthetic city at scale (``flask gen-city``, issue 6): ~10,000 units in 4 levels and N full files.

PostgreSQL only. Everything is drawn from ``random.Random`` streams derived from one seed, so the same
``--people/--units/--seed`` give the same city (names, units, files) on any day and with any number of
worker processes: the tree and the placement plan come from ``Random(seed)``, and the people of chunk *k*
(``CHUNK`` people in plan order) from ``Random(f"{seed}:{k}")``.

Each file is a full Sơ yếu lý lịch made by the demo generator (``app/seeds/demo_people/``: names with
their real frequencies, careers, ngạch/bậc with the exact coefficient, training, family …; about 30
section rows per person). Rows are serialised in worker processes (2 by default) and bulk-loaded with
``COPY … FROM STDIN`` in one transaction; ids of units, people and accounts are assigned here and the
sequences moved past them at the end. The person trigram index is dropped during the load and rebuilt
exactly as the migration defines it, then ``VACUUM (ANALYZE)`` runs.

Not written, on purpose: ``file_version`` rows (a snapshot per person would be gigabytes at 250,000
people) and ``change_log`` entries. Files are stored as approved version 1 (``version_no = 1``).
"""

from __future__ import annotations

import io
import multiprocessing
import random
import re
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from app.crypto import KeyRing, blind_index, encrypt
from app.seeds import demo_people as dp
from app.seeds.demo_city import CITY_SUFFIX, DEMO_PASSWORD
from app.services.personnel.checks import cccd_birth_digits
from app.text import name_search_key, search_key, sort_key

__all__ = ["BIG_UNIT_NAME", "CHUNK", "GenCityError", "build_tree", "gen_city", "plan_people"]

#: People per generation chunk (the unit of determinism and of work handed to a worker).
CHUNK = 5_000
#: The first level-2 unit, sized for the bench's ``list_unit_first`` (≈ 3.2 % of the people).
BIG_UNIT_NAME = "Sở Giáo dục và Đào tạo"
BIG_SHARE = 0.032
CITY_NAME = "UBND Thành phố Hà Nội"
VALID_FROM = date(2025, 7, 1)
BENCH_USERS = (
    # username, role, first name, last name, scope ("big" or "root"), include descendants
    ("bench.tccb", "Cán bộ TCCB", "Hạnh", "Nguyễn Thị", "big", True),
    ("bench.snv", "Chuyên viên Sở Nội vụ", "Tuấn", "Lê Minh", "root", True),
    # Sở Nội vụ's administrator: the competent authority of a move between agencies (the bench's transfer_complete).
    ("bench.admin", "Quản trị Sở Nội vụ", "Quân", "Phạm Văn", "root", True),
)

#: Tables the generator writes (and ``--force`` clears), children first.
PERSON_TABLES = ("file_version", "attachment", "change_item", "change_set", "person_photo", "training_record",
                 "work_record", "history_record", "evaluation_record", "discipline_record", "relative",
                 "salary_record", "allowance_record", "person")
SECTION_TABLES = ("training_record", "work_record", "history_record", "evaluation_record", "discipline_record",
                  "relative", "salary_record", "allowance_record")
_LOADED = ("ab_user", "person", *SECTION_TABLES, "ab_user_role", "role_assignment")
_TRGM_INDEX = "ix_person_search_key_trgm"
_TRGM_DDL = f"CREATE INDEX {_TRGM_INDEX} ON person USING gin (search_key gin_trgm_ops)"


class GenCityError(RuntimeError):
    """A refusal the operator can act on (wrong database, data already present, roles missing)."""


# --------------------------------------------------------------------------- names of units

_SO = (  # (name, short name, phòng), after the 2025 restructuring
    ("Sở Nội vụ", "SNV", ("Phòng Công chức, viên chức", "Phòng Tổ chức, biên chế", "Phòng Cải cách hành chính",
                          "Phòng Chính quyền địa phương", "Phòng Lao động - Việc làm")),
    ("Sở Tài chính", "STC", ("Phòng Quản lý ngân sách", "Phòng Tài chính doanh nghiệp", "Phòng Quản lý giá",
                             "Phòng Đầu tư", "Phòng Quản lý công sản")),
    ("Sở Tư pháp", "STP", ("Phòng Hành chính tư pháp", "Phòng Bổ trợ tư pháp", "Phòng Xây dựng và kiểm tra văn bản",
                           "Phòng Phổ biến, giáo dục pháp luật")),
    ("Sở Xây dựng", "SXD", ("Phòng Quản lý xây dựng", "Phòng Hạ tầng kỹ thuật", "Phòng Quản lý nhà",
                            "Phòng Quản lý giao thông", "Phòng Vật liệu xây dựng")),
    ("Sở Nông nghiệp và Môi trường", "SNNMT", ("Phòng Trồng trọt", "Phòng Quản lý đất đai", "Phòng Môi trường",
                                               "Phòng Thủy lợi", "Phòng Chăn nuôi")),
    ("Sở Công Thương", "SCT", ("Phòng Quản lý thương mại", "Phòng Quản lý công nghiệp", "Phòng Quản lý năng lượng",
                               "Phòng Xuất nhập khẩu")),
    ("Sở Khoa học và Công nghệ", "SKHCN", ("Phòng Quản lý khoa học", "Phòng Chuyển đổi số",
                                           "Phòng Sở hữu trí tuệ", "Phòng Bưu chính, viễn thông")),
    ("Sở Văn hóa và Thể thao", "SVHTT", ("Phòng Quản lý văn hóa", "Phòng Quản lý thể dục thể thao",
                                         "Phòng Gia đình", "Phòng Quản lý di sản")),
    ("Sở Du lịch", "SDL", ("Phòng Quản lý lữ hành", "Phòng Xúc tiến du lịch", "Phòng Quản lý cơ sở lưu trú")),
    ("Sở Dân tộc và Tôn giáo", "SDTTG", ("Phòng Công tác dân tộc", "Phòng Công tác tôn giáo")),
    ("Sở Quy hoạch - Kiến trúc", "SQHKT", ("Phòng Quy hoạch tổng thể", "Phòng Kiến trúc",
                                           "Phòng Quản lý quy hoạch")),
    ("Thanh tra Thành phố", "TTTP", ("Phòng Nghiệp vụ 1", "Phòng Nghiệp vụ 2", "Phòng Tiếp công dân",
                                     "Phòng Phòng, chống tham nhũng")),
    ("Văn phòng UBND Thành phố", "VP UBND", ("Phòng Tổng hợp", "Phòng Kinh tế", "Phòng Đô thị",
                                             "Phòng Khoa giáo - Văn xã", "Phòng Hành chính - Tổ chức")),
    ("Sở Ngoại vụ", "SNgV", ("Phòng Lãnh sự", "Phòng Hợp tác quốc tế")),
    ("Ban Quản lý các khu công nghiệp và chế xuất", "BQLKCN", ("Phòng Quản lý doanh nghiệp",
                                                               "Phòng Quy hoạch - Xây dựng")),
    ("Ban Dân tộc", "BDT", ("Phòng Chính sách",)),
)
_SO_COMMON = ("Văn phòng", "Phòng Tổ chức cán bộ", "Phòng Kế hoạch - Tài chính", "Phòng Pháp chế")
_CHI_CUC = ("Chi cục", "Trung tâm")
_CHI_CUC_PHONG = ("Phòng Hành chính - Tổng hợp", "Phòng Nghiệp vụ", "Phòng Kiểm tra", "Phòng Kế toán")

_GD_PHONG = ("Văn phòng Sở Giáo dục và Đào tạo", "Phòng Tổ chức cán bộ", "Phòng Giáo dục Trung học",
             "Phòng Giáo dục Mầm non và Tiểu học", "Phòng Giáo dục thường xuyên", "Phòng Kế hoạch - Tài chính",
             "Phòng Khảo thí và Kiểm định chất lượng")
_THPT = ("Chu Văn An", "Kim Liên", "Việt Đức", "Yên Hòa", "Phan Đình Phùng", "Trần Phú - Hoàn Kiếm",
         "Nguyễn Trãi - Ba Đình", "Thăng Long", "Cầu Giấy", "Nhân Chính", "Lê Quý Đôn - Hà Đông",
         "Quang Trung - Đống Đa", "Đống Đa", "Tây Hồ", "Sóc Sơn", "Đông Anh", "Cổ Loa", "Liên Hà", "Vân Nội",
         "Mê Linh", "Gia Lâm", "Nguyễn Gia Thiều", "Cao Bá Quát - Gia Lâm", "Ngọc Hồi", "Thường Tín",
         "Phú Xuyên A", "Ứng Hòa A", "Mỹ Đức A", "Chương Mỹ A", "Quốc Oai", "Thạch Thất", "Ba Vì", "Sơn Tây",
         "Tùng Thiện", "Phúc Thọ", "Đan Phượng", "Hoài Đức A", "Thanh Oai A", "Xuân Đỉnh", "Đại Mỗ",
         "Trung Văn", "Hoàng Văn Thụ", "Việt Nam - Ba Lan", "Trương Định", "Ngô Thì Nhậm", "Ngọc Tảo",
         "Bất Bạt", "Minh Quang", "Tân Lập", "Xuân Giang", "Kim Anh", "Đa Phúc", "Trung Giã", "Bắc Thăng Long",
         "Tiến Thịnh", "Quang Minh", "Tự Lập", "Yên Lãng", "Lý Thường Kiệt", "Thạch Bàn", "Phúc Lợi",
         "Nguyễn Văn Cừ", "Dương Xá", "Yên Viên", "Lưu Hoàng", "Hợp Thanh", "Đại Cường", "Trần Đăng Ninh",
         "Mỹ Đức B", "Hợp Thanh", "Xuân Mai", "Chúc Động", "Phùng Khắc Khoan", "Hai Bà Trưng - Thạch Thất",
         "Bắc Lương Sơn", "Minh Khai", "Cao Bá Quát - Quốc Oai", "Ngọc Hồi", "Nguyễn Du - Thanh Oai",
         "Vạn Xuân - Hoài Đức", "Hoài Đức B", "Tân Dân", "Đồng Quan", "Phú Xuyên B", "Lý Tử Tấn", "Tô Hiệu",
         "Nguyễn Quốc Trinh", "Vân Tảo", "Ứng Hòa B", "Đại Mỗ", "Mỹ Đình", "Xuân Phương", "Thượng Cát",
         "Nguyễn Thị Minh Khai", "Trần Hưng Đạo - Hà Đông", "Quang Trung - Hà Đông", "Lê Lợi - Hà Đông",
         "Hoàng Cầu", "Khương Đình", "Khương Hạ", "Lê Lợi - Sơn Tây", "Ba Vì", "Quảng Oai", "Bất Bạt",
         "Vân Cốc", "Ngọc Hồi", "Đông Mỹ", "Nguyễn Trãi - Thường Tín", "Vân Tảo")
_THPT_TO = ("Tổ Toán - Tin", "Tổ Ngữ văn", "Tổ Khoa học tự nhiên", "Tổ Ngoại ngữ", "Tổ Khoa học xã hội",
            "Tổ Thể dục - Giáo dục quốc phòng")

_HOSPITALS = ("Bệnh viện Đa khoa Xanh Pôn", "Bệnh viện Thanh Nhàn", "Bệnh viện Đa khoa Đức Giang",
              "Bệnh viện Đa khoa Hà Đông", "Bệnh viện Đa khoa Sơn Tây", "Bệnh viện Đa khoa Đống Đa",
              "Bệnh viện Tim Hà Nội", "Bệnh viện Phụ sản Hà Nội", "Bệnh viện Nhi Hà Nội", "Bệnh viện Thận Hà Nội",
              "Bệnh viện Ung bướu Hà Nội", "Bệnh viện Mắt Hà Nội", "Bệnh viện Da liễu Hà Nội",
              "Bệnh viện Phổi Hà Nội", "Bệnh viện Tâm thần Hà Nội", "Bệnh viện Y học cổ truyền Hà Nội",
              "Bệnh viện Bắc Thăng Long", "Bệnh viện Đa khoa Hòe Nhai", "Bệnh viện Đa khoa Mê Linh",
              "Bệnh viện Đa khoa Sóc Sơn", "Bệnh viện Đa khoa Đông Anh", "Bệnh viện Đa khoa Gia Lâm",
              "Bệnh viện Đa khoa Thanh Trì", "Bệnh viện Đa khoa Thường Tín", "Bệnh viện Đa khoa Phú Xuyên",
              "Bệnh viện Đa khoa Ứng Hòa", "Bệnh viện Đa khoa Mỹ Đức", "Bệnh viện Đa khoa Chương Mỹ",
              "Bệnh viện Đa khoa Thanh Oai", "Bệnh viện Đa khoa Quốc Oai", "Bệnh viện Đa khoa Thạch Thất",
              "Bệnh viện Đa khoa Ba Vì", "Bệnh viện Đa khoa Phúc Thọ", "Bệnh viện Đa khoa Đan Phượng",
              "Bệnh viện Đa khoa Hoài Đức", "Bệnh viện Đa khoa Vân Đình", "Bệnh viện Đa khoa Hà Nội",
              "Bệnh viện Đa khoa Long Biên", "Bệnh viện Đa khoa Nam Từ Liêm", "Bệnh viện Đa khoa Bắc Từ Liêm",
              "Bệnh viện Đa khoa Hoàng Mai", "Bệnh viện Đa khoa Thanh Xuân", "Bệnh viện Đa khoa Cầu Giấy")
_KHOA = ("Khoa Khám bệnh", "Khoa Cấp cứu", "Khoa Hồi sức tích cực", "Khoa Nội tổng hợp", "Khoa Nội tim mạch",
         "Khoa Nội tiêu hóa", "Khoa Ngoại tổng hợp", "Khoa Ngoại chấn thương", "Khoa Sản", "Khoa Nhi",
         "Khoa Gây mê hồi sức", "Khoa Chẩn đoán hình ảnh", "Khoa Xét nghiệm", "Khoa Dược", "Khoa Truyền nhiễm",
         "Khoa Mắt", "Khoa Tai Mũi Họng", "Khoa Răng Hàm Mặt", "Khoa Y học cổ truyền", "Khoa Phục hồi chức năng")
_HOSP_PHONG = ("Phòng Tổ chức cán bộ", "Phòng Kế hoạch tổng hợp", "Phòng Điều dưỡng", "Phòng Tài chính kế toán")
_YT_PHONG = ("Văn phòng Sở Y tế", "Phòng Tổ chức cán bộ", "Phòng Nghiệp vụ Y", "Phòng Nghiệp vụ Dược",
             "Phòng Kế hoạch - Tài chính")

_COLLEGES = (("Trường Cao đẳng Y tế Hà Nội", "CĐYT HN"), ("Trường Cao đẳng Y tế Hà Đông", "CĐYT HĐ"),
             ("Trường Cao đẳng Sư phạm Hà Tây", "CĐSP HT"), ("Trường Cao đẳng Nghệ thuật Hà Nội", "CĐNT HN"))
_COLLEGE_PHONG = ("Phòng Đào tạo", "Phòng Tổ chức - Hành chính", "Phòng Tài chính - Kế toán",
                  "Phòng Khảo thí và Đảm bảo chất lượng")
_COLLEGE_KHOA = (("Khoa Điều dưỡng", ("Bộ môn Điều dưỡng cơ bản", "Bộ môn Điều dưỡng nội", "Bộ môn Điều dưỡng ngoại",
                                      "Bộ môn Điều dưỡng nhi")),
                 ("Khoa Dược", ("Bộ môn Dược lý", "Bộ môn Hóa dược", "Bộ môn Bào chế", "Bộ môn Dược liệu")),
                 ("Khoa Y học cơ sở", ("Bộ môn Giải phẫu", "Bộ môn Sinh lý", "Bộ môn Vi sinh", "Bộ môn Hóa sinh")),
                 ("Khoa Khoa học cơ bản", ("Bộ môn Ngoại ngữ", "Bộ môn Tin học", "Bộ môn Lý luận chính trị",
                                           "Bộ môn Giáo dục thể chất")),
                 ("Khoa Xét nghiệm", ("Bộ môn Huyết học", "Bộ môn Ký sinh trùng", "Bộ môn Hóa sinh lâm sàng",
                                      "Bộ môn Vi sinh lâm sàng")))
_HOI = (("Hội Chữ thập đỏ Thành phố", "Hội CTĐ"), ("Hội Người mù Thành phố", "Hội NM"),
        ("Hội Văn học nghệ thuật Thành phố", "Hội VHNT"), ("Hội Luật gia Thành phố", "Hội LG"))
_HOI_BAN = ("Văn phòng Hội", "Ban Tổ chức - Kiểm tra", "Ban Công tác xã hội", "Ban Tuyên truyền")

_PHUONG = ("Hoàn Kiếm", "Cửa Nam", "Ba Đình", "Ngọc Hà", "Giảng Võ", "Hai Bà Trưng", "Vĩnh Tuy", "Bạch Mai",
           "Đống Đa", "Kim Liên", "Văn Miếu - Quốc Tử Giám", "Láng", "Ô Chợ Dừa", "Hồng Hà", "Lĩnh Nam",
           "Hoàng Mai", "Vĩnh Hưng", "Tương Mai", "Định Công", "Hoàng Liệt", "Yên Sở", "Thanh Xuân",
           "Khương Đình", "Phương Liệt", "Cầu Giấy", "Nghĩa Đô", "Yên Hòa", "Tây Hồ", "Phú Thượng", "Tây Tựu",
           "Phú Diễn", "Xuân Đỉnh", "Đông Ngạc", "Thượng Cát", "Từ Liêm", "Xuân Phương", "Tây Mỗ", "Đại Mỗ",
           "Long Biên", "Bồ Đề", "Việt Hưng", "Phúc Lợi", "Hà Đông", "Dương Nội", "Yên Nghĩa", "Phú Lương",
           "Kiến Hưng", "Thanh Liệt", "Chương Mỹ", "Sơn Tây", "Tùng Thiện")
_XA = ("Thanh Trì", "Đại Thanh", "Nam Phù", "Ngọc Hồi", "Thượng Phúc", "Thường Tín", "Chương Dương", "Hồng Vân",
       "Phú Xuyên", "Phượng Dực", "Chuyên Mỹ", "Đại Xuyên", "Thanh Oai", "Bình Minh", "Tam Hưng", "Dân Hòa",
       "Vân Đình", "Ứng Thiên", "Hòa Xá", "Ứng Hòa", "Mỹ Đức", "Hồng Sơn", "Phúc Sơn", "Hương Sơn", "Phú Nghĩa",
       "Xuân Mai", "Trần Phú", "Hòa Phú", "Quảng Bị", "Minh Châu", "Quảng Oai", "Vật Lại", "Cổ Đô", "Bất Bạt",
       "Suối Hai", "Ba Vì", "Yên Bài", "Đoài Phương", "Phúc Thọ", "Phúc Lộc", "Hát Môn", "Thạch Thất",
       "Hạ Bằng", "Tây Phương", "Hòa Lạc", "Yên Xuân", "Quốc Oai", "Hưng Đạo", "Kiều Phú", "Phú Cát",
       "Hoài Đức", "Dương Hòa", "Sơn Đồng", "An Khánh", "Đan Phượng", "Ô Diên", "Liên Minh", "Gia Lâm",
       "Thuận An", "Bát Tràng", "Phù Đổng", "Thư Lâm", "Đông Anh", "Phúc Thịnh", "Thiên Lộc", "Vĩnh Thanh",
       "Mê Linh", "Yên Lãng", "Tiến Thắng", "Quang Minh", "Sóc Sơn", "Đa Phúc", "Nội Bài", "Trung Giã",
       "Kim Anh")
_XA_PHONG = ("Văn phòng HĐND và UBND", "Phòng Kinh tế", "Phòng Văn hóa - Xã hội",
             "Trung tâm Phục vụ hành chính công")
_PHUONG_PHONG = ("Văn phòng HĐND và UBND", "Phòng Kinh tế, Hạ tầng và Đô thị", "Phòng Văn hóa - Xã hội",
                 "Trung tâm Phục vụ hành chính công")
_TH_TO = ("Tổ khối 1", "Tổ khối 2", "Tổ khối 3", "Tổ khối 4", "Tổ khối 5")
_THCS_TO = ("Tổ Toán - Tin", "Tổ Ngữ văn", "Tổ Khoa học tự nhiên", "Tổ Ngoại ngữ", "Tổ Khoa học xã hội")
_SCHOOL_SUFFIX = ("", " A", " B", " C", " D", " E", " F", " G")

# --------------------------------------------------------------------------- the tree


@dataclass
class UnitRow:
    """One generated org unit; ``weight`` > 0 makes it a place where people work."""

    id: int
    parent: UnitRow | None
    level: int
    unit_type: str
    name: str
    short_name: str | None
    code: str
    l2: int  # ordinal of its level-2 unit (0 for the root)
    weight: float = 0.0
    #: The unit the person generator sees (a tổ of a primary school is generated as the school's staff).
    gen_as: UnitRow | None = None
    big: bool = False

    @property
    def path(self) -> str:
        """Materialised path ``/1/17/230/`` (the model's convention)."""
        return (self.parent.path if self.parent else "/") + f"{self.id}/"


class _TreeBuilder:
    def __init__(self, first_id: int):
        self.units: list[UnitRow] = []
        self.next_id = first_id
        self.child_no: dict[int, int] = {}

    def add(self, parent: UnitRow | None, unit_type: str, name: str, short: str | None = None,
            weight: float = 0.0, gen_as: UnitRow | None = None) -> UnitRow:
        if parent is None:
            code, level, l2 = f"{CITY_SUFFIX}.000", 1, 0
        else:
            n = self.child_no.get(parent.id, 0) + 1
            self.child_no[parent.id] = n
            code = f"{parent.code}.{n:03d}" if parent.level > 1 else f"{CITY_SUFFIX}.{n:03d}"
            level = parent.level + 1
            l2 = n if level == 2 else parent.l2
        unit = UnitRow(self.next_id, parent, level, unit_type, name, short, code, l2, weight, gen_as,
                       big=bool(parent and (parent.big or (level == 2 and name == BIG_UNIT_NAME))))
        self.next_id += 1
        self.units.append(unit)
        return unit


def _pool_name(pool, i: int) -> str:
    base = pool[i % len(pool)]
    return base if i < len(pool) else f"{base} {i // len(pool) + 1}"


def build_tree(rng: random.Random, n_units: int, first_id: int = 1) -> list[UnitRow]:
    """About ``n_units`` units in 4 levels, parents before children; the first level-2 unit is the big Sở GDĐT.

    Level 2: Sở GDĐT, Sở Y tế, other sở/ban/ngành, colleges, hội and the UBND xã/phường (no district level
    after 01/07/2025); level 3: phòng, schools, hospitals, chi cục; level 4: tổ, khoa, bộ môn, phòng.
    """
    f = n_units / 10_000
    b = _TreeBuilder(first_id)
    root = b.add(None, "ubnd_tp", CITY_NAME, "UBND TP")
    # Sở Giáo dục và Đào tạo: phòng and THPT schools with their tổ chuyên môn.
    gd = b.add(root, "so_nganh", BIG_UNIT_NAME, "SGDĐT")
    for name in _GD_PHONG:
        b.add(gd, "phong_ban", name, weight=2)
    for i in range(max(2, round(110 * f))):
        school = b.add(gd, "dvsn", "Trường THPT " + _pool_name(_THPT, i))
        for to in _THPT_TO:
            b.add(school, "phong_ban", to, weight=3)
    # Sở Y tế: phòng and hospitals with their khoa and phòng.
    yt = b.add(root, "so_nganh", "Sở Y tế", "SYT")
    for name in _YT_PHONG:
        b.add(yt, "phong_ban", name, weight=2)
    for i in range(max(1, round(40 * f))):
        hospital = b.add(yt, "dvsn", _pool_name(_HOSPITALS, i))
        for name in rng.sample(_KHOA, rng.randint(12, 16)):
            b.add(hospital, "phong_ban", name, weight=3)
        for name in _HOSP_PHONG:
            b.add(hospital, "phong_ban", name, weight=1.5)
    # Other sở, ban, ngành: common phòng, their own phòng, one or two chi cục / trung tâm with phòng.
    for name, short, own in _SO[: max(1, min(len(_SO), round(n_units / 600)))]:
        so = b.add(root, "so_nganh", name, short)
        for p in _SO_COMMON[:1]:
            b.add(so, "phong_ban", f"{p} {name}" if not name.startswith("Văn phòng") else "Phòng Hành chính",
                  weight=2)
        for p in (*_SO_COMMON[1:], *own):
            b.add(so, "phong_ban", p, weight=2)
        for k in range(rng.randint(1, 2)):
            core = re.sub(r"^(Sở|Ban|Thanh tra|Văn phòng) ", "", name)
            cc = b.add(so, "phong_ban", f"{_CHI_CUC[k]} {('Quản lý ' if k == 0 else 'Dịch vụ ')}{core[:1].lower()}"
                                        f"{core[1:]}")
            for p in _CHI_CUC_PHONG:
                b.add(cc, "phong_ban", p, weight=1.5)
    # Colleges (đơn vị sự nghiệp trực thuộc UBND TP): phòng, khoa and bộ môn.
    for name, short in _COLLEGES[: max(1, min(len(_COLLEGES), round(n_units / 2500)))]:
        col = b.add(root, "dvsn", name, short)
        for p in _COLLEGE_PHONG:
            b.add(col, "phong_ban", p, weight=1.5)
        for khoa, bo_mon in _COLLEGE_KHOA:
            k = b.add(col, "phong_ban", khoa)
            for bm in bo_mon:
                b.add(k, "phong_ban", bm, weight=1.5)
    for name, short in _HOI[: max(1, min(len(_HOI), round(n_units / 3000)))]:
        hoi = b.add(root, "hoi", name, short)
        for p in _HOI_BAN:
            b.add(hoi, "phong_ban", p, weight=0.8)
    # UBND xã, phường: phòng, primary and lower-secondary schools (their tổ at level 4).
    n_xa = max(2, min(len(_PHUONG) + len(_XA), round(126 * f)))
    communes = [("phường", n) for n in _PHUONG] + [("xã", n) for n in _XA]
    communes = sorted(rng.sample(communes, n_xa), key=lambda c: (c[0] != "phường", communes.index(c)))
    per_xa = max(6, (n_units - len(b.units)) / n_xa)
    schools = max(1, round((per_xa - 5) / 6))
    for kind, place in communes:
        xa = b.add(root, "ubnd_xa", f"UBND {kind} {place}", weight=1.5)
        for p in (_PHUONG_PHONG if kind == "phường" else _XA_PHONG):
            b.add(xa, "phong_ban", p, weight=2)
        n_schools = max(1, schools + rng.randint(-1, 1))
        n_thcs = max(1, round(n_schools * 0.4))
        for i in range(n_schools):
            thcs = i >= n_schools - n_thcs
            j = i - (n_schools - n_thcs) if thcs else i
            school = b.add(xa, "dvsn", f"Trường {'THCS' if thcs else 'Tiểu học'} {place}"
                                       f"{_SCHOOL_SUFFIX[j % len(_SCHOOL_SUFFIX)]}")
            for to in (_THCS_TO if thcs else _TH_TO):
                b.add(school, "phong_ban", to, weight=3.5, gen_as=school)
    return b.units


def plan_people(rng: random.Random, units: list[UnitRow], n_people: int) -> list[tuple[int, str, str | None]]:
    """(unit index, role, archive status or None) of every person, unit by unit in tree order.

    The big unit's subtree gets ``BIG_SHARE`` of the people, the rest follows the units' weights
    (jittered); about 2 % of the files are archived (retired, resigned, moved out, deceased …).
    """
    places = [i for i, u in enumerate(units) if u.weight > 0]
    big = [i for i in places if units[i].big]
    rest = [i for i in places if not units[i].big]
    counts = dict.fromkeys(places, 0)
    n_big = round(n_people * BIG_SHARE) if big and rest else 0
    for group, total in ((big, n_big), (rest, n_people - n_big)):
        if not group or total <= 0:
            continue
        weights = [units[i].weight * rng.uniform(0.6, 1.4) for i in group]
        s = sum(weights)
        raw = [total * w / s for w in weights]
        got = [int(x) for x in raw]
        order = sorted(range(len(group)), key=lambda k: raw[k] - got[k], reverse=True)
        for k in order[: total - sum(got)]:
            got[k] += 1
        for i, n in zip(group, got, strict=True):
            counts[i] = n
    plan: list[tuple[int, str, str | None]] = []
    archived = (("retired", 45), ("resigned", 20), ("transferred_out", 18), ("contract_ended", 10),
                ("deceased", 7))
    heads_done: set[int] = set()
    for i in places:
        n = counts[i]
        if not n:
            continue
        unit = units[i]
        proxy = unit.gen_as.id if unit.gen_as else None
        roles = []
        if proxy is None or proxy not in heads_done:
            roles = ["head", "deputy"] if n >= 4 else ["head"]
            if n >= 15:
                roles.append("deputy")
            if proxy is not None:
                heads_done.add(proxy)
        roles = roles[:n]
        while len(roles) < n:
            roles.append("tap_su" if rng.random() < 0.04 else "staff")
        for role in roles:
            status = dp.pick(rng, archived) if role == "staff" and rng.random() < 0.02 else None
            plan.append((i, role, status))
    return plan


# --------------------------------------------------------------------------- COPY text format

_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _cell(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESC)
    if isinstance(value, bytes):
        return "\\\\x" + value.hex()
    return str(value)  # int, Decimal, date, datetime


def _line(values) -> str:
    return "\t".join(map(_cell, values)) + "\n"


# --------------------------------------------------------------------------- worker state and one chunk


@dataclass
class _State:
    """What the workers need (inherited through fork; nothing here touches the database)."""

    seed: object
    units: list[UnitRow]
    gen_units: dict[int, dp.Unit]
    plan: list[tuple[int, str, str | None]]
    scale: object
    ring: KeyRing
    person_first: int
    user_first: int
    self_role: int
    password: str
    now: str
    n_chunks: int
    person_cols: list[str]
    encrypted: dict[str, set[str]]
    section_cols: dict[str, list[str]]
    section_defaults: dict[str, dict]
    required_scalar: list[str]
    required_tables: list[tuple[str, dict]]


_STATE: _State | None = None


class _ChunkGen(dp.Generator):
    """The demo generator, with CCCD and BHXH numbers unique across chunks (a residue class per chunk)."""

    def __init__(self, scale, seed, as_of, chunk: int, n_chunks: int):
        super().__init__(scale, seed, as_of)
        self.chunk, self.n_chunks = chunk, n_chunks

    def cccd(self, province: str, birth: date, sex: str) -> str:
        """A CCCD number agreeing with province, century, sex and year; unique city-wide."""
        digit = (birth.year // 100 - 19) * 2 + (0 if sex == "nam" else 1)
        top = 999_999 // self.n_chunks
        while True:
            serial = self.rng.randint(0, top - 1) * self.n_chunks + self.chunk
            number = "0%s%d%02d%06d" % (province, digit, birth.year % 100, serial)
            if number not in self.cccds:
                self.cccds.add(number)
                return number

    def bhxh_no(self) -> str:
        """A 10-digit social-insurance number; unique city-wide."""
        top = 99_999_999 // self.n_chunks
        while True:
            number = "01%08d" % (self.rng.randint(0, top - 1) * self.n_chunks + self.chunk)
            if number not in self.bhxh:
                self.bhxh.add(number)
                return number


def _username(family: str, middle: str, given: str, number: int) -> str:
    initials = "".join(w[0] for w in search_key(f"{family} {middle}").split() if w)
    base = re.sub(r"[^a-z0-9]", "", search_key(given)) + re.sub(r"[^a-z0-9]", "", initials)
    return f"{base or 'cb'}.{number}"


def _chunk(k: int) -> tuple[int, dict[str, str], dict[str, int], list[str]]:
    """Generate chunk ``k``: COPY text per table, row counts, full names (in order)."""
    st = _STATE
    first = k * CHUNK
    part = st.plan[first:first + CHUNK]
    gen = _ChunkGen(st.scale, f"{st.seed}:{k}", dp.AS_OF, k, st.n_chunks)
    out = {t: io.StringIO() for t in ("ab_user", "person", "ab_user_role", "role_assignment", *SECTION_TABLES)}
    counts = dict.fromkeys(out, 0)
    names: list[str] = []
    ring = st.ring
    enc_person = st.encrypted["person"]
    for offset, (ui, role, status) in enumerate(part):
        unit = st.units[ui]
        gunit = st.gen_units[(unit.gen_as or unit).id]
        archive = (status, None) if status else None
        spec = gen.person(gunit, role, archive=archive)
        p = spec.person
        pid = st.person_first + first + offset
        uid = st.user_first + first + offset
        p["file_number"] = "HN.%03d.%06d" % (unit.l2, pid)
        family, middle, given = p["family_name"], p["middle_name"], p["given_name"]
        names.append(" ".join(x for x in (family, middle, given) if x))
        filled = sum(1 for c in st.required_scalar if p.get(c) not in (None, ""))
        for table, fixed in st.required_tables:
            rows = spec.rows.get(table, ())
            filled += any(all(r.get(a) == b for a, b in fixed.items()) for r in rows)
        p["completeness"] = round(100 * filled / (len(st.required_scalar) + len(st.required_tables)))
        p["id"], p["org_unit_id"], p["account_id"], p["version_no"] = pid, unit.id, uid, 1
        p.setdefault("btv_managed", False)  # COPY sends every column: no server default applies
        p["search_key"] = name_search_key(family, middle, given, p.get("other_names") or "")
        p["sort_key"] = sort_key(given, " ".join(x for x in (family, middle) if x))
        p["cccd_index"] = blind_index(p["cccd"], ring=ring) if p.get("cccd") else None
        p["cccd_birth_digits"] = cccd_birth_digits(p.get("cccd"))
        p["created_at"] = p["updated_at"] = st.now
        for col in enc_person:
            v = p.get(col)
            if v is not None:
                p[col] = encrypt(unicodedata.normalize("NFC", v).encode("utf-8"), ring)
        out["person"].write(_line(p.get(c) for c in st.person_cols))
        username = _username(family, middle, given, pid)
        out["ab_user"].write(_line((uid, given, " ".join(x for x in (family, middle) if x)[:64], username,
                                    st.password, True, f"{username}@cbccvc.local", 0, 0, st.now, st.now,
                                    unit.id, "personal", True)))
        out["ab_user_role"].write(f"{uid}\t{st.self_role}\n")
        out["role_assignment"].write(_line((uid, st.self_role, unit.id, False, VALID_FROM, st.now)))
        counts["person"] += 1
        counts["ab_user"] += 1
        counts["ab_user_role"] += 1
        counts["role_assignment"] += 1
        for table, rows in spec.rows.items():
            cols = st.section_cols[table]
            defaults = st.section_defaults[table]
            enc = st.encrypted[table]
            buf = out[table]
            for row in rows:
                row = {**defaults, **row, "person_id": pid}
                for col in enc:
                    v = row.get(col)
                    if v is not None:
                        row[col] = encrypt(unicodedata.normalize("NFC", v).encode("utf-8"), ring)
                buf.write(_line(row.get(c) for c in cols))
            counts[table] += len(rows)
    return k, {t: b.getvalue() for t, b in out.items()}, counts, names


def _worker_init() -> None:
    """In a forked worker: forget the parent's pooled connections without closing them."""
    from app.extensions import db

    db.engine.dispose(close=False)


# --------------------------------------------------------------------------- the command's work


class _TableScale:
    """Salary table and ngạch groups from the loaded code lists, in memory (for the person generator)."""

    def __init__(self, session):
        from sqlalchemy import text

        self.ranks: dict[str, list[tuple]] = {}
        for code, extra, vf, vt in session.execute(text(
                "SELECT code, extra, valid_from, valid_to FROM code_item WHERE kind = 'rank'")):
            self.ranks.setdefault(code, []).append(((extra or {}).get("pay_group"), vf, vt))
        self.table: dict[str, list[tuple]] = {}
        for group, step, coef, interval, vf, vt in session.execute(text(
                "SELECT pay_group, step, coefficient, interval_months, valid_from, valid_to FROM salary_step "
                "ORDER BY pay_group, step")):
            self.table.setdefault(group, []).append((step, Decimal(coef), interval, vf, vt))

    @staticmethod
    def _on(vf, vt, on) -> bool:
        return (vf is None or vf <= on) and (vt is None or on <= vt)

    def group(self, rank_code: str, on: date) -> str | None:
        """Pay group of a ngạch on a day."""
        return next((g for g, vf, vt in self.ranks.get(rank_code, ()) if self._on(vf, vt, on)), None)

    def steps(self, group: str, on: date) -> tuple[int, int]:
        """(number of bậc, months between bậc) of a pay group on a day."""
        rows = [r for r in self.table.get(group, ()) if self._on(r[3], r[4], on)]
        return len(rows), rows[0][2] or 36

    def coefficient(self, group: str, step: int, on: date) -> Decimal | None:
        """Hệ số of a bậc on a day."""
        return next((r[1] for r in self.table.get(group, ()) if r[0] == step and self._on(r[3], r[4], on)), None)


def _echo(log, msg: str) -> None:
    if log:
        log(msg)


def _force_clear(cur) -> None:
    cur.execute("TRUNCATE " + ", ".join(PERSON_TABLES) + ", org_event_unit, org_event, delegation, consent_grant, "
                "password_request, role_assignment, approval_step, change_set_document, bulk_decision_item, "
                "bulk_decision, notification, export_job, transfer, data_issue, quality_report, sync_receipt, "
                "sync_difference, sync_reconciliation, sync_item, sync_batch, sync_manifest, import_row, import_job "
                "RESTART IDENTITY")
    for table, column in (("signing_credential", "account_id"), ("signing_credential", "created_by_id"),
                          ("workday_override", "created_by_id")):
        cur.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM ab_user WHERE org_unit_id IS NOT NULL)")
    cur.execute("DELETE FROM ab_user_role WHERE user_id IN (SELECT id FROM ab_user WHERE org_unit_id IS NOT NULL)")
    cur.execute("DELETE FROM ab_user_group WHERE user_id IN (SELECT id FROM ab_user WHERE org_unit_id IS NOT NULL)")
    cur.execute("DELETE FROM ab_api_key WHERE user_id IN (SELECT id FROM ab_user WHERE org_unit_id IS NOT NULL)")
    cur.execute("DELETE FROM ab_user WHERE org_unit_id IS NOT NULL")
    cur.execute("DELETE FROM org_unit")


def _copy(cur, table: str, columns: list[str], data: str, spent: dict | None = None) -> None:
    t = time.monotonic()
    if data:
        cols = ", ".join('"%s"' % c for c in columns)
        cur.copy_expert(f"COPY {table} ({cols}) FROM STDIN", io.StringIO(data))
    if spent is not None:
        spent[table] = spent.get(table, 0.0) + time.monotonic() - t


def gen_city(people: int, units: int = 10_000, seed: int = 2026, force: bool = False, workers: int = 2,
             log=print) -> dict:
    """Generate the city in the app's PostgreSQL database (app context required); returns the summary.

    Refuses (``GenCityError``) on SQLite, when people or units exist (unless ``force``: the personnel
    tables, the units and the accounts attached to a unit are cleared first), or when roles are missing.
    """
    global _STATE
    from flask import current_app
    from sqlalchemy import text
    from werkzeug.security import generate_password_hash

    from app.crypto import keyring
    from app.extensions import db
    from app.security.roles import ROLE_SELF_SERVICE
    from app.services import code_lists
    from app.services.personnel.syll import SECTIONS
    from models.personnel import SECTION_MODELS as MODELS
    from models.personnel import Person

    t0 = time.monotonic()
    timings: dict[str, float] = {}
    if db.engine.dialect.name != "postgresql":
        raise GenCityError("gen-city cần PostgreSQL (DATABASE_URL=postgresql://…); SQLite không được hỗ trợ.")
    if people < 1 or units < 20:
        raise GenCityError("--people ≥ 1 and --units ≥ 20")
    has_people = db.session.execute(text("SELECT EXISTS (SELECT 1 FROM person)")).scalar()
    has_units = db.session.execute(text("SELECT EXISTS (SELECT 1 FROM org_unit)")).scalar()
    if (has_people or has_units) and not force:
        raise GenCityError("Cơ sở dữ liệu đã có hồ sơ hoặc đơn vị; gen-city chỉ chạy trên cơ sở dữ liệu trống "
                           "(hoặc dùng --force để xóa hồ sơ, đơn vị và tài khoản gắn đơn vị trước).")
    roles = dict(db.session.execute(text("SELECT name, id FROM ab_role")).all())
    needed = [ROLE_SELF_SERVICE, *(u[1] for u in BENCH_USERS)]
    if any(r not in roles for r in needed):
        raise GenCityError("Thiếu vai trò: hãy chạy `flask sync-roles` trước.")
    db.session.commit()  # end the read transaction: the clearing and the load take stronger locks
    if has_people or has_units:
        with db.engine.begin() as conn:
            _force_clear(conn.connection.cursor())
        _echo(log, "--force: đã xóa hồ sơ, đơn vị và tài khoản gắn đơn vị.")
    code_lists.load_code_lists()
    db.session.commit()
    scale = _TableScale(db.session)
    timings["code_lists"] = time.monotonic() - t0

    # Tree and plan (one random stream, in the main process).
    rng = random.Random(seed)
    max_ids = db.session.execute(text(
        "SELECT (SELECT COALESCE(max(id), 0) FROM org_unit), (SELECT COALESCE(max(id), 0) FROM person), "
        "(SELECT COALESCE(max(id), 0) FROM ab_user)")).one()
    db.session.commit()  # release the locks of these reads before the bulk load's connection starts
    tree = build_tree(rng, units, max_ids[0] + 1)
    plan = plan_people(rng, tree, people)
    gen_units: dict[int, dp.Unit] = {}
    for u in tree:
        parent = gen_units.get(u.parent.id) if u.parent else None
        gen_units[u.id] = dp.Unit(f"{u.id}.{u.level}.{u.l2:03d}", u.name, u.unit_type, u.short_name, parent)
    big = next(u for u in tree if u.level == 2)
    n_chunks = (people + CHUNK - 1) // CHUNK
    person_first, user_first = max_ids[1] + 1, max_ids[2] + 1
    now = datetime.now(UTC).replace(microsecond=0)
    password = generate_password_hash(DEMO_PASSWORD,
                                      method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))

    person_cols = [c.name for c in Person.__table__.columns]
    encrypted = {"person": {c.name for c in Person.__table__.columns if _is_encrypted(c)}}
    section_cols, section_defaults = {}, {}
    for table in SECTION_TABLES:
        cols = [c for c in MODELS[table].__table__.columns if c.name != "id"]
        section_cols[table] = [c.name for c in cols]
        encrypted[table] = {c.name for c in cols if _is_encrypted(c)}
        section_defaults[table] = {c.name: c.default.arg for c in cols
                                   if c.default is not None and c.default.is_scalar}
    required_scalar = [f.name for s in SECTIONS if not s.repeating for f in s.fields if f.required]
    required_tables = [(s.table, dict(s.fixed)) for s in SECTIONS if s.repeating and s.required]
    _STATE = _State(seed, tree, gen_units, plan, scale, keyring(), person_first, user_first,
                    roles[ROLE_SELF_SERVICE], password, now.isoformat(), n_chunks, person_cols, encrypted,
                    section_cols, section_defaults, required_scalar, required_tables)
    timings["plan"] = time.monotonic() - t0 - timings["code_lists"]
    _echo(log, f"Cây đơn vị: {len(tree)} đơn vị; {people} người trong {n_chunks} lô; {workers} tiến trình.")

    totals: dict[str, int] = {}
    all_names: list[str] = []
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        t1 = time.monotonic()
        cur.execute(f"DROP INDEX IF EXISTS {_TRGM_INDEX}")
        # Foreign keys of the loaded tables are dropped for the load and added back (and so validated) after.
        cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)", (list(_LOADED),))
        fks = cur.fetchall()
        for table, name, _ddl in fks:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        buf = io.StringIO()
        for u in tree:
            buf.write(_line((u.id, u.name, u.short_name, u.unit_type, u.level, u.parent.id if u.parent else None,
                             u.path, search_key(" ".join(x for x in (u.name, u.short_name, u.code) if x)), u.code,
                             "active", VALID_FROM, now, now)))
        _copy(cur, "org_unit", ["id", "name", "short_name", "unit_type", "level", "parent_id", "path", "search_key",
                                "ma_dinh_danh", "status", "valid_from", "created_at", "updated_at"], buf.getvalue())
        user_cols = ["id", "first_name", "last_name", "username", "password", "active", "email", "login_count",
                     "fail_login_count", "created_on", "changed_on", "org_unit_id", "kind", "must_change_password"]
        ra_cols = ["user_id", "role_id", "org_unit_id", "include_descendants", "valid_from", "created_at"]
        gen_s = 0.0
        copy_s: dict[str, float] = {}
        if workers > 1 and n_chunks > 1:
            ctx = multiprocessing.get_context("fork")
            pool = ctx.Pool(workers, initializer=_worker_init)
            results = pool.imap(_chunk, range(n_chunks))
        else:
            pool = None
            results = map(_chunk, range(n_chunks))
        try:
            for k, data, counts, names in results:
                tc = time.monotonic()
                _copy(cur, "ab_user", user_cols, data["ab_user"], copy_s)
                _copy(cur, "person", person_cols, data["person"], copy_s)
                for table in SECTION_TABLES:
                    _copy(cur, table, section_cols[table], data[table], copy_s)
                _copy(cur, "ab_user_role", ["user_id", "role_id"], data["ab_user_role"], copy_s)
                _copy(cur, "role_assignment", ra_cols, data["role_assignment"], copy_s)
                gen_s += time.monotonic() - tc
                for t, n in counts.items():
                    totals[t] = totals.get(t, 0) + n
                all_names.extend(names)
                done = min(people, (k + 1) * CHUNK)
                _echo(log, f"  {done:>8} / {people} người  ({time.monotonic() - t0:6.1f} s)")
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        timings["people_copy"] = gen_s
        _echo(log, "COPY: " + ", ".join(f"{t} {v:.1f} s" for t, v in copy_s.items()))
        timings["people_total"] = time.monotonic() - t1
        # Officer accounts for the bench.
        uid = user_first + people
        root = tree[0]
        for username, role, first, last, where, subtree in BENCH_USERS:
            unit = big if where == "big" else root
            cur.execute("INSERT INTO ab_user (id, first_name, last_name, username, password, active, email, "
                        "login_count, fail_login_count, created_on, changed_on, org_unit_id, kind, "
                        "must_change_password) VALUES (%s, %s, %s, %s, %s, true, %s, 0, 0, %s, %s, %s, 'agency', "
                        "false)", (uid, first, last, username, password, f"{username}@cbccvc.local", now, now,
                                   unit.id))
            cur.execute("INSERT INTO ab_user_role (user_id, role_id) VALUES (%s, %s)", (uid, roles[role]))
            cur.execute("INSERT INTO role_assignment (user_id, role_id, org_unit_id, include_descendants, "
                        "valid_from, request_number, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        (uid, roles[role], unit.id, subtree, VALID_FROM, "gen-city", now))
            uid += 1
        for table in ("org_unit", "person", "ab_user"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(max(id), 1) FROM {table}))")
        t2 = time.monotonic()
        cur.execute(_TRGM_DDL)
        timings["trgm_index"] = time.monotonic() - t2
        t2 = time.monotonic()
        for table, name, ddl in fks:
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {ddl}')
        timings["foreign_keys"] = time.monotonic() - t2
        raw.commit()
        t3 = time.monotonic()
        raw.driver_connection.autocommit = True  # VACUUM cannot run in a transaction block
        cur = raw.cursor()
        cur.execute("VACUUM (ANALYZE)")  # statistics and the visibility map (index-only scans), as autovacuum would
        raw.driver_connection.autocommit = False
        timings["analyze"] = time.monotonic() - t3
    except BaseException:
        raw.rollback()
        raise
    finally:
        raw.close()
    db.session.remove()

    levels: dict[int, int] = {}
    for u in tree:
        levels[u.level] = levels.get(u.level, 0) + 1
    big_size = sum(1 for ui, _r, _s in plan if tree[ui].big)
    timings["total"] = time.monotonic() - t0
    return {
        "units": len(tree), "levels": levels, "people": people, "rows": totals,
        "section_rows": sum(totals.get(t, 0) for t in SECTION_TABLES),
        "accounts": people + len(BENCH_USERS), "big_unit": (big.id, big.name, big_size),
        "bench_users": [u[0] for u in BENCH_USERS], "timings": timings, "names": all_names,
    }


def _is_encrypted(column) -> bool:
    from app.crypto import ENCRYPTED_TYPES

    return isinstance(column.type, ENCRYPTED_TYPES)
