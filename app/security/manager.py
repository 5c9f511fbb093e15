"""Flask-AppBuilder security manager: roles from role assignments, lockout, first-login password change.

FAB decides *what* through ``get_user_roles``; here that is the set of roles of the user's role
assignments in force today, so an expired or revoked assignment stops counting at once.

FAB asks the database once per permission check (every menu entry, every button of a page: ~25 statements
for a list page). :meth:`SecurityManager.exist_permission_on_roles` answers from one query per request
instead — the (view, permission) pairs of the user's roles, kept in ``g`` for that request only, so a role
change still applies from the next request on (``make bench``, issue 6).
"""

from types import SimpleNamespace

from flask import current_app, g, has_request_context
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.utils.limit import Limit
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from app.security import session as sessions
from models.accounts import Account
from views import fab_security

__all__ = ["SecurityManager"]


def _api_login_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


class RateLimitedSecurityApi(SecurityApi):
    """FAB's REST login (/api/v1/security/login) under the same rate limit as the web login."""

    limits = [Limit(_api_login_limit, key_func=get_remote_address, methods=("POST",))]


class SecurityManager(FabSecurityManager):
    """FAB's SQLAlchemy security manager, using :class:`models.accounts.Account`."""

    user_model = Account
    security_api = RateLimitedSecurityApi
    # FAB's security views with POST-only changes and no password change without the current one (issue 13).
    authdbview = fab_security.AuthDBView
    userdbmodelview = fab_security.UserDBModelView
    rolemodelview = fab_security.RoleModelView
    groupmodelview = fab_security.UserGroupModelView
    permissionmodelview = fab_security.PermissionModelView
    viewmenumodelview = fab_security.ViewMenuModelView
    permissionviewmodelview = fab_security.PermissionViewModelView
    resetmypasswordview = fab_security.ResetMyPasswordView
    # FAB's user statistics chart loads Google Charts from gstatic.com (refused by the CSP) and groups in Python.
    userstatschartview = None

    def get_user_roles(self, user):
        """Roles of the assignments in force today (public role for anonymous users)."""
        if not user.is_authenticated:
            return [self.get_public_role()]
        from app.security.scope import valid_assignments

        roles = {}
        for assignment in valid_assignments(user):
            roles.setdefault(assignment.role.id, assignment.role)
        return list(roles.values())

    def role_permissions(self, role_ids) -> dict[int, frozenset[tuple[str, str]]]:
        """{role id: {(permission name, view name)}} of ``role_ids``: one query, kept for the request.

        FAB's checks (:meth:`exist_permission_on_roles`, the menu) and the scope function
        (``scope.grants_for``) read the same answer, so a page costs one permission statement."""
        key = tuple(sorted(set(role_ids)))
        cache = g.setdefault("_cbccvc_role_pairs", {}) if has_request_context() else {}
        if key not in cache:
            found: dict[int, set] = {rid: set() for rid in key}
            for rid, view, perm in self._role_triples(key):
                found[rid].add((perm, view))
            cache[key] = {rid: frozenset(pairs) for rid, pairs in found.items()}
        return cache[key]

    def _role_pairs(self, role_ids) -> set[tuple[str, str]]:
        """(view name, permission name) pairs held by any of ``role_ids``."""
        return {(view, perm) for pairs in self.role_permissions(role_ids).values() for perm, view in pairs}

    def permission_fingerprint(self, role_ids) -> int:
        """A value that changes whenever the (view, permission) pairs of ``role_ids`` change (the menu cache key)."""
        return hash(frozenset(self._role_pairs(role_ids)))

    def _role_triples(self, role_ids):
        """(role id, view name, permission name) of ``role_ids``, one query."""
        return (self.session.query(self.role_model.id, self.viewmenu_model.name, self.permission_model.name)
                .select_from(self.permissionview_model)
                .join(self.permission_model).join(self.viewmenu_model)
                .join(self.permissionview_model.role)
                .filter(self.role_model.id.in_(tuple(role_ids))))

    def exist_permission_on_roles(self, view_name, permission_name, role_ids) -> bool:
        """FAB's check, answered from the request's cached pairs (see the module docstring)."""
        return (view_name, permission_name) in self._role_pairs(role_ids)

    def find_roles_permission_view_menus(self, permission_name, role_ids):
        """FAB's menu check, from the same cached pairs (callers read ``pvm.view_menu.name`` only)."""
        pairs = sorted(self._role_pairs(role_ids))
        return [SimpleNamespace(view_menu=SimpleNamespace(name=v)) for v, perm in pairs if perm == permission_name]

    def create_jwt_manager(self, app):
        """FAB's JWT manager; every REST token also carries the account's session epoch."""
        jwt_manager = super().create_jwt_manager(app)
        jwt_manager.additional_claims_loader(sessions.jwt_epoch_claims)
        return jwt_manager

    def load_user(self, pk):
        """Flask-Login's user loader: the account, if active, not locked and the session is of its current epoch
        (a session that ended by logout, lock, password change or reset is signed out here)."""
        user = super().load_user(pk)
        if user is None or not sessions.session_is_current(user):
            sessions.forget_session()
            return None
        return user

    def load_user_jwt(self, _jwt_header, jwt_data):
        """The account of a REST token, if active, not locked and the token is of its current epoch."""
        try:
            user = self.get_user_by_id(int(jwt_data["sub"]))
        except (KeyError, TypeError, ValueError):
            return None
        if user is None or not user.is_active or not sessions.token_is_current(user, jwt_data):
            return None
        g.user = user
        return user

    def auth_user_db(self, username, password):
        """FAB's password check, plus lockout after repeated failures and a security-log row per attempt."""
        from app import audit

        user = self.find_user(username=username) if username else None
        if user is not None and user.is_locked:
            audit.log_security("login_locked", user=user, detail={"username": username})
            if has_request_context():
                # Said by the login view instead of FAB's "invalid login" (one message, not two).
                g.login_refusal = _("Tài khoản đã bị khóa. Liên hệ quản trị cơ quan để mở khóa.")
            return None
        result = super().auth_user_db(username, password)
        if result is None:
            audit.log_security("login_failed", user=user, detail={"username": username})
            if user is not None:
                limit = current_app.config.get("AUTH_MAX_FAILED_LOGINS", 5)
                if (user.fail_login_count or 0) >= limit:
                    from models.mixins import utcnow

                    user.locked_at = utcnow()
                    sessions.end_sessions(user.id)
                    self.update_user(user)
                    audit.log_security("lockout", user=user, detail={"failures": user.fail_login_count})
        else:
            audit.log_security("login", user=result)
        return result

    def on_user_logout(self, user) -> None:
        """Logging out ends every session of the account (a copied cookie too); recorded in the security log."""
        from app import audit

        sessions.end_sessions(user.id)
        self.session.commit()
        audit.log_security("logout", user=user)

    def reset_password(self, userid, password):
        """FAB's own password forms: hash, end every other session of the account, and clear the first-login
        flag when users change their own (their own session stays open)."""
        super().reset_password(userid, password)
        user = self.get_user_by_id(userid)
        if user is None:
            return
        sessions.end_sessions(user.id, keep_current=True)
        if getattr(g, "user", None) is not None and getattr(g.user, "id", None) == user.id:
            from models.mixins import utcnow

            user.must_change_password = False
            user.password_changed_at = utcnow()
        self.update_user(user)
