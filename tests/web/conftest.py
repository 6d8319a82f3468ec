"""The web part served on an ephemeral loopback port for these tests, and a browser to read it
with: Debian's chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator

import pytest

from bot.testing import FakeAdapter
from bot.web import WebConfig


@pytest.fixture
async def web(bot, fake: FakeAdapter) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """The base address of the bot's pages (the bot and its FakeAdapter already started)."""
    await bot.web.start(WebConfig("127.0.0.1", 0, "http://127.0.0.1:0"))
    try:
        yield bot.web.url("")
    finally:
        await bot.web.stop()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture
async def chromium() -> AsyncIterator[object]:
    """Opens a fresh-profile headless Chromium in a given timezone: `await chromium(tz)`."""
    if not HAVE_CHROMIUM:
        pytest.fail(f"no chromium at {CHROMIUM}: .ci/run installs Debian's chromium package")
    from playwright.async_api import async_playwright

    profiles: list[str] = []
    contexts = []
    async with async_playwright() as p:
        async def open_in(timezone: str):  # type: ignore[no-untyped-def]
            profile = tempfile.mkdtemp(prefix="logoff-chromium-")
            profiles.append(profile)
            ctx = await p.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, args=ARGS, headless=True, timezone_id=timezone,
                locale="en-GB", accept_downloads=True, viewport={"width": 390, "height": 844})
            contexts.append(ctx)
            return ctx

        yield open_in
        for ctx in contexts:
            await ctx.close()
    for profile in profiles:
        shutil.rmtree(profile, ignore_errors=True)
