"""Career profiles by kind of unit: ranks, titles, degrees, earlier jobs, subjects, duties (data for :mod:`.career`)."""

from __future__ import annotations

from dataclasses import dataclass

from app.seeds.demo_people.places import Unit


@dataclass(frozen=True)
class Profile:
    """What a kind of unit decides about its people: category, ranks, titles, degrees, earlier jobs."""
    key: str
    category: str
    #: Ngạch / chức danh nghề nghiệp: entry rank first, then the promotions.
    ladder: tuple[str, ...]
    head: tuple[str, str]  # position title, phụ cấp chức vụ coefficient
    deputy: tuple[str, str]
    #: (institution, major) of the first degree, its length in years, (institution, major) of masters.
    degrees: tuple[tuple[str, str], ...]
    degree_years: int
    masters: tuple[tuple[str, str], ...]
    #: (unit as written in the work history, recruiting agency) of earlier jobs.
    earlier: tuple[tuple[str, str], ...]
    female: float
    #: ưu đãi nghề (%) for teachers and health staff.
    incentive: int | None = None
    staff_titles: tuple[str, ...] = ()


LAW = (("Trường Đại học Luật Hà Nội", "Luật"), ("Học viện Hành chính Quốc gia", "Quản lý nhà nước"),
        ("Trường Đại học Nội vụ Hà Nội", "Quản trị nhân lực"), ("Trường Đại học Kinh tế Quốc dân", "Kinh tế"),
        ("Học viện Tài chính", "Tài chính - Ngân hàng"), ("Học viện Tài chính", "Kế toán"),
        ("Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Hà Nội", "Xã hội học"),
        ("Trường Đại học Thương mại", "Quản trị kinh doanh"),
        ("Trường Đại học Bách khoa Hà Nội", "Công nghệ thông tin"),
        ("Trường Đại học Tài nguyên và Môi trường Hà Nội", "Quản lý đất đai"),
        ("Trường Đại học Xây dựng", "Xây dựng dân dụng và công nghiệp"),
        ("Học viện Báo chí và Tuyên truyền", "Chính trị học"))


LAW_MASTERS = (("Học viện Hành chính Quốc gia", "Quản lý công"), ("Trường Đại học Luật Hà Nội", "Luật kinh tế"),
                ("Trường Đại học Kinh tế Quốc dân", "Quản lý kinh tế"),
                ("Học viện Tài chính", "Tài chính - Ngân hàng"))


CITY_EARLIER = (
    ("Phòng Nội vụ huyện Sóc Sơn", "UBND huyện Sóc Sơn"),
    ("UBND xã Phù Đổng, huyện Gia Lâm", "UBND huyện Gia Lâm"),
    ("Phòng Tài chính - Kế hoạch huyện Đông Anh", "UBND huyện Đông Anh"),
    ("Văn phòng HĐND và UBND quận Cầu Giấy", "UBND quận Cầu Giấy"),
    ("Sở Kế hoạch và Đầu tư", "Sở Kế hoạch và Đầu tư Hà Nội"),
    ("Sở Lao động - Thương binh và Xã hội", "Sở Lao động - Thương binh và Xã hội Hà Nội"),
    ("Thanh tra thành phố Hà Nội", "Thanh tra thành phố Hà Nội"),
    ("UBND phường Kim Liên, quận Đống Đa", "UBND quận Đống Đa"),
)


MED = (("Trường Đại học Y Hà Nội", "Bác sĩ đa khoa"), ("Học viện Quân y", "Bác sĩ đa khoa"),
        ("Trường Đại học Y Dược Thái Bình", "Bác sĩ đa khoa"),
        ("Trường Đại học Y Dược - ĐHQG Hà Nội", "Bác sĩ đa khoa"),
        ("Trường Đại học Y Dược Hải Phòng", "Bác sĩ đa khoa"))


MED_MASTERS = (("Trường Đại học Y Hà Nội", "Nội khoa"), ("Trường Đại học Y Hà Nội", "Ngoại khoa"),
                ("Trường Đại học Y Hà Nội", "Hồi sức cấp cứu"), ("Học viện Quân y", "Ngoại khoa"))


