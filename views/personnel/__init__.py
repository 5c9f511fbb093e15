"""Personnel file screens (HN-6, HN-12.3, HCM-7): the list and archive, the file page and its draft, the
approval queue, and "Hồ sơ của tôi". Menus under "Hồ sơ".

Views parse, call one ``app.services.personnel`` function, flash a translated message and redirect.
"""

from flask_babel import lazy_gettext as _l

from app.security.permissions import MENU_ARCHIVE, MENU_MY_FILE, MENU_PENDING_CHANGES, MENU_PEOPLE, MENU_PERSONNEL
from views.personnel.changes import ChangeSetsView
from views.personnel.exports import MENU_SYLL_EXPORTS, MySyllView, PeopleExportView, SyllView
from views.personnel.my_file import MyFileView
from views.personnel.people import PeopleView

__all__ = ["ChangeSetsView", "MyFileView", "MySyllView", "PeopleExportView", "PeopleView", "SyllView", "register"]


def register(appbuilder) -> None:
    """Menus under "Hồ sơ": the list, the approval queue, the archive and the own file."""
    appbuilder.add_view(PeopleView, MENU_PEOPLE, label=_l("Danh sách hồ sơ"), icon="fa-address-card",
                        category=MENU_PERSONNEL, category_label=_l("Hồ sơ"), category_icon="fa-folder-open")
    appbuilder.add_view(ChangeSetsView, MENU_PENDING_CHANGES, label=_l("Đề nghị chờ duyệt"), icon="fa-check-square",
                        category=MENU_PERSONNEL)
    appbuilder.add_link(MENU_ARCHIVE, href="PeopleView.archive", label=_l("Kho lưu trữ"), icon="fa-archive",
                        category=MENU_PERSONNEL)
    appbuilder.add_view(MyFileView, MENU_MY_FILE, label=_l("Hồ sơ của tôi"), icon="fa-user",
                        category=MENU_PERSONNEL)
    appbuilder.add_view(SyllView, MENU_SYLL_EXPORTS, label=_l("Xuất sơ yếu lý lịch"), icon="fa-file-pdf-o",
                        category=MENU_PERSONNEL)
    appbuilder.add_view_no_menu(MySyllView)
    appbuilder.add_view_no_menu(PeopleExportView)  # from the list's "Xuất Excel" button (issue 17)
