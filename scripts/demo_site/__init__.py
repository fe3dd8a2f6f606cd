"""The demo site: one HTTP server process that shows every part of the toolkit.

``scripts/demo.py`` runs it. The pieces, one job each:

* ``app``: the server protocol (a ``WSGIServerHttpProtocol``) that routes
  each request, and ``DemoServer``, which listens and shuts down cleanly;
* ``page``: the HTML of the index page and of the upload result;
* ``upload``: the WSGI application behind ``POST /upload`` and its
  streaming ``multipart/form-data`` parser;
* ``download``: the deterministic ``/download`` body and its digest;
* ``chat``: the broadcast hub of the ``/ws`` chat;
* ``check``: the self-test run by ``demo.py --check``.
"""
