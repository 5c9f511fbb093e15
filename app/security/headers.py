"""HTTP hardening of every response and request (issue 13): security headers, cookie flags, body size caps.

- flask-talisman sets on every response (pages, JSON, error pages, static files) a Content-Security-Policy
  whose ``script-src`` is ``'self'`` plus a per-request nonce (``csp_nonce()`` in templates; FAB's
  ``baselib.get_nonce()`` uses it), ``frame-ancestors 'none'`` with ``X-Frame-Options: DENY``,
  ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy``. HTTPS is forced (redirect + HSTS) only when
  ``FORCE_HTTPS`` is configured; ``SESSION_COOKIE_SECURE`` comes from the configuration.
- ``MAX_CONTENT_LENGTH`` caps every body (the largest legitimate upload is a 30 MB PDF to verify); an anonymous
  request gets ``ANONYMOUS_MAX_CONTENT_LENGTH`` (the login and lost-password forms are small): a larger declared
  body is refused with 413 before anything reads it.

Talisman is installed before every other extension so that its nonce exists even when a later
``before_request`` hook answers early (a CSRF failure, a 413, a redirect): the error page's scripts keep working.
"""

from flask import Flask, abort, request
from flask_login import current_user
from flask_talisman import Talisman

__all__ = ["CSP", "init_security_headers"]

#: The Content-Security-Policy; talisman adds the request's nonce to ``script-src``. Styles may stay inline
#: (FAB's and select2's markup use ``style=`` attributes); data: images are the favicon placeholder and FAB's
#: flag sprites.
CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'", "data:"],
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def init_security_headers(app: Flask) -> Talisman:
    """Install talisman (headers, nonce, cookie flags) and the request body caps."""
    force_https = bool(app.config.get("FORCE_HTTPS", False))
    talisman = Talisman(
        app,
        force_https=force_https,
        strict_transport_security=force_https,
        session_cookie_secure=bool(app.config.get("SESSION_COOKIE_SECURE", False)),
        session_cookie_samesite=app.config.get("SESSION_COOKIE_SAMESITE", "Lax"),
        content_security_policy=CSP,
        content_security_policy_nonce_in=["script-src"],
        frame_options="DENY",
        referrer_policy=app.config.get("REFERRER_POLICY", "strict-origin-when-cross-origin"),
        x_content_type_options=True,
    )
    anonymous_cap = int(app.config.get("ANONYMOUS_MAX_CONTENT_LENGTH", 64 * 1024))
    largest = max(int(app.config.get("SIGN_VERIFY_MAX_BYTES", 0)), int(app.config.get("ATTACHMENT_MAX_BYTES", 0)))
    cap = app.config.get("MAX_CONTENT_LENGTH")
    if cap is not None and cap < largest + 1024 * 1024:
        app.logger.warning("MAX_CONTENT_LENGTH (%s) is below the largest upload (%s bytes) plus the form's overhead;"
                           " such uploads will be refused with 413", cap, largest)

    @app.before_request
    def _body_caps():
        if not current_user.is_authenticated:
            request.max_content_length = anonymous_cap
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)
        return None

    return talisman
