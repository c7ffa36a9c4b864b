"""The error a person is shown: a step the state does not allow, or bad input, in words (and per field)."""

from __future__ import annotations


class ApplicationError(ValueError):
    """A step the application's state does not allow, or bad input; ``messages`` maps fields to texts."""

    def __init__(self, message, messages: dict | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.messages = messages or {}
