from hikkoshi.portal.gunicorn_logging import redact_path
from hikkoshi.portal.management.commands.serve import gunicorn_command


def test_postal_codes_are_masked_in_the_access_log():
    assert redact_path("/api/v1/postcodes/060-0042") == "/api/v1/postcodes/*"
    assert redact_path("/api/v1/organisations") == "/api/v1/organisations"


def test_the_access_log_leaves_out_query_strings():
    cmd = gunicorn_command(host="127.0.0.1", port=1, workers=1)
    fmt = cmd[cmd.index("--access-logformat") + 1]
    assert "%(U)s" in fmt and "%(q)s" not in fmt and "%(r)s" not in fmt
    assert "hikkoshi.portal.gunicorn_logging.RedactingLogger" in cmd
