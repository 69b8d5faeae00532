"""Django settings for All Aboard.

Every setting a deployment may change is read from an environment variable with a default that works on a
laptop; the table in docs/configuration.md lists them.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {value!r}") from None


DATA_DIR = Path(env_str("ALLABOARD_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DEBUG = env_bool("ALLABOARD_DEBUG", False)
HTTPS = env_bool("ALLABOARD_HTTPS", False)


def _secret_key() -> str:
    key = env_str("ALLABOARD_SECRET_KEY")
    if key:
        return key
    # Laptop and demo use: keep one random key per data folder so sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = [h.strip() for h in env_str("ALLABOARD_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env_str("ALLABOARD_CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
BASE_URL = env_str("ALLABOARD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# The capabilities, in the order the demo story builds them. Each app's urls.py, api.py and demo.py are
# picked up when present, so adding a capability never means editing shared wiring.
CAPABILITY_APPS = [
    "allaboard.org",
    "allaboard.programmes",
    "allaboard.textinsight",
    "allaboard.comms",
    "allaboard.listening",
    "allaboard.customers",
    "allaboard.capability",
    "allaboard.voice",
    "allaboard.adoption",
    "allaboard.playbook",
    "allaboard.momentum",
]
CAPABILITY_APPS = [app for app in CAPABILITY_APPS if (PACKAGE_DIR / app.split(".")[1] / "apps.py").exists()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "allaboard.core",
    *CAPABILITY_APPS,
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "allaboard.urls"
WSGI_APPLICATION = "allaboard.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "allaboard.core.context.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'allaboard.sqlite3'}"),
        conn_max_age=env_int("ALLABOARD_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the worker write while pages read; a busy timeout waits instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("ALLABOARD_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The project-wide files (allaboard.css, vendored htmx and Chart.js): "allaboard" itself is not an app.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns at start-up without it
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the package when collectstatic has not run (laptop, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": env_str("ALLABOARD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}


def _email_settings(url: str) -> dict:
    """Turn EMAIL_URL (smtp://user:pass@host:port, smtps://..., console://, file:///path, locmem://) into settings."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    backends = {
        "smtp": "django.core.mail.backends.smtp.EmailBackend",
        "smtps": "django.core.mail.backends.smtp.EmailBackend",
        "console": "django.core.mail.backends.console.EmailBackend",
        "file": "django.core.mail.backends.filebased.EmailBackend",
        "locmem": "django.core.mail.backends.locmem.EmailBackend",
    }
    if parsed.scheme not in backends:
        raise ValueError(f"EMAIL_URL scheme must be one of {', '.join(backends)}, not {parsed.scheme!r}")
    conf = {"EMAIL_BACKEND": backends[parsed.scheme]}
    if parsed.scheme.startswith("smtp"):
        conf |= {
            "EMAIL_HOST": parsed.hostname or "localhost",
            "EMAIL_PORT": parsed.port or (465 if parsed.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parsed.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parsed.password or ""),
            "EMAIL_USE_SSL": parsed.scheme == "smtps",
            "EMAIL_USE_TLS": "tls=1" in (parsed.query or ""),
            "EMAIL_TIMEOUT": 20,
        }
    if parsed.scheme == "file":
        conf["EMAIL_FILE_PATH"] = parsed.path or str(DATA_DIR / "mail")
    return conf


globals().update(_email_settings(env_str("EMAIL_URL", f"file://{DATA_DIR / 'mail'}")))
DEFAULT_FROM_EMAIL = env_str("ALLABOARD_FROM_EMAIL", "All Aboard <allaboard@localhost>")

# Anonymity thresholds (PRODUCT.md, privacy). Never below 3; comments never below the group threshold.
ALLABOARD_MIN_GROUP_SIZE = max(3, env_int("ALLABOARD_MIN_GROUP_SIZE", 5))
ALLABOARD_MIN_COMMENT_GROUP_SIZE = max(
    ALLABOARD_MIN_GROUP_SIZE, env_int("ALLABOARD_MIN_COMMENT_GROUP_SIZE", 10)
)
ALLABOARD_IMPORT_MAX_BYTES = env_int("ALLABOARD_IMPORT_MAX_BYTES", 20 * 1024 * 1024)
ALLABOARD_IMPORT_MAX_ROWS = env_int("ALLABOARD_IMPORT_MAX_ROWS", 200_000)
# Communications (docs/comms.md): frequency cap per person, retries with back-off, questions inbox.
ALLABOARD_COMMS_CAP_MESSAGES = env_int("ALLABOARD_COMMS_CAP_MESSAGES", 4)
ALLABOARD_COMMS_CAP_DAYS = env_int("ALLABOARD_COMMS_CAP_DAYS", 7)
ALLABOARD_COMMS_MAX_ATTEMPTS = env_int("ALLABOARD_COMMS_MAX_ATTEMPTS", 6)
ALLABOARD_COMMS_RETRY_SECONDS = env_int("ALLABOARD_COMMS_RETRY_SECONDS", 60)
ALLABOARD_COMMS_WEBHOOK_TIMEOUT = env_int("ALLABOARD_COMMS_WEBHOOK_TIMEOUT", 10)
ALLABOARD_COMMS_QUESTION_FLAG_DAYS = env_int("ALLABOARD_COMMS_QUESTION_FLAG_DAYS", 5)
# Voice (docs/voice.md): the idea box's answer promise, and the hour the worker runs the daily upkeep.
ALLABOARD_VOICE_ANSWER_DAYS = max(1, env_int("ALLABOARD_VOICE_ANSWER_DAYS", 10))
ALLABOARD_VOICE_DAILY_HOUR = min(23, max(0, env_int("ALLABOARD_VOICE_DAILY_HOUR", 6)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-free meta tag; keep Django's default.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("ALLABOARD_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("ALLABOARD_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ALLABOARD_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
