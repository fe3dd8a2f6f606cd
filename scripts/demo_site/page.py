"""The demo's HTML: the index page and the upload result page.

Plain, self-contained pages: inline CSS and vanilla JavaScript, no external
resource, so the demo works offline and a browser test sees exactly what
the server sent. The element ids are part of the demo contract (the
browser test and the examples find elements by them).
"""

from __future__ import annotations

import html

_STYLE = """
  :root { color-scheme: light dark; --accent: #2f6fdf; --muted: #8a8f98; }
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto;
         padding: 0 1rem; }
  h1 { font-size: 1.6rem; margin-bottom: .2rem; }
  h2 { font-size: 1.15rem; margin: 0 0 .6rem; }
  section { border: 1px solid #8884; border-radius: .6rem; padding: 1rem 1.2rem;
            margin: 1rem 0; }
  .muted { color: var(--muted); }
  form { display: flex; gap: .5rem; flex-wrap: wrap; align-items: center; }
  input[type=text] { flex: 1; min-width: 12rem; padding: .4rem .6rem; font: inherit;
                     border: 1px solid #8886; border-radius: .4rem; }
  button { padding: .4rem 1rem; font: inherit; border: 0; border-radius: .4rem;
           background: var(--accent); color: white; cursor: pointer; }
  #chat-log { list-style: none; padding: 0; margin: .8rem 0 0; max-height: 16rem;
              overflow-y: auto; }
  #chat-log li { padding: .25rem .5rem; border-bottom: 1px solid #8882;
                 overflow-wrap: anywhere; }
  #ws-status { font-weight: 600; }
  #ws-status.open { color: #2a9d4b; }
  #ws-status.closed { color: #d04040; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
  dt { font-weight: 600; }
  dd { margin: 0; font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
  a { color: var(--accent); }
"""

INDEX_HTML = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>aiohttp demo</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>aiohttp demo</h1>
<p class="muted">One process: HTTP/1.1 server, WSGI application, WebSocket chat,
streaming responses.</p>

<section>
  <h2>Chat <span class="muted">(WebSocket: <span id="ws-status">connecting</span>)</span></h2>
  <form id="chat-form" autocomplete="off">
    <input type="text" id="chat-input" placeholder="Say something to everyone here"
           maxlength="4000">
    <button type="submit" id="chat-send">Send</button>
  </form>
  <ul id="chat-log"></ul>
</section>

<section>
  <h2>Upload <span class="muted">(multipart/form-data, read by a WSGI app)</span></h2>
  <form id="upload-form" method="post" action="/upload" enctype="multipart/form-data">
    <input type="file" name="file" id="upload-file">
    <input type="text" name="note" id="upload-note" placeholder="A note about the file">
    <button type="submit" id="upload-submit">Upload</button>
  </form>
  <p class="muted">Up to 64 MiB; the server answers with the file's size and SHA-256.</p>
</section>

<section>
  <h2>Streaming</h2>
  <p><a id="stream-link" href="/stream">/stream</a>: ten lines, sent as they are made
  (chunked).<br>
  <a id="download-link" href="/download">/download</a>: 16 MiB of a repeating pattern,
  with its SHA-256 in <code>X-Content-SHA256</code>.<br>
  <code>/echo</code>: any request, answered with what the server saw, as JSON.</p>
</section>

<script>
"use strict";
(function () {{
  const status = document.getElementById("ws-status");
  const log = document.getElementById("chat-log");
  const input = document.getElementById("chat-input");
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const ws = new WebSocket(scheme + location.host + "/ws");
  function setStatus(text) {{
    status.textContent = text;
    status.className = text;
  }}
  ws.addEventListener("open", function () {{ setStatus("open"); }});
  ws.addEventListener("close", function () {{ setStatus("closed"); }});
  ws.addEventListener("message", function (event) {{
    if (typeof event.data !== "string") {{ return; }}
    const item = document.createElement("li");
    item.textContent = event.data;
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }});
  document.getElementById("chat-form").addEventListener("submit", function (event) {{
    event.preventDefault();
    if (input.value && ws.readyState === WebSocket.OPEN) {{
      ws.send(input.value);
      input.value = "";
    }}
  }});
}})();
</script>
</body>
</html>
""".encode()


def upload_result_html(filename: str, size: int, sha256: str, note: str) -> bytes:
    """The page ``POST /upload`` answers with: what the server received."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Upload received</title>
<style>{_STYLE}</style>
</head>
<body>
<h1>Upload received</h1>
<section>
<dl id="upload-result">
  <dt>File name</dt><dd id="result-filename">{html.escape(filename)}</dd>
  <dt>Size (bytes)</dt><dd id="result-size">{size}</dd>
  <dt>SHA-256</dt><dd id="result-sha256">{sha256}</dd>
  <dt>Note</dt><dd id="result-note">{html.escape(note)}</dd>
</dl>
</section>
<p><a href="/">Back to the demo</a></p>
</body>
</html>
""".encode()


def error_html(status: int, reason: str, detail: str) -> bytes:
    """A small error page (the upload application's 400, 405 and 413)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{status} {html.escape(reason)}</title>
<style>{_STYLE}</style></head>
<body><h1>{status} {html.escape(reason)}</h1><p>{html.escape(detail)}</p>
<p><a href="/">Back to the demo</a></p></body>
</html>
""".encode()
