"""Browser tests of the org tree, in real headless Chromium (pytest-playwright, sync API).

They drive the live server the way a user would: the Vietnamese login page, the lazy tree, the
diacritic-free search, and a merge decision through the form with its preview step.
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests.factories import PASSWORD, shot

pytestmark = pytest.mark.usefixtures("demo")


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Vietnamese user's browser: vi-VN, Hà Nội time, a desktop screen."""
    return {
        **browser_context_args,
        "locale": "vi-VN",
        "timezone_id": "Asia/Ho_Chi_Minh",
        "viewport": {"width": 1280, "height": 800},
    }


def sign_in(page: Page, live_server: str, username: str) -> None:
    """Open the site anonymously, land on the Vietnamese login page and sign in."""
    page.goto(live_server + "/")
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("body")).to_contain_text("Đăng nhập")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    if username == "sonoivu.admin":
        shot(page, "login.png")
    page.locator("#username").press("Enter")
    # The home page sends each role to its work (tests/test_landing.py): Sở Nội vụ to the tree, a report viewer
    # to the dashboard (issue 15 item 5, issue 17 item 5).
    expect(page).to_have_url(re.compile(r"/org/tree$" if username.startswith("sonoivu.") else r"/dashboard/$"))


def tree_node(page: Page, name: str, parent=None):
    """The ``li.unit-node`` whose own line links to ``name`` (under ``parent`` when given)."""
    scope = parent if parent is not None else page.locator("#org-tree")
    own_link = page.locator(":scope > .unit-line > a.unit-name", has_text=re.compile(rf"^{re.escape(name)}$"))
    return scope.locator("li.unit-node").filter(has=own_link)


def node_link(node):
    """The name link on a node's own line (not its children's)."""
    return node.locator(":scope > .unit-line > a.unit-name")


def expand(node) -> None:
    """Open a tree node by its toggle button and wait until its children are loaded."""
    toggle = node.locator(":scope > .unit-line > .tree-toggle")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(node.locator(":scope > ul > li.unit-node").first).to_be_visible()


def open_tree(page: Page, live_server: str, root_name: str = "UBND Thành phố Hà Nội"):
    """Open the tree page and return the root node of the user's scope once it is rendered."""
    page.goto(live_server + "/org/tree")
    root = tree_node(page, root_name)
    expect(node_link(root)).to_be_visible()
    return root


