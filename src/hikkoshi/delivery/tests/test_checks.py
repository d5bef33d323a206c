from hikkoshi.delivery.checks import signing_key_configured, smtp_encrypted


def test_the_deployment_check_names_a_missing_signing_key(settings, tmp_path):
    settings.HIKKOSHI_SIGNING_KEY = ""
    settings.HIKKOSHI_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    settings.HIKKOSHI_SIGNING_KEY_CREATE = False
    errors = signing_key_configured()
    assert [e.id for e in errors] == ["hikkoshi.delivery.E001"]
    assert "absent.pem" in errors[0].msg and not (tmp_path / "absent.pem").exists()


def test_the_deployment_check_passes_with_a_key(settings, tmp_path):
    settings.HIKKOSHI_SIGNING_KEY = ""
    settings.HIKKOSHI_SIGNING_KEY_FILE = str(tmp_path / "made.pem")
    settings.HIKKOSHI_SIGNING_KEY_CREATE = True
    assert signing_key_configured() == []
    assert (tmp_path / "made.pem").stat().st_mode & 0o777 == 0o600


def test_the_deployment_check_warns_of_plain_smtp_to_another_host(settings):
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "host": "mail.example.jp", "starttls": False}
    assert [w.id for w in smtp_encrypted()] == ["hikkoshi.delivery.W001"]
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "starttls": True}
    assert smtp_encrypted() == []
    settings.HIKKOSHI_SMTP = {**settings.HIKKOSHI_SMTP, "host": "127.0.0.1", "starttls": False}
    assert smtp_encrypted() == []
