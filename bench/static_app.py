"""A WSGI app that only serves the files of $BENCH_STATIC_DIR: the benchmark's ceiling."""

import os

from whitenoise import WhiteNoise


def _not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def _healthz(environ, start_response):
    if environ.get("PATH_INFO") == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    return _not_found(environ, start_response)


app = WhiteNoise(_healthz, root=os.environ["BENCH_STATIC_DIR"], autorefresh=False)