MED_EARLIER = (("Bệnh viện Đa khoa huyện Sóc Sơn", "Sở Y tế Hà Nội"),
                ("Trung tâm Y tế huyện Đông Anh", "Sở Y tế Hà Nội"),
                ("Bệnh viện Đa khoa Đức Giang", "Sở Y tế Hà Nội"),
                ("Bệnh viện Đa khoa Hà Đông", "Sở Y tế Hà Nội"))


EDU_MASTERS = (("Trường Đại học Sư phạm Hà Nội", "Lý luận và phương pháp dạy học bộ môn"),
                ("Trường Đại học Giáo dục - ĐHQG Hà Nội", "Quản lý giáo dục"))


PROFILES = {
    "city": Profile("city", "cong_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.60"),
                     ("Phó Trưởng phòng", "0.40"), LAW, 4, LAW_MASTERS, CITY_EARLIER, 0.55),
    "city_sub": Profile("city_sub", "cong_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.30"),
                         ("Phó Trưởng phòng", "0.20"), LAW, 4, LAW_MASTERS, CITY_EARLIER, 0.55),
    "agency_leader": Profile("agency_leader", "cong_chuc", ("V.08.01.03", "V.08.01.02", "01.002", "01.001"),
                              ("Giám đốc Sở", "1.00"), ("Phó Giám đốc Sở", "0.80"), MED, 6, MED_MASTERS,
                             MED_EARLIER, 0.3),
    "district": Profile("district", "cong_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.40"),
                         ("Phó Trưởng phòng", "0.25"), LAW, 4, LAW_MASTERS, CITY_EARLIER, 0.55),
    "commune": Profile("commune", "cong_chuc", ("01.003",), ("Chủ tịch UBND", "0.25"),
                        ("Phó Chủ tịch UBND", "0.20"), LAW, 4, LAW_MASTERS[:1], CITY_EARLIER[:3], 0.5,
                       staff_titles=("Công chức Văn phòng - Thống kê", "Công chức Tư pháp - Hộ tịch",
                                     "Công chức Tài chính - Kế toán", "Công chức Văn hóa - Xã hội",
                                     "Công chức Địa chính - Xây dựng - Đô thị và Môi trường")),
    "hospital": Profile("hospital", "vien_chuc", ("V.08.01.03", "V.08.01.02", "V.08.01.01"),
                         ("Trưởng khoa", "0.70"), ("Phó Trưởng khoa", "0.50"), MED, 6, MED_MASTERS,
                        MED_EARLIER, 0.5, incentive=40),
    "hospital_admin": Profile("hospital_admin", "vien_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.60"),
                               ("Phó Trưởng phòng", "0.40"), LAW[:3], 4, LAW_MASTERS[:1], MED_EARLIER, 0.6),
    "thpt": Profile("thpt", "vien_chuc", ("V.07.05.15", "V.07.05.14", "V.07.05.13"),
                     ("Tổ trưởng chuyên môn", "0.20"), ("Tổ phó chuyên môn", "0.15"), (), 4, EDU_MASTERS,
                     (("Trường THPT Sóc Sơn", "Sở Giáo dục và Đào tạo Hà Nội"),
                      ("Trường THPT Yên Hòa", "Sở Giáo dục và Đào tạo Hà Nội"),
                      ("Trường THPT Việt Đức", "Sở Giáo dục và Đào tạo Hà Nội")), 0.7, incentive=30),
    "primary": Profile("primary", "vien_chuc", ("V.07.03.29", "V.07.03.28"), ("Hiệu trưởng", "0.50"),
                        ("Phó Hiệu trưởng", "0.35"),
                        (("Trường Đại học Sư phạm Hà Nội", "Giáo dục Tiểu học"),
                         ("Trường Đại học Thủ đô Hà Nội", "Giáo dục Tiểu học"),
                         ("Trường Đại học Sư phạm Hà Nội 2", "Giáo dục Tiểu học")), 4, EDU_MASTERS[1:],
                        (("Trường Tiểu học Phù Đổng", "UBND huyện Gia Lâm"),
                         ("Trường Tiểu học Kiêu Kỵ", "UBND huyện Gia Lâm")), 0.85, incentive=35),
    "thcs": Profile("thcs", "vien_chuc", ("V.07.04.32", "V.07.04.31"), ("Hiệu trưởng", "0.55"),
                     ("Phó Hiệu trưởng", "0.45"),
                     (("Trường Đại học Sư phạm Hà Nội", "Sư phạm Toán học"),
                      ("Trường Đại học Sư phạm Hà Nội", "Sư phạm Ngữ văn"),
                      ("Trường Đại học Sư phạm Hà Nội 2", "Sư phạm Vật lý"),
                      ("Trường Đại học Ngoại ngữ - ĐHQG Hà Nội", "Sư phạm Tiếng Anh")), 4, EDU_MASTERS,
                     (("Trường THCS Dương Xá", "UBND huyện Gia Lâm"),
                      ("Trường THCS Cổ Bi", "UBND huyện Gia Lâm")), 0.7, incentive=30),
    "lecturer": Profile("lecturer", "vien_chuc", ("V.07.01.03", "V.07.01.02"), ("Trưởng bộ môn", "0.25"),
                         ("Phó Trưởng bộ môn", "0.15"),
                         (("Trường Đại học Y Hà Nội", "Điều dưỡng"), ("Trường Đại học Điều dưỡng Nam Định",
                                                                       "Điều dưỡng")), 4,
                         (("Trường Đại học Y Hà Nội", "Điều dưỡng"), ("Trường Đại học Thăng Long", "Điều dưỡng")),
                        MED_EARLIER[2:], 0.75, incentive=40),
    "college_admin": Profile("college_admin", "vien_chuc", ("01.003", "01.002"), ("Trưởng phòng", "0.45"),
                              ("Phó Trưởng phòng", "0.35"), LAW[:4], 4, EDU_MASTERS[1:], CITY_EARLIER[4:6],
                             0.6),
    "archive": Profile("archive", "vien_chuc", ("01.003", "01.002"), ("Giám đốc Trung tâm", "0.40"),
                        ("Phó Giám đốc Trung tâm", "0.30"),
                        (("Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Hà Nội",
                          "Lưu trữ học và Quản trị văn phòng"), ("Trường Đại học Nội vụ Hà Nội", "Lưu trữ học")),
                       4, LAW_MASTERS[:1], CITY_EARLIER[4:], 0.65),
    "association": Profile("association", "vien_chuc", ("01.003", "01.002"), ("Phó Chủ tịch Thường trực Hội",
                                                                                 "0.70"),
                            ("Phó Chủ tịch Hội", "0.50"),
                            (("Trường Đại học Lao động - Xã hội", "Công tác xã hội"),
                             ("Trường Đại học Khoa học Xã hội và Nhân văn - ĐHQG Hà Nội", "Xã hội học")),
                           4, LAW_MASTERS[:1], CITY_EARLIER[5:7], 0.6),
}


