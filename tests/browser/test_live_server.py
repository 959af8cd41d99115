"""The live server the browser tests use closes every response, even when the browser hangs up.

A browser that closes a page with a request in flight resets the connection; Werkzeug's
development server then skips closing the response, and a static file stays open until some
later test's garbage collection raises its ResourceWarning. ``closed_before_sent`` prevents it.
"""

from __future__ import annotations

import gc
import socket
import struct
import threading
import time
import warnings
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

import portal
from tests.browser.conftest import closed_before_sent

STATIC = Path(portal.__file__).parent / "static"
NOT_MODIFIED = (
    b"GET /static/favicon.svg HTTP/1.1\r\nHost: localhost\r\n"
    b"If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n\r\n"
)


def unclosed_files_after_hang_ups(wsgi_app, rounds: int, stop_at_first: bool = False) -> list[str]:
    """Ask for a static file 20 times a round, each time resetting the connection on the
    answer; the files the server left open (garbage-collected after each round)."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    found: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            for _ in range(rounds):
                for _ in range(20):
                    with socket.create_connection(("127.0.0.1", server.server_port)) as client:
                        client.sendall(NOT_MODIFIED)
                        client.recv(64)
                        client.sendall(b"more")  # unread data: the close becomes a reset
                        linger = struct.pack("ii", 1, 0)
                        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
                time.sleep(0.3)  # the server's threads finish with their sockets
                gc.collect()
                found = [str(w.message) for w in caught if "unclosed file" in str(w.message)]
                if found and stop_at_first:
                    break
        finally:
            server.shutdown()
            server.server_close()
    return found


def test_a_hung_up_request_leaves_no_file_open():
    app = Flask(__name__, static_folder=STATIC)

    assert unclosed_files_after_hang_ups(closed_before_sent(app), rounds=3) == []


def test_the_development_server_alone_would_leave_them_open():
    # The reason for the wrapper: if Werkzeug ever closes these itself, the wrapper can go.
    # (A reset arriving after the server stopped draining is no leak: hence several rounds.)
    app = Flask(__name__, static_folder=STATIC)

    assert unclosed_files_after_hang_ups(app, rounds=10, stop_at_first=True)
