"""Session rules: idle timeout, the forced change of the default password at first login (HN-6.2), and the
session epoch that ends every session of an account at once (issue 13, item 5).

Sessions are Flask's signed cookies: nothing is kept on the server, so a copied cookie would stay valid until it
expires. Each account therefore has a ``session_epoch`` (an integer on ``ab_user``). Login writes the account's
epoch into the session; FAB's user loader (:meth:`app.security.manager.SecurityManager.load_user`) compares it
on every request, in the same query that loads the user, and treats a session carrying another epoch as signed
out. :func:`end_sessions` raises the epoch: logout, a lockout or an administrator's lock, a password change and
a reset call it, so every session opened before — in any browser — ends. REST tokens carry the epoch as a claim
and are checked the same way. No Redis and no extra query on the path of a page (item 12).

**Several web nodes** (issue 20, item 3): no session state lives in a process's memory. The session is the signed
cookie itself, so any node with the same ``SECRET_KEY`` reads it; its revocation state (``session_epoch``, the lock)
is in PostgreSQL, read with the user on every request, so a logout or a lock on one node ends the session on all of
them; the login rate limits count in Redis (``RATELIMIT_STORAGE_URI`` = ``REDIS_URL``). Every node must therefore
share ``SECRET_KEY``, ``DATABASE_URL`` and ``REDIS_URL`` (``tests/test_storage.py`` logs in on one gunicorn process
and goes on on another, and logs out on the first).
"""

from datetime import timedelta

from flask import Flask, has_request_context, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, user_logged_in
from sqlalchemy import select, update

__all__ = [
    "EPOCH_CLAIM",
    "EPOCH_KEY",
    "end_sessions",
    "forget_session",
    "init_session_rules",
    "jwt_epoch_claims",
    "session_is_current",
    "token_is_current",
]

def MUST_CHANGE_PASSWORD() -> str:  # noqa: N802 (a message, named like the other message constants)
    """What a user who must change the default password is told (HN-6.2), in the request's language."""
    return _("Bạn phải đổi mật khẩu mặc định trước khi sử dụng hệ thống.")


#: Where the account's epoch is kept in the session cookie.
EPOCH_KEY = "_epoch"
#: The claim of a REST token (FAB's /api/v1/security/login) that carries the epoch.
EPOCH_CLAIM = "epoch"
#: Flask-Login's keys, dropped when a session turns out to be ended.
LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember_seconds", EPOCH_KEY)

#: The load balancer's probes (issue 20): no session, no cookie, no redirect.
PROBE_ENDPOINTS = {"HealthView.healthz", "HealthView.readyz"}

#: Endpoints a user who must change the default password may still reach.
OPEN_WHILE_PASSWORD_EXPIRED = {
    "MyAccountView.password",
    "static",
    "appbuilder.static",
    "LocaleView.index",
}


def _epoch_of(user) -> int:
    return int(getattr(user, "session_epoch", 0) or 0)


def session_is_current(user) -> bool:
    """True when the request's session was opened at ``user``'s current epoch and the account is not locked."""
    if getattr(user, "is_locked", False):
        return False
    return has_request_context() and session.get(EPOCH_KEY) == _epoch_of(user)


def token_is_current(user, claims: dict) -> bool:
    """True when a REST token's epoch claim is ``user``'s current epoch and the account is not locked."""
    return not getattr(user, "is_locked", False) and claims.get(EPOCH_CLAIM) == _epoch_of(user)


def forget_session() -> None:
    """Drop the login from the session cookie (the request goes on as anonymous)."""
    if has_request_context():
        for key in LOGIN_KEYS:
            session.pop(key, None)


def end_sessions(account_id: int, *, keep_current: bool = False) -> int:
    """Raise the account's epoch in the caller's transaction: every session and REST token of the account
    issued before ends at its next request. With ``keep_current`` the session of this request (when it is the
    account's own) is moved to the new epoch, so a user who changes their password stays signed in here.
    Returns the new epoch."""
    from app.extensions import db
    from models.accounts import Account

    table = Account.__table__
    epoch = db.session.execute(update(table).where(table.c.id == account_id)
                               .values(session_epoch=table.c.session_epoch + 1)
                               .returning(table.c.session_epoch)).scalar_one()
    account = db.session.identity_map.get(db.session.identity_key(Account, account_id))
    if account is not None:
        db.session.expire(account, ["session_epoch"])
    if keep_current and has_request_context() and str(session.get("_user_id")) == str(account_id):
        session[EPOCH_KEY] = epoch
    return epoch


def jwt_epoch_claims(identity) -> dict:
    """Extra claims of every REST token: the account's epoch (``identity`` is the account id as a string)."""
    from app.extensions import db
    from models.accounts import Account

    try:
        account_id = int(identity)
    except (TypeError, ValueError):
        return {}
    epoch = db.session.scalar(select(Account.session_epoch).where(Account.id == account_id))
    return {EPOCH_CLAIM: int(epoch or 0)}


def _stamp_epoch(_app, user=None, **_extra) -> None:
    """Flask-Login's ``user_logged_in``: the new session carries the account's epoch."""
    session[EPOCH_KEY] = _epoch_of(user)


def init_session_rules(app: Flask) -> None:
    """Install the idle timeout, the epoch stamp at login and the first-login password gate."""
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(minutes=app.config.get("SESSION_TIMEOUT_MINUTES",
                                                                                          30)))
    user_logged_in.connect(_stamp_epoch, app)

    @app.before_request
    def _session_rules():
        if request.endpoint in PROBE_ENDPOINTS:
            return None
        session.permanent = True  # the cookie expires after PERMANENT_SESSION_LIFETIME of inactivity
        endpoint = request.endpoint or ""
        if not current_user.is_authenticated or not getattr(current_user, "must_change_password", False):
            return None
        if endpoint in OPEN_WHILE_PASSWORD_EXPIRED or endpoint.endswith(".logout"):
            return None
        if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
            return jsonify({"message": MUST_CHANGE_PASSWORD()}), 403
        # No flash: the password page says it in its notice (a flash too showed the message twice).
        return redirect(url_for("MyAccountView.password"))
