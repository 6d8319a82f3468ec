"""Roles made by the bot, in the fake: Manage Roles, and only below the bot's highest role (both
403/50013); a new role sits just above @everyone; at most 250 per server (30005). Gateway:
GUILD_ROLE_CREATE/UPDATE/DELETE (GUILDS intent), GUILD_MEMBER_UPDATE (GUILD_MEMBERS, which
logoff does not ask for).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from .threads import Route
from .wire import (
    INTENT_GUILD_MEMBERS,
    INTENT_GUILDS,
    JSON,
    MANAGE_ROLES,
    bad_length,
    error,
    json_response,
    missing_permissions,
)

if TYPE_CHECKING:
    from .server import FakeDiscord

MAX_ROLES = 250


class Roles:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def routes(self, r: Route) -> None:
        r("POST", r"/guilds/(?P<guild>\d+)/roles", self._create)
        r("GET", r"/guilds/(?P<guild>\d+)/roles/(?P<role>\d+)", self._get)
        r("PATCH", r"/guilds/(?P<guild>\d+)/roles/(?P<role>\d+)", self._patch)
        r("DELETE", r"/guilds/(?P<guild>\d+)/roles/(?P<role>\d+)", self._delete)
        r("PUT", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)/roles/(?P<role>\d+)", self._put_member_role)
        r("DELETE", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)/roles/(?P<role>\d+)", self._delete_member_role)

    # --- the truth -----------------------------------------------------------------------------

    def role(self, guild_id: int, role_id: int | str) -> JSON | None:
        return next((r for r in self.fake.guilds[guild_id]["roles"] if r["id"] == str(role_id)), None)

    def member_roles(self, guild_id: int, user_id: int) -> list[int]:
        return [int(r) for r in self.fake.members[(guild_id, user_id)]["roles"]]

    def members_with(self, guild_id: int, role_id: int | str) -> list[int]:
        return sorted(uid for (gid, uid), m in self.fake.members.items()
                      if gid == guild_id and str(role_id) in m["roles"])

    def bot_role_id(self, guild_id: int) -> int:
        """logoff's own (managed) role, which moderators give permissions or deny them in a channel."""
        return int(self._bot_role(guild_id)["id"])

    def _bot_role(self, guild_id: int) -> JSON:
        return next(r for r in self.fake.guilds[guild_id]["roles"] if r["managed"]
                    and r["id"] in self.fake.members[(guild_id, self.fake.bot_id)]["roles"])

    def _top(self, guild_id: int, uid: int) -> int:
        ids = set(self.fake.members[(guild_id, uid)]["roles"])
        return max((int(r["position"]) for r in self.fake.guilds[guild_id]["roles"] if r["id"] in ids), default=0)

    def _refuse(self, guild_id: int, role: JSON | None = None) -> web.Response | None:
        """Manage Roles, and a role strictly below the bot's highest (administrators too)."""
        if not self.fake.guild_permissions(guild_id, self.fake.bot_id) & MANAGE_ROLES:
            return missing_permissions()
        if role is not None and (role["managed"] or int(role["position"]) >= self._top(guild_id, self.fake.bot_id)):
            return missing_permissions()
        return None

    def _changed(self, guild_id: int, role: JSON) -> None:
        self.fake.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role}, INTENT_GUILDS)

    # --- REST ------------------------------------------------------------------------------------

    async def _create(self, request: web.Request, body: JSON, guild: str) -> web.Response:
        gid = int(guild)
        if gid not in self.fake.guilds:
            return error(404, 10004, "Unknown Guild")
        refused = self._refuse(gid)
        if refused is not None:
            return refused
        body = body or {}
        name = str(body.get("name") or "new role")
        if len(name) > 100:
            return bad_length("name", 1, 100)
        perms = int(body.get("permissions") or 0)
        if perms & ~self.fake.guild_permissions(gid, self.fake.bot_id):
            return missing_permissions()  # no one grants what they do not have
        roles = self.fake.guilds[gid]["roles"]
        if len(roles) >= MAX_ROLES:
            return error(400, 30005, "Maximum number of guild roles reached (250)")
        for r in roles[1:]:
            r["position"] += 1
        role = self.fake._role_payload(self.fake.snowflake(), name, perms, position=1)
        role.update({"mentionable": bool(body.get("mentionable", False)), "hoist": bool(body.get("hoist", False)),
                     "color": int(body.get("color") or 0)})
        roles.append(role)
        self.fake.dispatch("GUILD_ROLE_CREATE", {"guild_id": guild, "role": role}, INTENT_GUILDS)
        return json_response(role)

    async def _get(self, request: web.Request, body: JSON, guild: str, role: str) -> web.Response:
        """Get Guild Role: any member may read a role."""
        found = self.role(int(guild), role) if int(guild) in self.fake.guilds else None
        return error(404, 10011, "Unknown Role") if found is None else json_response(found)

    async def _patch(self, request: web.Request, body: JSON, guild: str, role: str) -> web.Response:
        found = self.role(int(guild), role)
        if found is None:
            return error(404, 10011, "Unknown Role")
        refused = self._refuse(int(guild), found)
        if refused is not None:
            return refused
        if "name" in body and not 1 <= len(str(body["name"] or "")) <= 100:
            return bad_length("name", 1, 100)
        for key in ("name", "mentionable", "hoist", "color"):
            if key in body:
                found[key] = body[key]
        if "permissions" in body:
            found["permissions"] = str(int(body["permissions"] or 0))
        self._changed(int(guild), found)
        return json_response(found)

    async def _delete(self, request: web.Request, body: Any, guild: str, role: str) -> web.Response:
        gid = int(guild)
        found = self.role(gid, role)
        if found is None:
            return error(404, 10011, "Unknown Role")
        if found["id"] == guild:
            return error(400, 50028, "Invalid Role")  # @everyone
        refused = self._refuse(gid, found)
        if refused is not None:
            return refused
        self.fake.guilds[gid]["roles"].remove(found)
        for (g, _), m in self.fake.members.items():
            if g == gid and role in m["roles"]:
                m["roles"].remove(role)
        self.fake.dispatch("GUILD_ROLE_DELETE", {"guild_id": guild, "role_id": role}, INTENT_GUILDS)
        return web.Response(status=204)

    async def _member_role(self, guild: str, user: str, role: str, add: bool) -> web.Response:
        gid, uid = int(guild), int(user)
        if gid not in self.fake.guilds:
            return error(404, 10004, "Unknown Guild")
        found = self.role(gid, role)
        if found is None:
            return error(404, 10011, "Unknown Role")
        if (gid, uid) not in self.fake.members:
            return error(404, 10007, "Unknown Member")
        refused = self._refuse(gid, found)
        if refused is not None:
            return refused
        roles = self.fake.members[(gid, uid)]["roles"]
        if add != (role in roles):
            (roles.append if add else roles.remove)(role)
            self.fake.dispatch("GUILD_MEMBER_UPDATE", {"guild_id": guild, **self.fake.member_payload(gid, uid)},
                               INTENT_GUILD_MEMBERS)
        return web.Response(status=204)

    async def _put_member_role(self, request: web.Request, body: Any, guild: str, user: str,
                               role: str) -> web.Response:
        return await self._member_role(guild, user, role, True)

    async def _delete_member_role(self, request: web.Request, body: Any, guild: str, user: str,
                                  role: str) -> web.Response:
        return await self._member_role(guild, user, role, False)

    # --- what moderators do in the client ----------------------------------------------------------

    def grant_bot(self, guild_id: int, permissions: int) -> None:
        """Give logoff's own (managed) role these permissions too."""
        role = self._bot_role(guild_id)
        role["permissions"] = str(int(role["permissions"]) | permissions)
        self._changed(guild_id, role)

    def revoke_bot(self, guild_id: int, permissions: int) -> None:
        role = self._bot_role(guild_id)
        role["permissions"] = str(int(role["permissions"]) & ~permissions)
        self._changed(guild_id, role)

    def move(self, guild_id: int, role_id: int | str, position: int) -> None:
        """Drag a role to `position` in the list (others keep their order)."""
        roles = sorted(self.fake.guilds[guild_id]["roles"][1:], key=lambda r: int(r["position"]))
        role = next(r for r in roles if r["id"] == str(role_id))
        roles.remove(role)
        roles.insert(position - 1, role)
        for i, r in enumerate(roles, start=1):
            if int(r["position"]) != i:
                r["position"] = i
                self._changed(guild_id, r)

    def delete_by_hand(self, guild_id: int, role_id: int | str) -> None:
        role = self.role(guild_id, role_id)
        assert role is not None, f"no role {role_id}"
        self.fake.guilds[guild_id]["roles"].remove(role)
        for (g, _), m in self.fake.members.items():
            if g == guild_id and role["id"] in m["roles"]:
                m["roles"].remove(role["id"])
        self.fake.dispatch("GUILD_ROLE_DELETE", {"guild_id": str(guild_id), "role_id": role["id"]}, INTENT_GUILDS)
