"""Typed, translated service errors shared by every aggregate."""

from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar, Token
from functools import wraps
from typing import Any, TypeVar

from app.extensions import db
from app.request_input import as_id

__all__ = [
    "AfterCommit",
    "Errors",
    "ForbiddenError",
    "NotFoundError",
    "ServiceError",
    "ValidationError",
    "after_commit",
    "requested_row",
    "use_case",
]

F = TypeVar("F", bound=Callable[..., Any])


class ServiceError(Exception):
    """Base of every error a service raises on purpose; ``messages`` are already translated."""

    status = 400

    def __init__(self, *messages: str):
        super().__init__("; ".join(str(m) for m in messages))
        self.messages = [str(m) for m in messages]


class NotFoundError(ServiceError):
    """The object named by an id does not exist (or is outside the caller's reach)."""

    status = 404


def requested_row(model, user, raw_id, message: str, owner: str = "requested_by_id"):
    """The ``model`` row with id ``raw_id`` if it is ``user``'s (its ``owner`` column: who asked for a job, whom a
    notification is for); ``NotFoundError(message)`` for a missing row, a malformed id and another user's row alike
    (no existence leak)."""
    try:
        row_id = as_id(raw_id)
    except (TypeError, ValueError):
        row_id = None
    row = db.session.get(model, row_id) if row_id is not None else None
    if row is None or getattr(row, owner) != getattr(user, "id", None):
        raise NotFoundError(message)
    return row


class ForbiddenError(ServiceError):
    """The actor has no authority for this (outside its subtree, or above its rights)."""

    status = 403


class ValidationError(ServiceError):
    """Input is invalid. ``errors`` maps a field name to its messages; all are reported at once."""

    status = 400

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = {field: [str(m) for m in msgs] for field, msgs in errors.items()}
        super().__init__(*[m for msgs in self.errors.values() for m in msgs])


class Errors:
    """Collects field errors during validation, then raises them together."""

    def __init__(self) -> None:
        self._errors: dict[str, list[str]] = defaultdict(list)

    def add(self, field: str, message: str) -> None:
        """Record one problem for ``field``."""
        self._errors[field].append(str(message))

    def __bool__(self) -> bool:
        return bool(self._errors)

    def of(self, field: str) -> list[str]:
        """The problems recorded for ``field``."""
        return list(self._errors.get(field, ()))

    def items(self) -> list[tuple[str, list[str]]]:
        """(field, its problems) for every field with a problem, in the order they were first recorded."""
        return [(name, list(messages)) for name, messages in self._errors.items()]

    def raise_if_any(self) -> None:
        """Raise :class:`ValidationError` if anything was recorded."""
        if self._errors:
            raise ValidationError(dict(self._errors))


_depth: ContextVar[int] = ContextVar("use_case_depth", default=0)
#: Calls registered by :func:`after_commit` inside the running (outermost) use case.
_after_commit: ContextVar[list | None] = ContextVar("use_case_after_commit", default=None)


class AfterCommit:
    """A call registered by :func:`after_commit`; ``result`` holds its return value once it has run."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.done = False
        self.result: Any = None

    def __call__(self) -> None:
        self.result = self.fn(*self.args, **self.kwargs)
        self.done = True


def after_commit(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> AfterCommit:
    """Call ``fn(*args, **kwargs)`` once the outermost use case has committed (design.md §4: a job is queued only
    after the commit that wrote what it reads); dropped when it rolls back. Returns the pending call (its
    ``result`` is set once it has run).

    Only inside a use case. The calls run in registration order after the commit, outside the use case (use
    cases they call are transactions of their own); their errors propagate to the caller, the commit stands.
    """
    hooks = _after_commit.get()
    if hooks is None:
        raise RuntimeError("after_commit() outside a use case")
    call = AfterCommit(fn, args, kwargs)
    hooks.append(call)
    return call


def use_case(fn: F) -> F:
    """Run a service function as one transaction: commit on success, roll back on any error.

    Use cases compose: one called from inside another joins the outer transaction, so only the
    outermost call commits (or rolls everything back), then runs what :func:`after_commit` registered.
    """

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = _depth.set(_depth.get() + 1)
        outermost = token.old_value in (0, Token.MISSING)
        hooks_token = _after_commit.set([]) if outermost else None
        hooks: list = []
        try:
            result = fn(*args, **kwargs)
            if outermost:
                db.session.commit()
                hooks = _after_commit.get() or []
            return result
        except BaseException:
            if outermost:
                db.session.rollback()
            raise
        finally:
            if hooks_token is not None:
                _after_commit.reset(hooks_token)
            _depth.reset(token)
            for hook in hooks:
                hook()

    return wrapper  # type: ignore[return-value]
