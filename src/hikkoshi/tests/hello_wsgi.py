"""The smallest WSGI application, for tests of the gunicorn worker itself (no Django)."""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]
