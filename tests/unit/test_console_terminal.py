"""`logoff try` on a real terminal (a pseudo-terminal): arrow keys edit the line, and
Ctrl-C leaves at once instead of waiting for Enter."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = pytest.mark.subprocess  # starts processes of its own

ROOT = Path(__file__).resolve().parents[2]


def spawn() -> tuple[int, int]:
    pid, fd = pty.fork()
    if pid == 0:  # the child: `logoff try` with the pseudo-terminal as its terminal
        os.chdir(ROOT)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm"}
        os.execvpe(sys.executable, [sys.executable, "-m", "bot.cli", "try"], env)
    return pid, fd


def read_until(fd: int, needle: bytes, within: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + within
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {needle!r} in {seen[-2000:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                seen += os.read(fd, 4096)
            except OSError:
                break
    return seen


def exited_within(pid: int, seconds: float, fd: int | None = None) -> int | None:
    """The child's exit code, or None if it is still running after `seconds`. Its terminal is
    read meanwhile: a child whose goodbye fills an unread terminal would wait for us forever."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if fd is not None and select.select([fd], [], [], 0.05)[0]:
            try:
                os.read(fd, 4096)
            except OSError:
                pass
        else:
            time.sleep(0.05)
    return None


def at_the_prompt() -> tuple[int, int]:
    """`logoff try` with a line typed with the left arrow (!hep, left, l: !help), answered,
    and the next prompt shown."""
    pid, fd = spawn()
    try:
        read_until(fd, b"you> ")
        os.write(fd, b"!hep\x1b[Dl\r")
        # The help and the next prompt may come in one read: look for the prompt after the help.
        seen = read_until(fd, b"logoff commands")
        if b"you> " not in seen.split(b"logoff commands", 1)[1]:
            read_until(fd, b"you> ")
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
        raise
    return pid, fd


def left_at_once(pid: int, fd: int, interrupt: Callable[[], object]) -> None:
    """One interrupt ends the console (a hang is forever: the bound is only its guard), and
    the terminal is as it was."""
    code = None
    try:
        interrupt()
        code = exited_within(pid, 30.0, fd)
        assert code is not None, "one Ctrl-C did not end the console"
        lflag = termios.tcgetattr(fd)[3]
        assert lflag & termios.ICANON and lflag & termios.ECHO, "the terminal was left in raw mode"
    finally:
        if code is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)


def test_arrow_keys_edit_the_line_and_ctrl_c_leaves_at_once() -> None:
    pid, fd = at_the_prompt()
    left_at_once(pid, fd, lambda: os.write(fd, b"\x03"))  # Ctrl-C at an empty prompt


def test_a_ctrl_c_taken_on_another_thread_than_the_main_one_leaves_at_once() -> None:
    """The kernel hands a process's signal to any of its threads that will take it; Linux
    prefers the main thread, not always. Taken on another (here: by naming that thread to
    kill(2)), it used to be noted while the loop slept on with nothing to wake it, so the
    first Ctrl-C did nothing: once in three CI runs."""
    pid, fd = at_the_prompt()
    others = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task") if int(t) != pid)
    assert others, "the console runs no thread besides the main one"
    left_at_once(pid, fd, lambda: os.kill(others[-1], signal.SIGINT))


def test_ctrl_d_leaves_with_code_0_and_ends_the_prompts_line() -> None:
    """The shell's prompt after it goes on a line of its own, not after `you> `."""
    pid, fd = at_the_prompt()
    seen, code = b"", None
    try:
        os.write(fd, b"\x04")
        code = exited_within(pid, 30.0)
        assert code == 0, code
        while select.select([fd], [], [], 0)[0]:  # what it wrote before it ended
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # its end of the terminal is closed: all was read
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if code is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert seen.endswith(b"\r\n"), seen
