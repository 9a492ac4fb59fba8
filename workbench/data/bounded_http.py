"""HTTP reads with an end: the limits of one file's download, and an opener whose connections keep to them.

A per-read timeout alone never ends a server that sends one byte every few seconds (each read is quick):
a 222 KB file at one byte every 5 s takes 13 days. So every read of a connection opened through
``opener(clock)`` waits at most until the earliest of

* the per-read timeout (``fetch(timeout=...)``): a server that stops sending;
* the file's deadline (``Limits.deadline_s``, every attempt and back-off of the file together);
* the moment the connection's average rate, bytes received (headers included) over seconds since it
  opened, would fall below ``Limits.min_rate`` (judged once ``Limits.grace_s`` have passed),

and the read then raises ``DeadlinePassed`` or ``BelowMinRate`` (or the timeout), wherever the bytes are
(status line, headers or body). The size limits (``Limits.max_bytes``, the manifest's size) are applied
by ``workbench.data.fetch`` as the body arrives.
"""

from __future__ import annotations

import functools
import http.client
import io
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.request import HTTPHandler, HTTPSHandler, OpenerDirector, build_opener

from workbench.errors import WorkBenchError

DEADLINE_ENV = "WORKBENCH_FETCH_DEADLINE"
MIN_RATE_ENV = "WORKBENCH_FETCH_MIN_RATE"
MAX_BYTES_ENV = "WORKBENCH_FETCH_MAX_BYTES"


@dataclass(frozen=True)
class Limits:
    """What one file's download may take (defaults, or the environment: ``Limits.from_env``)."""

    deadline_s: float = 3600.0  # the whole file: every attempt and back-off ($WORKBENCH_FETCH_DEADLINE)
    min_rate: float = 1024.0  # B/s averaged over a connection; 0: no minimum ($WORKBENCH_FETCH_MIN_RATE)
    grace_s: float = 30.0  # a connection's rate is judged from then on (a slow start is not cut)
    max_bytes: int = 1 << 30  # a file of unknown size (none recorded) stops here ($WORKBENCH_FETCH_MAX_BYTES)

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, overridden by the environment; one line (WorkBenchError) naming a bad value."""
        return cls(
            deadline_s=_env_number(DEADLINE_ENV, cls.deadline_s, float, lambda v: v > 0, "a number of seconds > 0"),
            min_rate=_env_number(
                MIN_RATE_ENV, cls.min_rate, float, lambda v: v >= 0, "a number of bytes per second >= 0 (0: none)"
            ),
            max_bytes=_env_number(MAX_BYTES_ENV, cls.max_bytes, int, lambda v: v > 0, "a whole number of bytes > 0"),
        )


def _env_number(name: str, default, parse: Callable, valid: Callable, expected: str):
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = parse(raw.strip())
    except ValueError:
        value = None
    if value is None or not math.isfinite(value) or not valid(value):
        raise WorkBenchError(f"{name}={raw!r}: expected {expected}")
    return value


class DeadlinePassed(Exception):
    """The file's deadline passed: no further attempt."""


class BelowMinRate(Exception):
    """A connection fell below the minimum average rate: cut it (another attempt may resume)."""


class Clock:
    """The time limits of one file: its deadline (fixed when the clock is made) and the per-read timeout."""

    def __init__(self, limits: Limits, timeout: float):
        self.limits, self.timeout = limits, timeout
        self.end = time.monotonic() + limits.deadline_s

    def left(self) -> float:
        return self.end - time.monotonic()

    def expired(self) -> DeadlinePassed:
        return DeadlinePassed(f"no complete file within the deadline of {self.limits.deadline_s:g} s ({DEADLINE_ENV})")

    def wait(self, started: float, received: int, slack: float = 0.0) -> float:
        """How long the next read of a connection (opened at ``started``, ``received`` bytes so far) may
        wait; raises when the deadline has passed or the connection is below the minimum rate. ``slack``:
        judge as if that much later (a read that timed out ends on the clock's instant, give or take)."""
        now = time.monotonic() + slack
        if now >= self.end:
            raise self.expired()
        wait = min(self.timeout, self.end - now)
        rate = self.limits.min_rate
        if rate > 0:
            # until `judged` the average is still >= rate (or not yet judged): only then can it fail
            judged, elapsed = max(self.limits.grace_s, received / rate), now - started
            if elapsed >= judged:
                raise BelowMinRate(
                    f"slower than the minimum average rate of {rate:g} B/s ({MIN_RATE_ENV}): "
                    f"{received} bytes in {elapsed:.1f} s"
                )
            wait = min(wait, judged - elapsed)
        return wait


class _PacedReader(io.RawIOBase):
    """The raw byte stream of one connection; every read waits at most what the clock allows."""

    def __init__(self, sock, clock: Clock):
        super().__init__()
        self._sock, self._raw, self._clock = sock, sock.makefile("rb", buffering=0), clock
        self._started, self._received = time.monotonic(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        self._sock.settimeout(max(self._clock.wait(self._started, self._received), 0.001))
        try:
            n = self._raw.readinto(buffer)
        except TimeoutError:
            self._clock.wait(self._started, self._received, slack=0.005)  # raises if the wait was the clock's
            raise  # the per-read timeout
        self._received += n or 0
        return n

    def close(self) -> None:
        self._raw.close()  # the socket itself closes once its last reader does (socket.makefile's count)
        super().close()


class _PacedSocket:
    """A connected socket (plain or TLS) whose reader is a `_PacedReader`; everything else passes through."""

    def __init__(self, sock, clock: Clock):
        self._sock, self._clock = sock, clock

    def makefile(self, mode: str = "rb", *args, **kwargs):  # http.client reads responses through this
        return io.BufferedReader(_PacedReader(self._sock, self._clock))

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class _PacedConnection:
    """Mixin for http.client connections: once connected (TLS included), reads follow the clock."""

    def __init__(self, *args, clock: Clock, **kwargs):
        super().__init__(*args, **kwargs)
        self.clock = clock

    def connect(self) -> None:
        super().connect()
        self.sock = _PacedSocket(self.sock, self.clock)


class _PacedHTTP(_PacedConnection, http.client.HTTPConnection):
    pass


class _PacedHTTPS(_PacedConnection, http.client.HTTPSConnection):
    pass


class _PacedHandler:
    """Mixin for urllib's HTTP(S) handlers: their connections are paced by ``clock``."""

    connection: type

    def __init__(self, clock: Clock, **kwargs):
        super().__init__(**kwargs)
        self.clock = clock

    def do_open(self, http_class, req, **kwargs):
        return super().do_open(functools.partial(self.connection, clock=self.clock), req, **kwargs)


class _PacedHTTPHandler(_PacedHandler, HTTPHandler):
    connection = _PacedHTTP


class _PacedHTTPSHandler(_PacedHandler, HTTPSHandler):
    connection = _PacedHTTPS


def opener(clock: Clock) -> OpenerDirector:
    """urllib's default opener (proxies, redirects, errors), its HTTP and HTTPS connections paced by ``clock``."""
    return build_opener(_PacedHTTPHandler(clock), _PacedHTTPSHandler(clock))
