"""The password policy applied to Flask-AppBuilder's own password forms (same rules as our services)."""

from flask_appbuilder.exceptions import PasswordComplexityValidationError

__all__ = ["fab_password_validator"]


def fab_password_validator(password: str) -> None:
    """Raise FAB's error with the Vietnamese policy messages when ``password`` breaks the policy."""
    from app.services.accounts import check_password_policy

    problems = check_password_policy(password)
    if problems:
        raise PasswordComplexityValidationError(" ".join(problems))
