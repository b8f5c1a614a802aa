"""Local development: the embedded defaults (SQLite under var/, filesystem broker)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
# Only for a developer's machine; production.py refuses to start without a real key.
SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-key")