def test_tree_search_and_merge(page: Page, live_server, db, unit_by_name, js_errors):
    """HN-3.9 (the org tree: lazy-loaded, searchable without diacritics) and HN-21.2 (restructuring by
    decision — sáp nhập — with a preview before anything is written, history kept, source closed)."""
    from models.org_units import OrgUnit

    source_id = unit_by_name("Phòng Cải cách hành chính", "Sở Nội vụ").id
    target_id = unit_by_name("Phòng Công chức, viên chức", "Sở Nội vụ").id

    # 1. Anonymous visit -> Vietnamese login page -> sign in.
    sign_in(page, live_server, "sonoivu.admin")

    # 2. The tree: root, lazy children, search without diacritics.
    root = open_tree(page, live_server)
    expect(page.locator("h2")).to_contain_text("Cây cơ cấu tổ chức")
    shot(page, "tree.png")

    expand(root)
    snv = tree_node(page, "Sở Nội vụ", root)
    expect(node_link(snv)).to_be_visible()
    expand(snv)
    expect(node_link(tree_node(page, "Phòng Công chức, viên chức", snv))).to_be_visible()
    expect(node_link(tree_node(page, "Phòng Cải cách hành chính", snv))).to_be_visible()

    page.fill("#tree-search", "phong cai cach")
    hit = page.locator("#tree-search-results .search-hit", has_text="Phòng Cải cách hành chính")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("Sở Nội vụ")
    shot(page, "tree_expanded.png")
    hit.click()
    expect(page.locator("#org-tree li.focus > .unit-line a.unit-name")).to_have_text("Phòng Cải cách hành chính")

    # 3. Merge Phòng Cải cách hành chính into Phòng Công chức, viên chức through the form.
    page.goto(f"{live_server}/org-units/show/{source_id}")
    expect(page.locator(".breadcrumb .active")).to_have_text("Phòng Cải cách hành chính")
    page.click("#btn-merge")
    expect(page).to_have_url(re.compile(rf"/org/units/{source_id}/merge$"))

    picker = page.locator("#target_id + .select2-container")
    expect(picker).to_be_visible()  # select2 has replaced the plain <select>
    picker.locator(".select2-selection").click()
    # select2's own messages are replaced by ours (it ships English only).
    expect(page.locator(".select2-results__message")).to_have_text("Gõ tên hoặc mã định danh để tìm đơn vị")
    page.locator(".select2-container--open .select2-search__field").fill("cong chuc")
    option = page.locator(".select2-results__option", has_text="Phòng Công chức, viên chức")
    expect(option).to_have_count(1)
    option.click()
    expect(page.locator("#target_id")).to_have_value(str(target_id))
    expect(picker.locator(".select2-selection__rendered")).to_contain_text("Phòng Công chức, viên chức")

    page.fill("#decision_number", "15/QĐ-UBND")
    page.fill("#decision_date", "2026-03-02")
    page.click("#btn-preview")

    preview = page.locator("#plan-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("Chấm dứt hoạt động của Phòng Cải cách hành chính")
    expect(preview).to_contain_text("Phòng Công chức, viên chức")
    expect(preview).to_contain_text("15/QĐ-UBND")
    # The preview keeps what was entered, so confirming applies the same decision.
    expect(page.locator("#target_id")).to_have_value(str(target_id))
    expect(page.locator("#decision_number")).to_have_value("15/QĐ-UBND")
    shot(page, "merge_preview.png")

    page.click("#btn-confirm")
    expect(page).to_have_url(re.compile(rf"/org-units/show/{source_id}$"))
    expect(page.locator(".alert-success")).to_contain_text("Đã sáp nhập Phòng Cải cách hành chính")
    expect(page.locator("#closed-notice")).to_be_visible()
    expect(page.locator("#closed-notice")).to_contain_text("Phòng Công chức, viên chức")
    merge_row = page.locator("#unit-history tbody tr", has_text="Sáp nhập")
    expect(merge_row).to_have_count(1)
    expect(merge_row).to_contain_text("15/QĐ-UBND")
    expect(merge_row).to_contain_text("02/03/2026")
    expect(merge_row).to_contain_text("Đơn vị chấm dứt hoạt động")
    expect(page.locator("#btn-merge")).to_have_count(0)
    shot(page, "merged_unit.png")

    # The tree no longer lists the merged unit under Sở Nội vụ.
    root = open_tree(page, live_server)
    expand(root)
    snv = tree_node(page, "Sở Nội vụ", root)
    expand(snv)
    expect(node_link(tree_node(page, "Phòng Công chức, viên chức", snv))).to_be_visible()
    expect(snv.locator("a.unit-name", has_text="Phòng Cải cách hành chính")).to_have_count(0)

    # 4. The database agrees.
    db.session.expire_all()
    source = db.session.get(OrgUnit, source_id)
    assert source.status == "closed"
    assert source.successor_id == target_id
    assert db.session.scalar(select(OrgUnit.status).where(OrgUnit.id == target_id)) == "active"


def test_read_only_user_sees_tree_without_write_actions(page: Page, live_server, unit_by_name, js_errors):
    """HN-3.9: a report viewer of Sở Y tế browses its own subtree only; restructuring (HN-21.2) is closed."""
    unit_id = unit_by_name("Khoa Cấp cứu").id
    outside_id = unit_by_name("Phòng Cải cách hành chính", "Sở Nội vụ").id
    sign_in(page, live_server, "xem.baocao")

    root = open_tree(page, live_server, "Sở Y tế")
    expect(page.locator("#org-tree")).not_to_contain_text("UBND Thành phố Hà Nội")
    expand(root)
    expect(node_link(tree_node(page, "Bệnh viện Thanh Nhàn", root))).to_be_visible()
    expect(page.get_by_text("Thành lập đơn vị")).to_have_count(0)
    expect(page.get_by_text("Hợp nhất đơn vị")).to_have_count(0)

    page.goto(f"{live_server}/org-units/show/{unit_id}")
    expect(page.locator(".breadcrumb .active")).to_have_text("Khoa Cấp cứu")
    expect(page.locator(".breadcrumb")).not_to_contain_text("UBND Thành phố Hà Nội")
    expect(page.locator("#unit-history")).to_contain_text("Thành lập")
    expect(page.locator("#btn-merge")).to_have_count(0)

    outside_url = f"{live_server}/org-units/show/{outside_id}"
    js_errors.expect_failed_load(outside_url)
    assert page.goto(outside_url).status == 404

    merge_url = f"{live_server}/org/units/{unit_id}/merge"
    js_errors.expect_failed_load(merge_url)
    response = page.goto(merge_url)
    assert response is not None
    assert response.status == 403 or "/login/" in response.url, (response.status, response.url)