SUBJECTS = {  # tổ chuyên môn -> (subject, degree major)
    "Tổ Toán - Tin": (("Toán học", "Sư phạm Toán học"), ("Tin học", "Sư phạm Tin học")),
    "Tổ Ngữ văn": (("Ngữ văn", "Sư phạm Ngữ văn"),),
    "Tổ Khoa học tự nhiên": (("Vật lý", "Sư phạm Vật lý"), ("Hóa học", "Sư phạm Hóa học"),
                             ("Sinh học", "Sư phạm Sinh học")),
}


EDU_SCHOOLS = ("Trường Đại học Sư phạm Hà Nội", "Trường Đại học Sư phạm Hà Nội 2",
               "Trường Đại học Giáo dục - ĐHQG Hà Nội", "Trường Đại học Sư phạm - Đại học Thái Nguyên")


RANK_TITLES = {
    "01.001": "Chuyên viên cao cấp", "01.002": "Chuyên viên chính", "01.003": "Chuyên viên", "01.004": "Cán sự",
    "01.005": "Nhân viên", "06.030": "Kế toán viên chính", "06.031": "Kế toán viên",
    "V.08.01.01": "Bác sĩ cao cấp", "V.08.01.02": "Bác sĩ chính", "V.08.01.03": "Bác sĩ",
    "V.07.05.13": "Giáo viên", "V.07.05.14": "Giáo viên", "V.07.05.15": "Giáo viên",
    "V.07.04.30": "Giáo viên", "V.07.04.31": "Giáo viên", "V.07.04.32": "Giáo viên",
    "V.07.03.27": "Giáo viên", "V.07.03.28": "Giáo viên", "V.07.03.29": "Giáo viên",
    "V.07.01.02": "Giảng viên chính", "V.07.01.03": "Giảng viên",
}


