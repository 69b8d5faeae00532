"""Settings for the test suite: the real settings, with fast password hashing and tasks run inline.

DATABASE_URL still decides the database, so the same suite runs on SQLite and PostgreSQL.
"""

import os
import tempfile

os.environ.setdefault("ALLABOARD_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("ALLABOARD_DATA_DIR", os.path.join(tempfile.gettempdir(), "allaboard-tests"))

from allaboard.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303 - speed; argon2 is tested apart
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
ALLOWED_HOSTS = ["*"]
