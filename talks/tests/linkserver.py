"""A small HTTP server on 127.0.0.1 for link-check tests: it answers each path in its own way."""

import socket
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SLOW_SECONDS = 4  # the /slow answer comes after this long: beyond the tests' timeouts
SLEEP_SECONDS = 0.15  # /sleep holds each request this long, so overlaps can be seen
_BODY = b"<!doctype html><title>test</title>"


class _Handler(BaseHTTPRequestHandler):
    server: "LinkServer"

    def do_HEAD(self):
        self._answer(with_body=False)

    def do_GET(self):
        self._answer(with_body=True)

    def _answer(self, *, with_body):
        host = self.headers.get("Host", "").split(":")[0]
        self.server.record(self.command, self.path, host)
        path = self.path.split("?")[0]
        status, headers = 200, {}
        if path.startswith("/ok"):
            pass
        elif path == "/moved":
            status, headers = 301, {"Location": "/ok/after-move"}
        elif path == "/moved-twice":
            status, headers = 302, {"Location": "/moved"}
        elif path == "/missing":
            status = 404
        elif path == "/error":
            status = 500
        elif path == "/limited":
            status = 429
        elif path == "/nohead":
            status = 405 if self.command == "HEAD" else 200
        elif path == "/slow":
            time.sleep(SLOW_SECONDS)
        elif path.startswith("/sleep"):
            with self.server.track(host):
                time.sleep(SLEEP_SECONDS)
        else:
            status = 404
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(_BODY)))
        self.end_headers()
        if with_body:
            self.wfile.write(_BODY)

    def log_message(self, format, *args):
        pass  # keep test output quiet


class LinkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, str, float]] = []
        self.in_flight: dict[str, int] = {}
        self.max_in_flight_per_host: dict[str, int] = {}
        self.total_in_flight = 0
        self.max_total_in_flight = 0

    @property
    def port(self) -> int:
        return self.server_address[1]

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def record(self, method, path, host):
        with self.lock:
            self.requests.append((method, path, host, time.monotonic()))

    @contextmanager
    def track(self, host):
        with self.lock:
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.total_in_flight += 1
            self.max_in_flight_per_host[host] = max(
                self.max_in_flight_per_host.get(host, 0), self.in_flight[host]
            )
            self.max_total_in_flight = max(self.max_total_in_flight, self.total_in_flight)
        try:
            yield
        finally:
            with self.lock:
                self.in_flight[host] -= 1
                self.total_in_flight -= 1

    def handle_error(self, request, client_address):
        pass  # a client that gave up on /slow is expected


@contextmanager
def running_link_server():
    server = LinkServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/gone"
