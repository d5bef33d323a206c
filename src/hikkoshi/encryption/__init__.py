"""Encryption at rest of personal data (個人情報の暗号化), a shared library below the apps.

``crypto``: AES-256-GCM tokens (``hk2:<kid>:…``, bound to a table, column and row; ``hk1``: to a
column only) and the keyring of this process, read from the settings (``HIKKOSHI_DATA_KEYS`` or
``HIKKOSHI_DATA_KEY_FILE``). ``fields``: the model field that stores a JSON value as such a token
bound to its row (``EncryptedJSONField``). ``digests``: what is stored of a
secret token instead of the token (``token_digest``). No models and no app state: the
apps whose rows hold personal data (moves, assisted, delivery) use the field, and
``hikkoshi.privacy`` rotates the keys and erases the data.
"""
