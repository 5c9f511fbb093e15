"""Flask-AppBuilder security manager bound to our extended user model."""

from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager

from models.accounts import Account

__all__ = ["SecurityManager"]


class SecurityManager(FabSecurityManager):
    """FAB's SQLAlchemy security manager, using :class:`models.accounts.Account`."""

    user_model = Account
