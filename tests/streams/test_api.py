"""Every public name of the reference for streams, parsers, errors and log exists."""

from __future__ import annotations

import inspect
import logging

import aiohttp.errors
import aiohttp.log
import aiohttp.parsers
import aiohttp.streams

STREAMS = ["EofStream", "StreamReader", "DataQueue", "ChunksQueue", "FlowControlStreamReader",
           "FlowControlDataQueue", "FlowControlChunksQueue"]
PARSERS = ["EofStream", "StreamParser", "StreamProtocol", "ParserBuffer", "LinesParser",
           "ChunksParser"]
METHODS = {
    aiohttp.streams.StreamReader: ["at_eof", "exception", "feed_data", "feed_eof", "is_eof", "read",
                                   "read_nowait", "readany", "readexactly", "readline",
                                   "set_exception", "wait_eof"],
    aiohttp.streams.DataQueue: ["at_eof", "exception", "feed_data", "feed_eof", "is_eof", "read",
                                "set_exception"],
    aiohttp.streams.ChunksQueue: ["read", "readany"],
    aiohttp.streams.FlowControlChunksQueue: ["read", "readany"],
    aiohttp.parsers.StreamParser: ["at_eof", "exception", "feed_data", "feed_eof", "pause_stream",
                                   "resume_stream", "set_exception", "set_parser",
                                   "set_transport", "unset_parser"],
    aiohttp.parsers.StreamProtocol: ["connection_lost", "connection_made", "data_received",
                                     "eof_received", "is_connected"],
    aiohttp.parsers.ParserBuffer: ["exception", "feed_data", "read", "readsome", "readuntil",
                                   "set_exception", "skip", "skipuntil", "wait", "waituntil"],
}
ASYNC = {"read", "readany", "readexactly", "readline", "wait_eof"}


def test_all_lists() -> None:
    assert aiohttp.streams.__all__ == STREAMS
    assert aiohttp.parsers.__all__ == PARSERS
    assert aiohttp.parsers.EofStream is aiohttp.streams.EofStream
    for module in (aiohttp.streams, aiohttp.parsers, aiohttp.errors):
        for name in module.__all__:
            assert hasattr(module, name), (module.__name__, name)


def test_methods_exist_and_reads_are_coroutines() -> None:
    for cls, names in METHODS.items():
        for name in names:
            method = getattr(cls, name)
            assert callable(method), (cls, name)
            if cls is not aiohttp.parsers.ParserBuffer and name in ASYNC:
                assert inspect.iscoroutinefunction(method), (cls, name)
    assert inspect.isgeneratorfunction(aiohttp.parsers.ParserBuffer.readuntil)
    assert isinstance(aiohttp.parsers.StreamParser.output, property)


def test_signatures_match_the_reference() -> None:
    def params(obj: object) -> list[str]:
        return list(inspect.signature(obj).parameters)  # type: ignore[arg-type]

    assert params(aiohttp.streams.StreamReader) == ["limit", "loop"]
    assert params(aiohttp.streams.DataQueue) == ["loop"]
    assert params(aiohttp.streams.FlowControlDataQueue) == ["stream", "loop"]
    assert params(aiohttp.streams.FlowControlStreamReader)[0] == "stream"
    assert params(aiohttp.parsers.StreamParser) == ["loop", "buf", "paused", "limit"]
    assert params(aiohttp.parsers.ParserBuffer) == ["args", "limit"]
    assert params(aiohttp.parsers.StreamParser.set_parser) == ["self", "parser", "output"]
    assert params(aiohttp.parsers.LinesParser) == ["limit"]
    assert params(aiohttp.parsers.ChunksParser) == ["size"]
    assert params(aiohttp.parsers.ParserBuffer.readuntil) == ["self", "stop", "limit"]
    assert params(aiohttp.parsers.ParserBuffer.readsome) == ["self", "size"]


def test_defaults() -> None:
    assert aiohttp.parsers.BUF_LIMIT == 2**14
    assert aiohttp.parsers.DEFAULT_LIMIT == 2**16
    assert aiohttp.streams.DEFAULT_LIMIT == 2**16
    assert aiohttp.streams.EOF_MARKER == b""
    assert aiohttp.parsers.ParserBuffer().limit == 2**14
    assert isinstance(aiohttp.parsers.ParserBuffer(), bytearray)


def test_loggers() -> None:
    expected = {
        "access_log": "aiohttp.access",
        "client_log": "aiohttp.client",
        "internal_log": "aiohttp.internal",
        "server_log": "aiohttp.server",
        "websocket_log": "aiohttp.websocket",
    }
    for attr, name in expected.items():
        logger = getattr(aiohttp.log, attr)
        assert isinstance(logger, logging.Logger)
        assert logger is logging.getLogger(name)
