"""What a request to the homeserver can end in, and how its error reads."""

from __future__ import annotations

from nio import ErrorResponse

from bot.adapter import DeliveryRefused


class MatrixError(RuntimeError):
    """A request the homeserver refused or failed; the message names the request and the error."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # the HTTP status, where the homeserver answered

    @property
    def refused(self) -> bool:
        """The homeserver said no (a 4xx other than a rate limit), not "not now" (its own
        trouble, a rate limit retried in vain, or no answer)."""
        return isinstance(self, DeliveryRefused) or self.status is not None and 400 <= self.status < 500 and self.status != 429


class CannotEncrypt(MatrixError, DeliveryRefused):
    """The room is encrypted and the bot has no key store: no later try goes better, so it is a
    refusal (a DM room is given up, a post is not tried again) with a sentence for moderators."""


def http_status(resp: object) -> int | None:
    status = getattr(getattr(resp, "transport_response", None), "status", None)
    return status if isinstance(status, int) else None


def why(resp: object) -> str:
    if isinstance(resp, ErrorResponse):
        return f"{resp.status_code or ''} {resp.message or ''}".strip()
    return type(resp).__name__
