"""A plain PEP 3333 application (no framework) served by ``aiohttp.wsgi``.

    python examples/wsgi_app.py [--host 127.0.0.1] [--port 8000]

then ``curl http://127.0.0.1:8000/`` or
``curl -d 'some text' http://127.0.0.1:8000/echo``. Ctrl-C stops it.

``WSGIServerHttpProtocol(app, readpayload=True)`` runs any WSGI callable
inside the asyncio server. ``readpayload=True`` buffers each request body
into a ``BytesIO`` so that ``environ['wsgi.input'].read()`` is the
ordinary, synchronous PEP 3333 call (without it, ``wsgi.input`` is 0.9's
asynchronous stream). The application runs in the event loop's thread:
keep it quick, and use processes (see ``gunicorn_app.py``) to scale.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Any

from _serving import serve, server_arguments
from aiohttp.wsgi import WSGIServerHttpProtocol

Environ = dict[str, Any]
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """``/``: a greeting with what the server put in the environ;
    ``/echo``: the request body back; anything else: 404."""
    path = environ["PATH_INFO"]
    if path == "/":
        lines = [f"Hello from WSGI! {environ['REQUEST_METHOD']} {path}"]
        # A few of the PEP 3333 keys, to show what an application gets.
        for key in ("SERVER_PROTOCOL", "QUERY_STRING", "REMOTE_ADDR", "wsgi.url_scheme"):
            lines.append(f"{key}: {environ.get(key, '')}")
        body = ("\n".join(lines) + "\n").encode()
        content_type = "text/plain; charset=utf-8"
        status = "200 OK"
    elif path == "/echo":
        body = environ["wsgi.input"].read()
        content_type = environ.get("CONTENT_TYPE") or "application/octet-stream"
        status = "200 OK"
    else:
        body = b"not found\n"
        content_type = "text/plain"
        status = "404 Not Found"
    start_response(status, [("Content-Type", content_type),
                            ("Content-Length", str(len(body)))])
    return [body]


def main() -> None:
    args = server_arguments(__doc__.splitlines()[0] if __doc__ else "")
    asyncio.run(serve(lambda: WSGIServerHttpProtocol(app, readpayload=True),
                      args.host, args.port))


if __name__ == "__main__":
    main()
