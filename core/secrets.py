"""Storing the secrets the CRM hands out (API tokens, webhook codes, shop tokens): only a
digest is kept, and a presented secret is looked up by its digest."""

import hashlib


def secret_digest(secret: str) -> str:
    """The stored form of a secret. The secrets are long random strings, so a plain SHA-256
    is enough to keep them safe (no salt or slow hash needed: nothing to guess)."""
    return hashlib.sha256(secret.encode()).hexdigest()
