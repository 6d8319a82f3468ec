"""Card actions as persistent buttons.

The action id is the button's `custom_id`, so a button carries all its state and
keeps working after a restart: `ActionButton` is registered once per client as a
dynamic item matching any custom id, and discord.py rebuilds it from the clicked
message. Views are sent already stopped so the client's view store does not keep
one per card forever (a stopped view still renders its components).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, Protocol

import discord

from bot.render import Action

log = logging.getLogger(__name__)

CUSTOM_ID_MAX = 100
LABEL_MAX = 80
BUTTONS_MAX = 25

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


class ActionSink(Protocol):
    async def on_action(self, interaction: discord.Interaction[Any], action_id: str) -> None: ...


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                   template=re.compile(r"(?P<action>.{1,100})", re.DOTALL)):
    def __init__(self, action: Action) -> None:
        super().__init__(discord.ui.Button(
            label=action.label[:LABEL_MAX], custom_id=action.id,
            style=_STYLES.get(action.style, discord.ButtonStyle.secondary), emoji=action.emoji))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str]) -> ActionButton:
        button = item if isinstance(item, discord.ui.Button) else None
        return cls(Action(match["action"], button.label or "" if button else ""))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        sink: ActionSink | None = getattr(interaction.client, "action_sink", None)
        if sink is None:
            log.warning("button %s pressed on a client without an adapter", self.custom_id)
            return
        await sink.on_action(interaction, self.custom_id)


def action_view(actions: Sequence[Action]) -> discord.ui.View | None:
    usable = []
    for a in actions:
        if not 0 < len(a.id) <= CUSTOM_ID_MAX:
            log.warning("action id %r is not 1-%d characters; the button is left out", a.id[:120], CUSTOM_ID_MAX)
            continue
        usable.append(a)
    if not usable:
        return None
    if len(usable) > BUTTONS_MAX:
        log.warning("a card has %d actions; Discord shows at most %d buttons", len(usable), BUTTONS_MAX)
        usable = usable[:BUTTONS_MAX]
    view = discord.ui.View(timeout=None)
    for a in usable:
        view.add_item(ActionButton(a))
    view.stop()
    return view
