"""Moderator configuration and help, both generated from what is registered."""

from __future__ import annotations

from bot.cog import Cog
from bot.commands import CommandSpec, Option, command
from bot.context import Context, Refusal
from bot.render import Card, Field, line, text
from bot.settings import CAPABILITY_NAMES, SettingSpec

from . import suggest


def _who(spec: CommandSpec) -> str:
    """Who may run it, where the declaration limits that: refused to the others."""
    return " (moderators only)" if spec.moderator_only else ""


class AdminCog(Cog):
    name = "admin"

    @command("help", "show the commands, or how to use one",
             Option("command", "a command, e.g. poll create", required=False, rest=True,
                    suggest="suggest_command"))
    async def help(self, ctx: Context, command: str | None) -> None:
        p = ctx.prefix
        if command:
            words = command.lower().lstrip(p).lstrip("/").split()  # as the command was typed
            specs = [s for s in self.bot.commands if tuple(words) == s.path[: len(words)]]
            if not specs:  # a command with its arguments, as the contract names `calendar reset`
                found, _ = self.bot.commands.find(words)
                specs = [found] if found is not None else []
            if not specs:
                group = [s.path[-1] for s in self.bot.commands if words and s.path[0] == words[0]]
                if group:
                    raise Refusal(f"{words[0]} has no '{' '.join(words[1:])[:40]}'; its commands are "
                                  f"{', '.join(group)}: e.g. {p}help {words[0]} {group[0]}")
                raise Refusal(f"there is no command '{command[:40]}'; type {p}help for the list")
            lines = []
            for s in specs:
                lines.append(line(ctx.usage(s)))
                lines.append(line("  ", s.description, _who(s)))
                for o in s.options:
                    lines.append(line(f"    {o.name}: {o.description}"))
            await ctx.reply(text(*lines))
            return
        groups = self.bot.commands.groups()
        fields = tuple(
            Field(name, tuple(line(f"{ctx.usage(s)} — {s.description}{_who(s)}") for s in specs))
            for name, specs in groups.items())
        named = "command:<command>" if ctx.usage_style == "slash" else "<command>"
        body = [line(f"Type {p}help {named} for details.")]
        if not ctx.adapter.capabilities.command_prefix:  # commands typed as messages
            body.append(line("Editing a command after you sent it does not run it again: "
                             "send the corrected command as a new message."))
        await ctx.reply(Card("logoff commands", body=tuple(body), fields=fields))

    @command("config show", "show this space's settings", moderator_only=True)
    async def config_show(self, ctx: Context) -> None:
        lines, elsewhere = [], []
        for spec in self.settings.specs():
            if spec.requires and not getattr(ctx.adapter.capabilities, spec.requires, False):
                needs, on = self._where(spec)
                elsewhere.append(line(f"{spec.key}: " + (f"only on {on} (needs {needs})" if on else f"needs {needs}")))
                continue
            value, default = await self.settings.raw(ctx.space, spec.key)
            lines.append(line(f"{spec.key} = {value}{' (default)' if default else ''}"))
        summary = [line(s) for s in await self._summaries(ctx)]
        fields = [Field("Settings", tuple(lines))]
        if elsewhere:  # every key is listed, those this platform cannot act on apart
            fields.append(Field("Not on this platform", tuple(elsewhere)))
        if summary:
            fields.append(Field("Activity", tuple(summary)))
        await ctx.reply(Card("Settings of this space", fields=tuple(fields),
                             footer=f"Change one with {ctx.prefix}config set <key> <value>"))

    def _applying(self, ctx: Context, key: str) -> SettingSpec:
        """The setting `key` names, refused (set or reset alike) where this platform cannot act on it."""
        spec = self.settings.spec(key.lower())
        if spec.requires and not getattr(ctx.adapter.capabilities, spec.requires, False):
            needs, on = self._where(spec)
            raise Refusal(f"{spec.key} does not apply here: it needs {needs}, which "
                          + (f"only {on} has" if on else "this platform does not have")
                          + f", so nothing was changed; {ctx.prefix}config show lists the settings "
                          "this space uses")
        return spec

    def _where(self, spec: SettingSpec) -> tuple[str, str]:
        """What a setting needs, and the platforms that have it as people call them ("" if none
        is installed)."""
        return CAPABILITY_NAMES.get(spec.requires, spec.requires), " and ".join(self.settings.applies_on(spec))

    async def _summaries(self, ctx: Context) -> list[str]:
        out: list[str] = []
        for summarize in self.bot.config_summaries():
            out.extend(await summarize(ctx.space))
        return out

    @command("config set", "change a setting of this space",
             Option("key", "the setting, e.g. reminders", suggest="suggest_key"),
             # A key alone is told what it takes, not only the command's usage.
             Option("value", "its new value", rest=True, max_length=200, suggest="suggest_value",
                    explain_if_missing=True),
             moderator_only=True)
    async def config_set(self, ctx: Context, key: str, value: str | None = None) -> None:
        spec = self._applying(ctx, key)
        if value is None or not value.strip():
            now, _ = await self.settings.raw(ctx.space, spec.key)
            raise Refusal(f"{ctx.prefix}config set {spec.key} needs a value after the key: "
                          f"{spec.allowed}. It is {now} now; nothing was changed")
        stored = await self.settings.set(ctx.space, spec.key, value)
        await ctx.reply(text(f"✅ {spec.key} is now {stored}"))

    @command("config reset", "put a setting back to its default",
             Option("key", "the setting", suggest="suggest_key"), moderator_only=True)
    async def config_reset(self, ctx: Context, key: str) -> None:
        spec = self._applying(ctx, key)
        default = await self.settings.reset(ctx.space, spec.key)
        await ctx.reply(text(f"✅ {spec.key} is back to its default, {default}"))

    # --- suggestions while typing (bot/suggestions.py) ---------------------------------------

    async def suggest_key(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return suggest.keys(self.settings, ctx, typed)

    async def suggest_value(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return await suggest.values(self.settings, ctx, given.get("key", ""), typed)

    async def suggest_command(self, ctx: Context, typed: str, given: dict[str, str]) -> list[tuple[str, str]]:
        return suggest.commands(self.bot.commands, typed)
