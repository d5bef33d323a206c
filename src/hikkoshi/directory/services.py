"""Writes to the directory's rows besides the file transfer (``transfer``): an organisation's
receipt keys (受付票の署名鍵)."""

import logging

from .models import Organisation

logger = logging.getLogger(__name__)


def set_receipt_keys(*, slug: str, keys: list[dict] | dict) -> Organisation:
    """Replace an organisation's receipt keys (the web channel's, 受付票の署名鍵) with ``keys``: a
    list of JWKs or a JWK set (``{"keys": […]}``) as ``hikkoshi receiver`` publishes it at
    ``/<slug>/.well-known/receipt-keys.json``. Raises ``Organisation.DoesNotExist``, or
    ``ValidationError`` (nothing changed) when a key is not an Ed25519 public JWK."""
    if isinstance(keys, dict) and "keys" in keys:
        keys = keys["keys"]
    org = Organisation.objects.get(slug=slug)
    org.receipt_keys = keys
    org.full_clean()
    org.save(update_fields=["receipt_keys", "updated_at"])
    logger.info("receipt_keys_set organisation=%s keys=%d", slug, len(org.receipt_keys))
    return org
