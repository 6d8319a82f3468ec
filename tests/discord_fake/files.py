"""Uploaded files as Discord takes them: a message (or an interaction answer, or an edit) sent
as multipart/form-data, with `payload_json` beside one `files[n]` part per file, whose
`attachments` list names each new upload by its index n (with its filename and an optional
description, the alt text). The message then carries one attachment object per file (id,
filename, description, content_type, size, url, proxy_url, and width/height for an image),
and the fake serves the bytes at that url, as Discord's CDN would.

An edit keeps the attachments its `attachments` list names by id and adds its new uploads;
without such a list the attachments stay. An `attachments` entry naming an upload that is not
there is refused with 50035, as Discord does."""

from __future__ import annotations

import mimetypes
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .wire import JSON, error

if TYPE_CHECKING:
    from .server import FakeDiscord


def problems(body: JSON) -> list[str]:
    """What Discord would refuse about the files of a message body."""
    uploads = body.get("_files") or []
    out = []
    for i, entry in enumerate(body.get("attachments") or []):
        ref = str(entry.get("id", ""))
        if ref.isdigit() and int(ref) < 1_000_000 and int(ref) >= len(uploads):
            out.append(f"attachments.{i}.id: no file was uploaded as files[{ref}]")
    return out


def _content_type(filename: str, sent: str) -> str:
    """Discord tells the type from the file (discord.py sends every part as octet-stream)."""
    if sent and sent != "application/octet-stream":
        return sent
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def _size(data: bytes) -> tuple[int, int] | None:
    if len(data) >= 24 and data[:8] == b"\x89PNG\r\n\x1a\n":
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return None


def new_attachments(fake: FakeDiscord, channel_id: int, body: JSON) -> list[JSON]:
    """The attachment objects of a body's uploads (the `files[n]` parts, in order)."""
    named = {str(a.get("id")): a for a in body.get("attachments") or []}
    out = []
    for i, f in enumerate(body.get("_files") or []):
        aid = fake.snowflake()
        entry = named.get(str(i), {})
        url = f"http://127.0.0.1:{fake.port}/attachments/{channel_id}/{aid}/{f['filename']}"
        att: JSON = {"id": str(aid), "filename": entry.get("filename") or f["filename"],
                     "size": len(f["data"]), "url": url, "proxy_url": url,
                     "content_type": _content_type(f["filename"], f["content_type"])}
        if entry.get("description"):
            att["description"] = entry["description"]
        if (size := _size(f["data"])) is not None:
            att["width"], att["height"] = size
        fake.files[aid] = f["data"]
        out.append(att)
    return out


def edited_attachments(fake: FakeDiscord, msg: JSON, body: JSON) -> list[JSON]:
    kept: list[Any] = msg.get("attachments") or []
    if "attachments" in body and body["attachments"] is not None:
        keep = {str(a.get("id")) for a in body["attachments"]}
        kept = [a for a in kept if a["id"] in keep]
    return [*kept, *new_attachments(fake, int(msg["channel_id"]), body)]


async def download(fake: FakeDiscord, request: web.Request) -> web.Response:
    data = fake.files.get(int(request.match_info["aid"]))
    if data is None:
        return error(404, 0, "404: Not Found")
    return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})
