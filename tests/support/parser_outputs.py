"""What the test suites feed parsers' results into.

A parser (``aiohttp.parsers`` contract) writes to any object with
``feed_data``, ``feed_eof`` and ``set_exception``. ``Collector`` records all
three so that a test can look at them afterwards. It lives here, on pytest's
``pythonpath`` (pyproject.toml), so that every test file uses the same one.
"""

from __future__ import annotations

from typing import Any


class Collector:
    """A parser output that records what it is given.

    ``items`` are the fed items in order, ``eof`` counts ``feed_eof()`` calls
    (a body parser run by ``StreamParser`` ends its output twice, as in 0.9)
    and ``exc`` is the exception set on it, if any.
    """

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.eof = 0
        self.exc: BaseException | None = None

    def feed_data(self, item: Any) -> None:
        self.items.append(item)

    def feed_eof(self) -> None:
        self.eof += 1

    def set_exception(self, exc: BaseException) -> None:
        self.exc = exc
