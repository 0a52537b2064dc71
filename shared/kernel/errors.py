"""The errors a use case or an aggregate raises; the HTTP layer maps each to its status."""

from __future__ import annotations


class DomainError(Exception):
    """A command that breaks a rule of the domain."""


class Conflict(DomainError):
    """The command is not allowed in the aggregate's current state (HTTP 409)."""


class NotFound(DomainError):
    """No such aggregate (HTTP 404)."""


class Invalid(DomainError):
    """The command's content is wrong in a way the schema could not say (HTTP 422)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Forbidden(DomainError):
    """The caller may not do this: a role or a community they do not hold (HTTP 403)."""
