"""The aiohttp 0.9 API, re-implemented as separately installable packages.

This file belongs to the ``aiohttp`` meta-package alone. Every component
(``aiohttp-streams``, ``-protocol``, ``-client``, ``-server``, ``-websocket``)
ships its modules as a portion of this namespace; extending ``__path__`` first
lets portions installed in other directories (editable installs, the user
site) be found as well.

``import aiohttp`` imports nothing else. Every public name of ``client``,
``connector``, ``errors``, ``helpers``, ``parsers``, ``protocol``, ``server``,
``streams``, ``websocket``, ``websocket_client`` and ``wsgi`` is an attribute of
the package all the same: the first use of a name imports the one module that
defines it (PEP 562). The names of ``worker`` are reached the same way, so
gunicorn is imported only by code that asks for a worker class. Submodules are
attributes too: ``aiohttp.websocket.MSG_TEXT`` works after ``import aiohttp``.

As in 0.9, ``from aiohttp import *`` binds ``ConnectionError`` and
``TimeoutError`` to the classes of ``aiohttp.errors``, hiding the builtins of
the same names in the importing module.

aiohttp 3.x is another project with the same import name. Its files and ours
cannot share a directory, or a ``__path__``: the first import refuses with an
``ImportError`` that names the directory, rather than mixing modules of both.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)

import importlib  # noqa: E402 (after the __path__ line, which must come first)
import os  # noqa: E402
from typing import TYPE_CHECKING, Any  # noqa: E402

__version__ = "0.1.0"

# Files that aiohttp 3.x installs and no package of ours ships. One of them
# beside our modules means two projects share the directory.
_FOREIGN_FILES = ("web.py", "web_app.py", "client_reqrep.py", "hdrs.py", "http_parser.py")


def _refuse_foreign(directories: list[str]) -> None:
    for directory in directories:
        for name in _FOREIGN_FILES:
            if os.path.exists(os.path.join(directory, name)):
                raise ImportError(
                    f"cannot import aiohttp (the 0.9 API toolkit): {directory} also holds "
                    f"{name} of aiohttp 3.x, a different project with the same import name. "
                    "Install them in separate virtual environments (uninstall aiohttp 3.x and "
                    "reinstall the aiohttp-* packages here, or use another venv).",
                    name="aiohttp", path=os.path.join(directory, name))


_refuse_foreign(list(__path__))

# Where each public name lives: the ``__all__`` of each module, in the order
# 0.9 star-imported them. tests/meta checks this table against the modules.
_EXPORTS: dict[str, str] = {
    "protocol": "HttpMessage HttpPayloadParser HttpPrefixParser HttpRequestParser "
                "HttpResponseParser HttpVersion HttpVersion10 HttpVersion11 RawRequestMessage "
                "RawResponseMessage Request Response",
    "connector": "BaseConnector ProxyConnector SocketConnector TCPConnector UnixConnector "
                 "UnixSocketConnector",
    "client": "ClientRequest ClientResponse HttpClient TooManyRedirects request",
    "errors": "HttpException HttpErrorException HttpBadRequest HttpMethodNotAllowed "
              "IncompleteRead BadStatusLine LineTooLong InvalidHeader TooManyHeaders "
              "TransferEncodingError ContentEncodingError PayloadTooLarge ConnectionError "
              "OsConnectionError ClientConnectionError TimeoutError ProxyConnectionError "
              "HttpProxyError",
    "helpers": "BasicAuth FormData parse_mimetype",
    "parsers": "EofStream StreamParser StreamProtocol ParserBuffer LinesParser ChunksParser",
    "streams": "StreamReader DataQueue ChunksQueue FlowControlStreamReader "
               "FlowControlDataQueue FlowControlChunksQueue",
    "server": "ServerHttpProtocol",
    "wsgi": "WSGIServerHttpProtocol",
    "websocket": "MSG_BINARY MSG_CLOSE MSG_PING MSG_PONG MSG_TEXT Message WebSocketConnection "
                 "WebSocketError WebSocketParser WebSocketWriter accept_websocket do_handshake",
    "websocket_client": "WebSocketHandshakeError ws_connect",
}
#: The worker classes need gunicorn (``aiohttp-server[gunicorn]``); they are
#: attributes, but not in ``__all__``, so ``from aiohttp import *`` works
#: without gunicorn.
_WORKER_NAMES = ("AsyncGunicornWorker", "PortMapperWorker")

_SUBMODULES = frozenset(
    ("client", "connector", "errors", "helpers", "log", "parsers", "protocol", "server",
     "streams", "utils", "websocket", "websocket_client", "worker", "wsgi"))

_HOME: dict[str, str] = {name: module for module, names in _EXPORTS.items()
                         for name in names.split()}
_HOME.update(dict.fromkeys(_WORKER_NAMES, "worker"))

__all__ = [*_HOME.keys() - set(_WORKER_NAMES), "__version__"]
__all__.sort()


def __getattr__(name: str) -> Any:
    """Import the module behind a public name on its first use (PEP 562)."""
    module = _HOME.get(name)
    if module is not None:
        value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME, *_SUBMODULES})


if TYPE_CHECKING:  # what the names are, for type checkers; at run time see __getattr__
    from .client import ClientRequest as ClientRequest
    from .client import ClientResponse as ClientResponse
    from .client import HttpClient as HttpClient
    from .client import TooManyRedirects as TooManyRedirects
    from .client import request as request
    from .connector import BaseConnector as BaseConnector
    from .connector import ProxyConnector as ProxyConnector
    from .connector import SocketConnector as SocketConnector
    from .connector import TCPConnector as TCPConnector
    from .connector import UnixConnector as UnixConnector
    from .connector import UnixSocketConnector as UnixSocketConnector
    from .errors import BadStatusLine as BadStatusLine
    from .errors import ClientConnectionError as ClientConnectionError
    from .errors import ConnectionError as ConnectionError  # noqa: A004 (0.9's name)
    from .errors import ContentEncodingError as ContentEncodingError
    from .errors import HttpBadRequest as HttpBadRequest
    from .errors import HttpErrorException as HttpErrorException
    from .errors import HttpException as HttpException
    from .errors import HttpMethodNotAllowed as HttpMethodNotAllowed
    from .errors import HttpProxyError as HttpProxyError
    from .errors import IncompleteRead as IncompleteRead
    from .errors import InvalidHeader as InvalidHeader
    from .errors import LineTooLong as LineTooLong
    from .errors import OsConnectionError as OsConnectionError
    from .errors import PayloadTooLarge as PayloadTooLarge
    from .errors import ProxyConnectionError as ProxyConnectionError
    from .errors import TimeoutError as TimeoutError  # noqa: A004 (0.9's name)
    from .errors import TooManyHeaders as TooManyHeaders
    from .errors import TransferEncodingError as TransferEncodingError
    from .helpers import BasicAuth as BasicAuth
    from .helpers import FormData as FormData
    from .helpers import parse_mimetype as parse_mimetype
    from .parsers import ChunksParser as ChunksParser
    from .parsers import EofStream as EofStream
    from .parsers import LinesParser as LinesParser
    from .parsers import ParserBuffer as ParserBuffer
    from .parsers import StreamParser as StreamParser
    from .parsers import StreamProtocol as StreamProtocol
    from .protocol import HttpMessage as HttpMessage
    from .protocol import HttpPayloadParser as HttpPayloadParser
    from .protocol import HttpPrefixParser as HttpPrefixParser
    from .protocol import HttpRequestParser as HttpRequestParser
    from .protocol import HttpResponseParser as HttpResponseParser
    from .protocol import HttpVersion as HttpVersion
    from .protocol import HttpVersion10 as HttpVersion10
    from .protocol import HttpVersion11 as HttpVersion11
    from .protocol import RawRequestMessage as RawRequestMessage
    from .protocol import RawResponseMessage as RawResponseMessage
    from .protocol import Request as Request
    from .protocol import Response as Response
    from .server import ServerHttpProtocol as ServerHttpProtocol
    from .streams import ChunksQueue as ChunksQueue
    from .streams import DataQueue as DataQueue
    from .streams import FlowControlChunksQueue as FlowControlChunksQueue
    from .streams import FlowControlDataQueue as FlowControlDataQueue
    from .streams import FlowControlStreamReader as FlowControlStreamReader
    from .streams import StreamReader as StreamReader
    from .websocket import MSG_BINARY as MSG_BINARY
    from .websocket import MSG_CLOSE as MSG_CLOSE
    from .websocket import MSG_PING as MSG_PING
    from .websocket import MSG_PONG as MSG_PONG
    from .websocket import MSG_TEXT as MSG_TEXT
    from .websocket import Message as Message
    from .websocket import WebSocketConnection as WebSocketConnection
    from .websocket import WebSocketError as WebSocketError
    from .websocket import WebSocketParser as WebSocketParser
    from .websocket import WebSocketWriter as WebSocketWriter
    from .websocket import accept_websocket as accept_websocket
    from .websocket import do_handshake as do_handshake
    from .websocket_client import WebSocketHandshakeError as WebSocketHandshakeError
    from .websocket_client import ws_connect as ws_connect
    from .worker import AsyncGunicornWorker as AsyncGunicornWorker
    from .worker import PortMapperWorker as PortMapperWorker
    from .wsgi import WSGIServerHttpProtocol as WSGIServerHttpProtocol
