"""Personnel aggregate: the Sơ yếu lý lịch (``syll``), people, change sets, versions, attachments, queries.

Every public function that writes is one use case = one transaction (``app.services.errors.use_case``).
"""

from app.services.personnel.attachments import (  # noqa: F401
    add_attachment,
    attachment_store,
    list_attachments,
    open_attachment,
    remove_attachment,
)
from app.services.personnel.change_sets import (  # noqa: F401
    STATUS_LABELS,
    approve,
    cancel_draft,
    delete_row,
    draft_fingerprint,
    draft_view,
    get_change_set,
    open_change_set,
    parse_round,
    return_change_set,
    save_section,
    set_photo,
    submit,
    undo_item,
)
from app.services.personnel.people import (  # noqa: F401
    ARCHIVE_STATUSES,
    CATEGORIES,
    STATUSES,
    covered_categories,
    create_person,
    get_person,
    in_transit,
    is_archived,
    link_account,
)
from app.services.personnel.queries import (  # noqa: F401
    InboxFilter,
    PersonFilter,
    file_history,
    get_version,
    inbox,
    list_people,
    own_person_id,
)
