"""ParserBuffer: every reading method driven by hand as a generator.

Each test creates the method's generator, primes it with ``next()``, sends
chunks into it and takes the result from ``StopIteration.value`` -- exactly
what ``yield from`` does inside a parser.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TypeVar

import pytest

from aiohttp.errors import LineLimitExceededParserError, ParserError
from aiohttp.parsers import BUF_LIMIT, ParserBuffer

T = TypeVar("T")


def finish(gen: Generator[None, bytes, T], chunks: Sequence[bytes] = ()) -> T:
    """Prime ``gen``, send ``chunks`` and return its result.

    Fails unless the generator returns exactly on the last chunk (or on
    priming when there are no chunks): a method that returns too early or
    waits for more than it needs is a bug too.
    """
    try:
        next(gen)
    except StopIteration as stop:
        assert not chunks, "returned on priming, before any chunk was sent"
        return stop.value  # type: ignore[no-any-return]
    for index, chunk in enumerate(chunks):
        try:
            gen.send(chunk)
        except StopIteration as stop:
            assert index == len(chunks) - 1, f"returned after chunk {index} of {len(chunks)}"
            return stop.value  # type: ignore[no-any-return]
    gen.close()
    raise AssertionError("still waiting after the last chunk")


def suspended(gen: Generator[None, bytes, T], *chunks: bytes) -> Generator[None, bytes, T]:
    """Prime ``gen`` and send ``chunks``, asserting that it keeps waiting."""
    next(gen)
    for chunk in chunks:
        gen.send(chunk)
    return gen


# -- construction, feed_data, exceptions --------------------------------------------


def test_is_a_bytearray_with_initial_content_and_limit() -> None:
    buf = ParserBuffer(b"abc", limit=5)
    assert isinstance(buf, bytearray)
    assert buf == b"abc"
    assert buf.limit == 5


def test_default_limit() -> None:
    assert BUF_LIMIT == 2**14
    assert ParserBuffer().limit == BUF_LIMIT


@pytest.mark.parametrize("limit", [0, -1])
def test_non_positive_limit_is_rejected(limit: int) -> None:
    with pytest.raises(ValueError):
        ParserBuffer(limit=limit)


def test_limit_is_read_only() -> None:
    buf = ParserBuffer(limit=5)
    with pytest.raises(AttributeError):
        buf.limit = 6  # type: ignore[misc]


def test_feed_data_appends_and_ignores_empty() -> None:
    buf = ParserBuffer()
    buf.feed_data(b"ab")
    buf.feed_data(b"")
    buf.feed_data(b"cd")
    assert buf == b"abcd"


def test_set_exception_is_raised_by_the_next_feed_once_and_data_is_kept() -> None:
    buf = ParserBuffer(b"a")
    exc = RuntimeError("broken")
    assert buf.exception() is None
    buf.set_exception(exc)
    assert buf.exception() is exc
    with pytest.raises(RuntimeError) as info:
        buf.feed_data(b"bc")
    assert info.value is exc
    assert buf == b"abc"
    # Raised once: it is cleared, and the next feed goes through.
    assert buf.exception() is None
    buf.feed_data(b"d")
    assert buf == b"abcd"


def test_set_exception_is_raised_by_an_empty_feed_too() -> None:
    buf = ParserBuffer()
    buf.set_exception(KeyError("k"))
    with pytest.raises(KeyError):
        buf.feed_data(b"")
    assert buf == b""


def test_set_exception_surfaces_in_a_suspended_read() -> None:
    buf = ParserBuffer()
    gen = suspended(buf.read(4), b"ab")
    exc = OSError("reset")
    buf.set_exception(exc)
    with pytest.raises(OSError) as info:
        gen.send(b"cd")
    assert info.value is exc
    # The data that came with the failing feed is still stored.
    assert buf == b"abcd"
    assert buf.exception() is None


# -- read ---------------------------------------------------------------------------


def test_read_returns_on_priming_when_data_is_buffered() -> None:
    buf = ParserBuffer(b"abcdef")
    gen = buf.read(4)
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == b"abcd"
    assert buf == b"ef"


def test_read_collects_many_sends() -> None:
    buf = ParserBuffer(b"a")
    gen = buf.read(10)
    next(gen)
    for chunk in (b"b", b"", b"cdef", b"gh"):
        gen.send(chunk)
    with pytest.raises(StopIteration) as stop:
        gen.send(b"ijkl")
    assert stop.value.value == b"abcdefghij"
    assert buf == b"kl"


def test_read_returns_bytes_not_bytearray() -> None:
    result = finish(ParserBuffer(b"xy").read(2))
    assert type(result) is bytes


def test_read_zero_returns_at_once() -> None:
    buf = ParserBuffer(b"ab")
    assert finish(buf.read(0)) == b""
    assert buf == b"ab"


# -- readsome -----------------------------------------------------------------------


def test_readsome_without_size_returns_everything_buffered() -> None:
    buf = ParserBuffer(b"abcdef")
    assert finish(buf.readsome()) == b"abcdef"
    assert buf == b""


def test_readsome_with_size_returns_at_most_size() -> None:
    buf = ParserBuffer(b"abcdef")
    assert finish(buf.readsome(4)) == b"abcd"
    assert buf == b"ef"
    assert finish(buf.readsome(4)) == b"ef"
    assert buf == b""


def test_readsome_returns_buffered_bytes_without_waiting_for_size() -> None:
    buf = ParserBuffer(b"a")
    assert finish(buf.readsome(100)) == b"a"


def test_readsome_waits_past_empty_chunks() -> None:
    buf = ParserBuffer()
    assert finish(buf.readsome(), [b"", b"", b"xyz"]) == b"xyz"


@pytest.mark.parametrize("size", [None, 3, 10])
def test_readsome_hands_over_the_very_chunk_when_it_fits(size: int | None) -> None:
    buf = ParserBuffer()
    chunk = b"xyz"
    result = finish(buf.readsome(size), [chunk])
    assert result is chunk
    assert buf == b""


def test_read_and_readsome_take_bytes_and_leave_the_buffer_usable() -> None:
    buf = ParserBuffer(b"abcdef")
    part = finish(buf.read(2))
    assert type(part) is bytes and part == b"ab"
    buf.extend(b"gh")  # no view of the buffer is left behind
    rest = finish(buf.readsome())
    assert type(rest) is bytes and rest == b"cdefgh"
    assert buf == b""
    buf.extend(b"ij")
    assert finish(buf.readsome(1)) == b"i" and buf == b"j"


def test_readsome_splits_a_chunk_larger_than_size() -> None:
    buf = ParserBuffer()
    assert finish(buf.readsome(2), [b"xyz"]) == b"xy"
    assert buf == b"z"


def test_readsome_does_not_take_the_shortcut_when_an_exception_is_set() -> None:
    buf = ParserBuffer()
    gen = suspended(buf.readsome())
    buf.set_exception(ValueError("bad"))
    with pytest.raises(ValueError, match="bad"):
        gen.send(b"xyz")
    assert buf == b"xyz"


# -- readuntil ----------------------------------------------------------------------


def test_readuntil_returns_on_priming_through_the_first_stop() -> None:
    buf = ParserBuffer(b"one\r\ntwo\r\n")
    gen = buf.readuntil(b"\r\n")
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == b"one\r\n"
    assert buf == b"two\r\n"


def test_readuntil_collects_many_sends() -> None:
    buf = ParserBuffer()
    result = finish(buf.readuntil(b"\n"), [b"he", b"", b"ll", b"o", b" world\nnext"])
    assert result == b"hello world\n"
    assert buf == b"next"


def test_readuntil_finds_a_stop_split_across_chunks() -> None:
    buf = ParserBuffer()
    assert finish(buf.readuntil(b"\r\n"), [b"line\r", b"\nrest"]) == b"line\r\n"
    assert buf == b"rest"


def test_readuntil_finds_a_long_stop_sent_byte_by_byte() -> None:
    buf = ParserBuffer(b"HEAD")
    chunks = [b"\r", b"\n", b"\r", b"\nbody"]
    assert finish(buf.readuntil(b"\r\n\r\n"), chunks) == b"HEAD\r\n\r\n"
    assert buf == b"body"


def test_readuntil_does_not_match_a_partial_stop() -> None:
    # b"\r\n\r" looks like the start of the stop; only the later full one counts.
    buf = ParserBuffer()
    result = finish(buf.readuntil(b"\r\n\r\n"), [b"a\r\n\r", b"b\r\n", b"\r\n"])
    assert result == b"a\r\n\rb\r\n\r\n"


def test_readuntil_accepts_a_match_ending_exactly_at_the_limit() -> None:
    buf = ParserBuffer(b"abc\r\nzz", limit=5)
    assert finish(buf.readuntil(b"\r\n")) == b"abc\r\n"


def test_readuntil_accepts_a_split_stop_completing_exactly_at_the_limit() -> None:
    buf = ParserBuffer(limit=5)
    assert finish(buf.readuntil(b"\r\n"), [b"abc\r", b"\nmore"]) == b"abc\r\n"
    assert buf == b"more"


def test_readuntil_rejects_a_buffered_match_ending_beyond_the_limit() -> None:
    buf = ParserBuffer(b"abcd\r\n", limit=5)
    with pytest.raises(LineLimitExceededParserError) as info:
        next(buf.readuntil(b"\r\n"))
    assert info.value.limit == 5
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, ParserError)


def test_readuntil_rejects_a_match_completed_beyond_the_limit_by_a_later_chunk() -> None:
    buf = ParserBuffer(limit=5)
    gen = suspended(buf.readuntil(b"\r\n"), b"abcd")
    with pytest.raises(LineLimitExceededParserError) as info:
        gen.send(b"\r\n")
    assert info.value.limit == 5


def test_readuntil_fails_as_soon_as_the_buffer_reaches_the_limit_without_a_match() -> None:
    buf = ParserBuffer(limit=8)
    gen = suspended(buf.readuntil(b"\n"), b"abc", b"def")
    # 9 bytes without a newline: no later byte can bring the match within 8.
    with pytest.raises(LineLimitExceededParserError) as info:
        gen.send(b"ghi")
    assert info.value.limit == 8


def test_readuntil_explicit_limit_overrides_a_smaller_constructor_limit() -> None:
    buf = ParserBuffer(limit=4)
    assert finish(buf.readuntil(b"\n", limit=10), [b"abcdefg\n"]) == b"abcdefg\n"
    # Without the argument the constructor's limit applies.
    gen = suspended(ParserBuffer(limit=4).readuntil(b"\n"))
    with pytest.raises(LineLimitExceededParserError) as info:
        gen.send(b"abcdefg\n")
    assert info.value.limit == 4


def test_readuntil_explicit_limit_overrides_a_larger_constructor_limit() -> None:
    buf = ParserBuffer(b"abcdefg\n", limit=100)
    with pytest.raises(LineLimitExceededParserError) as info:
        next(buf.readuntil(b"\n", limit=3))
    assert info.value.limit == 3


def test_readuntil_default_limit_applies_without_a_constructor_limit() -> None:
    buf = ParserBuffer()
    with pytest.raises(LineLimitExceededParserError) as info:
        finish(buf.readuntil(b"\n"), [b"x" * BUF_LIMIT])
    assert info.value.limit == BUF_LIMIT


@pytest.mark.parametrize("method", ["readuntil", "waituntil", "skipuntil"])
def test_empty_stop_is_rejected(method: str) -> None:
    buf = ParserBuffer(b"data")
    gen = getattr(buf, method)(b"")
    with pytest.raises(ValueError):
        next(gen)
    assert buf == b"data"


# -- waituntil ----------------------------------------------------------------------


def test_waituntil_does_not_consume() -> None:
    buf = ParserBuffer(b"key: value\r\nmore")
    assert finish(buf.waituntil(b"\r\n")) == b"key: value\r\n"
    assert buf == b"key: value\r\nmore"


def test_waituntil_with_stop_split_across_chunks() -> None:
    buf = ParserBuffer()
    assert finish(buf.waituntil(b"\r\n"), [b"ab\r", b"", b"\ncd"]) == b"ab\r\n"
    assert buf == b"ab\r\ncd"


def test_waituntil_returns_bytes() -> None:
    assert type(finish(ParserBuffer(b"a;").waituntil(b";"))) is bytes


def test_waituntil_enforces_limits() -> None:
    gen = suspended(ParserBuffer(limit=4).waituntil(b";"), b"ab")
    with pytest.raises(LineLimitExceededParserError) as info:
        gen.send(b"cde;")
    assert info.value.limit == 4
    # An explicit limit takes precedence over the constructor's.
    buf = ParserBuffer(b"abcde;", limit=4)
    assert finish(buf.waituntil(b";", limit=6)) == b"abcde;"
    with pytest.raises(LineLimitExceededParserError) as info:
        next(ParserBuffer(b"abcde;").waituntil(b";", limit=5))
    assert info.value.limit == 5


# -- wait ---------------------------------------------------------------------------


def test_wait_returns_on_priming_without_consuming() -> None:
    buf = ParserBuffer(b"abcdef")
    gen = buf.wait(3)
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == b"abc"
    assert buf == b"abcdef"


def test_wait_collects_many_sends_without_consuming() -> None:
    buf = ParserBuffer()
    result = finish(buf.wait(5), [b"a", b"", b"bc", b"def"])
    assert result == b"abcde"
    assert type(result) is bytes
    assert buf == b"abcdef"


# -- skip ---------------------------------------------------------------------------


def test_skip_buffered_bytes() -> None:
    buf = ParserBuffer(b"abcdef")
    assert finish(buf.skip(4)) is None
    assert buf == b"ef"


def test_skip_larger_than_any_chunk_does_not_hold_skipped_bytes() -> None:
    buf = ParserBuffer(b"ab")
    gen = buf.skip(10)
    next(gen)
    for chunk in (b"cde", b"", b"fgh"):
        gen.send(chunk)
        # Skipped bytes are dropped as they arrive.
        assert len(buf) <= 3
    with pytest.raises(StopIteration):
        gen.send(b"ijKLM")
    assert buf == b"KLM"


def test_skip_exact_total() -> None:
    buf = ParserBuffer()
    finish(buf.skip(6), [b"abc", b"def"])
    assert buf == b""


# -- skipuntil ----------------------------------------------------------------------


def test_skipuntil_buffered() -> None:
    buf = ParserBuffer(b"junk\r\nkeep")
    assert finish(buf.skipuntil(b"\r\n")) is None
    assert buf == b"keep"


def test_skipuntil_with_stop_split_across_chunks() -> None:
    buf = ParserBuffer()
    finish(buf.skipuntil(b"\r\n"), [b"junk\r", b"\nkeep"])
    assert buf == b"keep"


def test_skipuntil_long_stop_split_over_three_chunks() -> None:
    buf = ParserBuffer(b"--bou")
    finish(buf.skipuntil(b"--boundary"), [b"n", b"d", b"arytail"])
    assert buf == b"tail"


def test_skipuntil_keeps_only_a_possible_stop_prefix_while_waiting() -> None:
    buf = ParserBuffer()
    stop = b"END!"
    gen = buf.skipuntil(stop)
    next(gen)
    for chunk in (b"x" * 100, b"y" * 50 + b"EN", b"D", b"z" * 30):
        gen.send(chunk)
        assert len(buf) <= len(stop) - 1
    with pytest.raises(StopIteration):
        gen.send(b"..END!after")
    assert buf == b"after"


def test_skipuntil_stops_at_the_first_occurrence() -> None:
    buf = ParserBuffer(b"a;b;c")
    finish(buf.skipuntil(b";"))
    assert buf == b"b;c"
