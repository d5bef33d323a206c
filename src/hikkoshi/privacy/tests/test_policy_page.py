"""The privacy policy states what is kept, encrypted, for how long — with the setting's value."""

import pytest


@pytest.mark.parametrize(
    "language, phrases",
    [
        ("ja", ["暗号化して保存", "AES-256-GCM", "<strong>45日</strong>", "件数だけを残します", "自らの規則・方針"]),
        (
            "en",
            [
                "Stored encrypted",
                "AES-256-GCM",
                "<strong>45 days</strong>",
                "only counts remain",
                "under its own rules and policies",
            ],
        ),
    ],
)
def test_the_policy_shows_the_retention_setting(client, db, settings, language, phrases):
    settings.HIKKOSHI_RETENTION_DAYS = 45
    page = client.get("/pages/privacy/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    for phrase in phrases:
        assert phrase in page, phrase
    assert "30日" not in page and "30 days" not in page
    assert "準備中" not in page and "in preparation" not in page
