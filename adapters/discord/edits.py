"""How a message edit Discord refused ends: the refusal the core tells apart (bot/adapter.py)."""

from __future__ import annotations

import discord

from bot.adapter import DeliveryRefused, DestinationClosed
from bot.model import MessageRef

from .locks import THREAD_ARCHIVED
from .refs import refused_plainly


def edit_refusal(message: MessageRef, e: discord.HTTPException) -> Exception:
    """What an edit Discord answered with an error ends in. A message in an archived thread
    (50083) cannot be edited until the thread reopens: closed for now, so the card stays live
    and a later edit shows its latest state (taken as refused for good, it would stay as it is
    now, a cancelled event shown still open). Any other 4xx but a rate limit says this edit will
    never be taken (a body Discord rejects, 50035): refused, so the card is not tried at every
    start. A 5xx or a 429 that outlasted discord.py's retries may pass: raised as it is."""
    if e.code == THREAD_ARCHIVED:
        return DestinationClosed(f"Discord: message {message.key} is in an archived thread; "
                                 "it is edited again at its next change or start")
    if 400 <= e.status < 500 and e.status != 429:
        return DeliveryRefused(refused_plainly(f"Discord: an edit of message {message.key} was refused", e))
    return e