#: Keyword of a unit's name -> (job position domain, main duties).
DUTIES = (
    ("Tổ chức cán bộ", "tổ chức cán bộ",
     "Tham mưu công tác tổ chức bộ máy, quản lý hồ sơ cán bộ, công chức, viên chức; theo dõi nâng bậc lương, "
     "thực hiện chế độ, chính sách và cập nhật cơ sở dữ liệu cán bộ, công chức, viên chức."),
    ("Tổ chức, biên chế", "tổ chức bộ máy, biên chế",
     "Thẩm định đề án vị trí việc làm, biên chế; tổ chức bộ máy các cơ quan, đơn vị; quản lý hội, "
     "tổ chức phi chính phủ."),
    ("Công chức, viên chức", "quản lý công chức, viên chức",
     "Thẩm định hồ sơ tuyển dụng, nâng ngạch, thăng hạng; quản lý cơ sở dữ liệu cán bộ, công chức, viên chức "
     "của Thành phố."),
    ("Cải cách hành chính", "cải cách hành chính",
     "Theo dõi, đánh giá chỉ số cải cách hành chính; kiểm tra công vụ; kiểm soát thủ tục hành chính."),
    ("Thi đua", "thi đua, khen thưởng", "Hướng dẫn, theo dõi phong trào thi đua; tổng hợp kết quả thi đua."),
    ("Khen thưởng", "thi đua, khen thưởng",
     "Thẩm định hồ sơ đề nghị khen thưởng; quản lý hồ sơ khen thưởng; theo dõi hiện vật khen thưởng."),
    ("Quản lý ngân sách", "quản lý ngân sách",
     "Lập, phân bổ và theo dõi dự toán ngân sách Thành phố; thẩm tra quyết toán ngân sách."),
    ("Tài chính doanh nghiệp", "tài chính doanh nghiệp",
     "Quản lý tài chính doanh nghiệp nhà nước; thẩm định phương án sắp xếp, cổ phần hóa doanh nghiệp."),
    ("Hành chính tư pháp", "hành chính tư pháp",
     "Quản lý hộ tịch, quốc tịch, chứng thực, lý lịch tư pháp; hướng dẫn nghiệp vụ cho cấp xã."),
    ("Hành chính - Tổ chức", "hành chính, tổ chức",
     "Công tác hành chính, văn thư, tổ chức cán bộ của Văn phòng; quản lý tài sản, trang thiết bị."),
    ("Tổng hợp", "tổng hợp",
     "Tổng hợp, báo cáo tình hình kinh tế - xã hội; theo dõi việc thực hiện chỉ đạo của UBND Thành phố."),
    ("Tài chính - Kế hoạch", "tài chính, kế hoạch",
     "Quản lý ngân sách, kế hoạch đầu tư công của quận; thẩm định dự toán các đơn vị."),
    ("Nội vụ", "nội vụ",
     "Tổ chức bộ máy, công chức cấp huyện và cấp xã; thi đua, khen thưởng; văn thư, lưu trữ; tôn giáo."),
    ("Văn phòng", "văn phòng",
     "Tổng hợp, văn thư, lưu trữ; quản lý tài chính, tài sản; công tác hành chính, quản trị của cơ quan."),
    ("Khoa Nội", "bác sĩ nội khoa",
     "Khám, chẩn đoán và điều trị người bệnh nội khoa; trực chuyên môn theo lịch; hướng dẫn thực hành lâm "
     "sàng cho học viên."),
    ("Khoa Ngoại", "bác sĩ ngoại khoa",
     "Khám, chẩn đoán, phẫu thuật và điều trị người bệnh ngoại khoa; trực phẫu thuật theo lịch."),
    ("Khoa Cấp cứu", "bác sĩ cấp cứu",
     "Tiếp nhận, cấp cứu và điều trị ban đầu người bệnh; điều phối chuyển khoa; trực cấp cứu 24/24 giờ."),
    ("Phòng Đào tạo", "quản lý đào tạo",
     "Xây dựng kế hoạch đào tạo, quản lý chương trình và tiến độ đào tạo; tổ chức thi, cấp văn bằng, "
     "chứng chỉ."),
    ("Bộ môn", "giảng viên điều dưỡng",
     "Giảng dạy học phần Điều dưỡng cơ bản; hướng dẫn thực hành lâm sàng; nghiên cứu khoa học."),
    ("Lưu trữ", "lưu trữ",
     "Thu thập, chỉnh lý, bảo quản tài liệu lưu trữ lịch sử; số hóa tài liệu; phục vụ khai thác tài liệu."),
    ("Chữ thập đỏ", "công tác xã hội, nhân đạo",
     "Vận động nguồn lực nhân đạo; tổ chức hiến máu tình nguyện, trợ giúp nhân đạo và sơ cấp cứu cộng đồng."),
    ("Trường Tiểu học", "giáo viên tiểu học",
     "Giảng dạy các môn học lớp {grade}, chủ nhiệm lớp {grade}A{cls}; bồi dưỡng học sinh, phối hợp với cha mẹ "
     "học sinh."),
    ("Trường THCS", "giáo viên trung học cơ sở",
     "Giảng dạy môn {subject} khối {grade}; chủ nhiệm lớp {grade}A{cls}; bồi dưỡng học sinh giỏi."),
    ("Tổ ", "giáo viên trung học phổ thông",
     "Giảng dạy môn {subject} lớp {grade}; chủ nhiệm lớp {grade}A{cls}; bồi dưỡng học sinh giỏi cấp Thành phố."),
)


