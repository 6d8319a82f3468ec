"""Reading lines for the console: with line editing and history on a terminal
(readline), plain lines from a pipe. The reader is a daemon thread, so Ctrl-C or the end
of input leaves at once instead of waiting for a line that will not come."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import termios
import threading
from collections.abc import Callable, Iterator
from typing import Any, TextIO

EOF_MARK = None


class Reader:
    """Lines go into `lines`; None once the input has ended. On a terminal the next
    prompt waits for `ready()`, so it shows after the answer to the line before."""

    def __init__(self, loop: asyncio.AbstractEventLoop, stream: TextIO | None,
                 prompt: Callable[[], str] | None) -> None:
        self.lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._ready = threading.Event()
        self._ready.set()
        self._loop, self._stream, self._prompt = loop, stream, prompt
        # readline changes the terminal's modes while it waits for a line; Ctrl-C ends the
        # program without unwinding that wait, so the modes are put back by `close`.
        self._modes: list[Any] | None = None
        if stream is None:  # no input at all (`<&-`: Python's sys.stdin is None): it has ended
            self.lines.put_nowait(EOF_MARK)
            return
        if prompt is not None and stream.isatty():
            with contextlib.suppress(termios.error, OSError, ValueError):
                self._modes = termios.tcgetattr(stream.fileno())
        threading.Thread(target=self._read, name="logoff-console-input", daemon=True).start()

    def ready(self) -> None:
        self._ready.set()

    def close(self) -> None:
        if self._modes is not None and self._stream is not None:
            with contextlib.suppress(termios.error, OSError, ValueError):
                termios.tcsetattr(self._stream.fileno(), termios.TCSADRAIN, self._modes)

    def _put(self, item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: the console has ended
            self._loop.call_soon_threadsafe(self.lines.put_nowait, item)

    def _read(self) -> None:
        stream, prompt = self._stream, self._prompt
        assert stream is not None
        interactive = prompt is not None and stream.isatty()
        if interactive:
            with contextlib.suppress(ImportError):  # line editing and history where there is readline
                import readline  # noqa: F401
        first = True
        try:
            while True:
                if interactive:
                    assert prompt is not None
                    self._ready.wait()
                    self._ready.clear()
                    line = _text(input(prompt()) + "\n")
                else:
                    line = stream.readline()
                    if not line:
                        break
                if first:
                    # A byte order mark (Notepad, PowerShell's Out-File) says how the text is
                    # encoded, not what was typed: left in, the first command reads as chat.
                    # Only at the very start: anywhere else it is a character of the text.
                    line, first = line.removeprefix("\ufeff"), False
                self._put(_text(line))
        except EOFError:
            if interactive:  # Ctrl-D: the shell's prompt goes on a line of its own, not after ours
                print(flush=True)
        except (KeyboardInterrupt, OSError, ValueError):
            pass
        self._put(EOF_MARK)


@contextlib.contextmanager
def signals_wake(loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    """Every signal wakes the loop while the console waits for a line.

    Ctrl-C is asyncio.run's handler, which runs only when the main thread runs Python. The
    loop waiting for a line has nothing else to wake it, and the signal interrupts its wait
    only when it is taken there: taken on another thread (the line reader's, the database's)
    or just before the wait begins, it was noted and the loop slept on, so the first Ctrl-C did
    nothing until a second came. Python writes every signal, on whichever thread, to a wakeup
    fd; the loop watching that fd wakes, and the handler runs."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are handled on the main thread only: a loop elsewhere is not theirs
        return
    theirs = signal.set_wakeup_fd(-1)
    if theirs != -1:  # the loop's own signal handling (add_signal_handler) wakes it already
        signal.set_wakeup_fd(theirs)
        yield
        return
    ours, wake = socket.socketpair()
    ours.setblocking(False)
    wake.setblocking(False)
    loop.add_reader(ours.fileno(), _drain, ours)
    signal.set_wakeup_fd(wake.fileno(), warn_on_full_buffer=False)
    try:
        yield
    finally:
        signal.set_wakeup_fd(-1)
        loop.remove_reader(ours.fileno())
        ours.close()
        wake.close()


def _drain(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # nothing left to read: woken is all it was for
        while sock.recv(4096):
            pass


def _text(line: str) -> str:
    """Bytes that were not UTF-8 (Python keeps them as lone surrogates) become U+FFFD, as they
    would have on any platform: nothing downstream can store a lone surrogate."""
    return line.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


class Screen:
    """Where the console prints: each line as the terminal may show it (`shown`)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        # Whoever read it has left (`logoff try | head`), or there was no one (`>&-`, where
        # Python's sys.stdout is None): the run ends instead of failing at every line.
        self.gone = stream is None

    def line(self, text: str) -> None:
        if self.stream is not None and not self.gone:
            try:
                self.stream.write(shown(text) + "\n")
            except BrokenPipeError:
                self._gone()

    def flush(self) -> None:
        if self.stream is not None and not self.gone:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._gone()

    def _gone(self) -> None:
        # Ending the run, as `:quit` does, instead of logging a failure for every line to come;
        # the stream is pointed at /dev/null so that the interpreter's last flush finds it open.
        self.gone = True
        if self.stream is not None:
            with contextlib.suppress(AttributeError, OSError, ValueError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.stream.fileno())


# C0 controls but tab, DEL, and C1 controls (U+009B is a CSI on many terminals, as ESC [ is).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """A line as the terminal may show it: a control character someone typed or put in a name
    (ESC [2J clears the screen, a BEL rings, a CR overwrites the line) is shown as its picture
    (␛, ␇, ␍) instead of acting on the reader's terminal."""
    return _CONTROL.sub(_picture, text)


def _picture(m: re.Match[str]) -> str:
    c = ord(m.group())
    return chr(0x2400 + c) if c < 0x20 else "\u2421" if c == 0x7f else "\ufffd"
