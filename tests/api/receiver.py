"""A webhook receiver for tests: an HTTP server in a thread, and the signature check of docs/api.md."""

import hashlib
import hmac
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """An HTTP server on 127.0.0.1 (random port) in a thread, answering every POST with `status` (or with the
    statuses of a list in turn, the last one repeated)."""

    def __init__(self, status=200):
        self.received = []
        received, answers = self.received, status if isinstance(status, list) else [status]

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.headers, body))
                answer = answers[min(len(received), len(answers)) - 1]
                self.send_response(answer)
                self.send_header("Content-Length", "0" if answer == 204 else "2")
                self.end_headers()
                if answer != 204:
                    self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/smartgov"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def verify(secret: str, headers: dict, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/api.md shows it."""
    timestamp = headers["X-SmartGov-Timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-SmartGov-Signature"])