COMMUNE_DEGREES = {
    "Công chức Văn phòng - Thống kê": ("Trường Đại học Nội vụ Hà Nội", "Quản trị văn phòng"),
    "Công chức Tư pháp - Hộ tịch": ("Trường Đại học Luật Hà Nội", "Luật"),
    "Công chức Tài chính - Kế toán": ("Học viện Tài chính", "Kế toán"),
    "Công chức Văn hóa - Xã hội": ("Trường Đại học Văn hóa Hà Nội", "Quản lý văn hóa"),
    "Công chức Địa chính - Xây dựng - Đô thị và Môi trường": ("Trường Đại học Tài nguyên và Môi trường Hà Nội",
                                                              "Quản lý đất đai"),
}


COMMUNE_DUTIES = {
    "Công chức Văn phòng - Thống kê": "Văn phòng, thống kê, tổng hợp; tiếp nhận và trả kết quả thủ tục hành chính.",
    "Công chức Tư pháp - Hộ tịch": "Đăng ký hộ tịch, chứng thực; phổ biến, giáo dục pháp luật; hòa giải ở cơ sở.",
    "Công chức Tài chính - Kế toán": "Lập dự toán, quyết toán ngân sách phường; kế toán, quản lý tài sản công.",
    "Công chức Văn hóa - Xã hội": "Văn hóa, thông tin, thể thao; lao động, thương binh và xã hội; giảm nghèo.",
    "Công chức Địa chính - Xây dựng - Đô thị và Môi trường":
        "Quản lý đất đai, trật tự xây dựng, đô thị và môi trường trên địa bàn.",
}


def profile_key(unit: Unit) -> str:
    """The key of :data:`PROFILES` for the people of ``unit`` (by its type and its ancestors' names)."""
    names = [u.name for u in (unit, *unit.ancestors())]
    if unit.unit_type == "hoi":
        return "association"
    if unit.unit_type == "ubnd_xa":
        return "commune"
    if unit.unit_type == "so_nganh":
        return "agency_leader"
    if any(n.startswith("Bệnh viện") for n in names):
        return "hospital" if unit.name.startswith("Khoa") else "hospital_admin"
    if any(n.startswith("Trường THPT") for n in names):
        return "thpt"
    if unit.name.startswith("Trường Tiểu học"):
        return "primary"
    if unit.name.startswith("Trường THCS"):
        return "thcs"
    if any(n.startswith("Trường Cao đẳng") for n in names):
        return "lecturer" if unit.name.startswith(("Bộ môn", "Khoa")) else "college_admin"
    if "Lưu trữ" in unit.name and unit.unit_type == "dvsn":
        return "archive"
    if unit.level2.unit_type == "ubnd_huyen":
        return "district"
    return "city_sub" if unit.parent and unit.parent.unit_type == "phong_ban" else "city"
