"""Accounts: Flask-AppBuilder's user, extended with the org unit the account belongs to."""


from flask_appbuilder.security.sqla.models import User as FabUser
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

__all__ = ["Account"]


class Account(FabUser):
    """A login (ab_user) attached to one org unit: agency accounts and personal accounts alike."""

    __tablename__ = "ab_user"
    __table_args__ = {"extend_existing": True}

    org_unit_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("org_unit.id", name="fk_ab_user_org_unit_id"), nullable=True, index=True
    )
    org_unit = relationship("OrgUnit", foreign_keys=[org_unit_id])
