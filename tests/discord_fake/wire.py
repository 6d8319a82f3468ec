"""What every part of the fake shares: Discord's permission bits and intents, and its JSON
answers (success, plain errors, and the nested 50035 Invalid Form Body), and its edge's 503
in a passing outage."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

JSON = dict[str, Any]

# --- permissions (bit values from the Discord docs) ---------------------------------------

ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MANAGE_ROLES = 1 << 28
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44
ALL_PERMISSIONS = (1 << 51) - 1

# A new server's @everyone can also start and post in public threads; it cannot manage
# events or roles.
EVERYONE_DEFAULT = (VIEW_CHANNEL | SEND_MESSAGES | ADD_REACTIONS | READ_MESSAGE_HISTORY
                    | EMBED_LINKS | ATTACH_FILES | USE_APPLICATION_COMMANDS
                    | CREATE_PUBLIC_THREADS | SEND_MESSAGES_IN_THREADS)
BOT_PERMISSIONS = EVERYONE_DEFAULT

# gateway intents
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_GUILD_REACTIONS = 1 << 10
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16

THREAD_TYPES = (10, 11, 12)


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # Exactly "application/json": with "; charset=utf-8" discord.py reads the body as text.
    return web.Response(body=json.dumps(data).encode(), status=status,
                        headers={"Content-Type": "application/json", **(headers or {})})


def error(status: int, code: int, message: str) -> web.Response:
    return json_response({"code": code, "message": message}, status)


Handler = Callable[..., Awaitable[web.Response]]


def outage(outages: dict[str, int], method: str, handler: Handler) -> Handler:
    """`handler`, unless `outages[method]` says the next such requests meet a passing outage:
    Discord's edge answers 503 in plain text, with no effect (discord.py does not retry it)."""
    async def answer(request: web.Request, body: Any, **match: str) -> web.Response:
        if outages.get(method):
            outages[method] -= 1
            return web.Response(status=503, text="upstream connect error or disconnect/reset before headers. "
                                                 "reset reason: overflow")
        return await handler(request, body, **match)
    return answer


def lost(lost_answers: dict[str, int], method: str, handler: Handler) -> Handler:
    """`handler`, whose answer is lost when `lost_answers[method]` says so: the request takes
    effect, then the client sees Discord's edge answer 503 in plain text (discord.py does not
    retry it), as when the connection behind it dropped."""
    async def answer(request: web.Request, body: Any, **match: str) -> web.Response:
        response = await handler(request, body, **match)
        if response.status < 300 and lost_answers.get(method):
            lost_answers[method] -= 1
            return web.Response(status=503, text="upstream connect error or disconnect/reset before headers. "
                                                 "reset reason: connection termination")
        return response
    return answer


def missing_permissions() -> web.Response:
    return error(403, 50013, "Missing Permissions")


def invalid_form(path: str, code: str, message: str) -> web.Response:
    """Discord's 400 50035 with the field's error nested under its path ("a.b")."""
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path.split(".")):
        errors = {part: errors}
    return json_response({"code": 50035, "errors": errors, "message": "Invalid Form Body"}, 400)


def bad_length(path: str, low: int, high: int) -> web.Response:
    return invalid_form(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
