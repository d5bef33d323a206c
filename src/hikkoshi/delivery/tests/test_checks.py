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


def test_the_deployment_check_warns_of_plain_http_web_endpoints(sapporo):
    from hikkoshi.catalogue.models import Procedure
    from hikkoshi.delivery.checks import channels_deployable

    web = Procedure.objects.filter(channel="web").first()
    assert web is not None, "the shipped catalogue has web-channel procedures"
    Procedure.objects.filter(channel="web").update(channel_settings={"endpoint": "https://receiver.example.jp/a"})
    assert channels_deployable(databases=["default"]) == []
    web.channel_settings = {"endpoint": "http://receiver.example.jp/applications"}
    web.save()
    warnings = channels_deployable(databases=["default"])
    assert [w.id for w in warnings] == ["hikkoshi.delivery.W002"] and web.slug in warnings[0].msg
    web.channel_settings = {"endpoint": "http://127.0.0.1:8401/applications"}  # a local receiver
    web.save()
    assert channels_deployable(databases=["default"]) == []


def test_the_deployment_check_warns_of_the_portals_mail_without_tls(settings):
    from hikkoshi.delivery.checks import portal_mail_encrypted

    smtp = "django.core.mail.backends.smtp.EmailBackend"
    settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {"host": "mail.example.jp", "use_tls": False}}}
    assert [w.id for w in portal_mail_encrypted()] == ["hikkoshi.delivery.W003"]
    settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {"host": "mail.example.jp", "use_tls": True}}}
    assert portal_mail_encrypted() == []
    settings.MAILERS = {"default": {"BACKEND": smtp, "OPTIONS": {"host": "localhost", "use_tls": False}}}
    assert portal_mail_encrypted() == []


def test_the_deployment_check_refuses_the_secret_key_as_qr_key(settings):
    from hikkoshi.delivery.checks import qr_key_apart

    settings.HIKKOSHI_QR_KEY = settings.SECRET_KEY
    assert [e.id for e in qr_key_apart()] == ["hikkoshi.delivery.E002"]
    settings.HIKKOSHI_QR_KEY = "q" * 40
    settings.HIKKOSHI_QR_KEY_FALLBACKS = [settings.SECRET_KEY]
    assert [e.id for e in qr_key_apart()] == ["hikkoshi.delivery.E002"]
    settings.HIKKOSHI_QR_KEY_FALLBACKS = []
    assert qr_key_apart() == []
    settings.HIKKOSHI_QR_KEY = ""
    assert [w.id for w in qr_key_apart()] == ["hikkoshi.delivery.W004"]


def test_the_deployment_check_asks_for_the_number_of_proxies(settings):
    from hikkoshi.delivery.checks import trusted_proxies_counted

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
    assert [w.id for w in trusted_proxies_counted()] == ["hikkoshi.delivery.W005"]
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert trusted_proxies_counted() == []
