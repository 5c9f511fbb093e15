"""Permission names as constants: FAB resources (view menus) and the few actions we collapse to."""

__all__ = [
    "ACTION_READ",
    "ACTION_WRITE",
    "MENU_ORGANISATION",
    "MENU_ORG_TREE",
    "MENU_ORG_UNITS",
    "RESOURCE_ORG_UNIT",
]

#: FAB permission = "can_<action>" on a resource.
ACTION_READ = "can_read"
ACTION_WRITE = "can_write"

RESOURCE_ORG_UNIT = "OrgUnit"

#: Menu keys (FAB "menu_access" view menus); labels are translated separately.
MENU_ORGANISATION = "Organisation"
MENU_ORG_TREE = "Org tree"
MENU_ORG_UNITS = "Org units"
