"""Settings for one machine: which register to open and how the screen looks.

They live in ``settings.toml`` in the user's config folder (found with platformdirs), and each
can be overridden by a ``CARERDESK_*`` environment variable. Settings for the whole
organisation (wards, card prefix, idle lock time) live in the register, so every desk sees
the same. Nothing is read at import time.

Fields of ``settings.toml``:

``database_url``
    A SQLAlchemy URL (PostgreSQL for several sites). Overrides ``database``.
    Environment: ``CARERDESK_DATABASE_URL``.
``database``
    Path of the SQLite register. Default: ``register.sqlite`` in the user's data folder.
    Environment: ``CARERDESK_DB``.
``passphrase_file``
    For an encrypted register: a file holding its passphrase (one line), readable by its owner
    alone (a file others can read is refused). Without it the passphrase is asked for at the
    terminal when carerdesk starts. Environment: ``CARERDESK_PASSPHRASE_FILE``.
``backups``
    The folder of the register's backups (one on the first open of each day, and each
    ``carerdesk backup``). Default: ``backups`` beside the register file. Environment:
    ``CARERDESK_BACKUPS``.
``keep_backups``
    How many backups that folder keeps, the newest (default 14). Environment:
    ``CARERDESK_KEEP_BACKUPS``.
``theme``
    ``carerdesk-light``, ``carerdesk-dark`` or ``carerdesk-high-contrast``; Ctrl+T in the
    application changes it and writes it here. Environment: ``CARERDESK_THEME``.
``audit_key``
    Path of the key that signs the audit trail (``carerdesk.db.audit``); the log of the
    trail's anchors is kept beside it. Default: ``audit.key`` in the user's config folder,
    made on first use, readable by its owner only. Name one shared file here for several
    desks that use one register. Environment: ``CARERDESK_AUDIT_KEY``.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "carerdesk"


def config_dir() -> Path:
    """The folder of this machine's settings (``CARERDESK_CONFIG_DIR`` overrides it)."""
    if override := os.environ.get("CARERDESK_CONFIG_DIR"):
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME))


def data_dir() -> Path:
    """The folder of this machine's registers (``CARERDESK_DATA_DIR`` overrides it)."""
    if override := os.environ.get("CARERDESK_DATA_DIR"):
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def log_dir() -> Path:
    """The folder of this machine's failure log: ``logs`` in the data folder when
    ``CARERDESK_DATA_DIR`` is set, otherwise the user's log folder (found with platformdirs).
    Only the machine's user may read it (``carerdesk.failure`` makes it so)."""
    if os.environ.get("CARERDESK_DATA_DIR"):
        return data_dir() / "logs"
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME))


def output_dir(name: str) -> Path:
    """A folder of the data folder for files made at the desk (``cards``, ``referrals``,
    ``returns``), made when first asked for, opened by this machine's user only."""
    from carerdesk.core.private_files import own_folder

    return own_folder(data_dir() / name)


@dataclass(frozen=True)
class Settings:
    """This machine's settings, as read from the file and the environment."""

    database_url: str
    theme: str = "carerdesk-dark"
    passphrase_file: Path | None = None
    """Where an encrypted register's passphrase is kept, if not asked for."""
    backups: Path | None = None
    """The backups folder chosen in the settings; None: ``backups`` beside the register."""
    keep_backups: int = 14

    def backups_folder(self) -> Path | None:
        """Where the register's backups go; None when the register is not a SQLite file."""
        prefix = "sqlite:///"
        if not self.database_url.startswith(prefix) or self.database_url == prefix:
            return None
        if self.backups is not None:
            return self.backups
        return Path(self.database_url.removeprefix(prefix)).parent / "backups"


def load_settings(db: str | None = None, database_url: str | None = None) -> Settings:
    """Read the settings; ``db`` or ``database_url`` given on the command line win."""
    path = config_dir() / "settings.toml"
    stored: dict[str, object] = {}
    if path.exists():
        stored = tomllib.loads(path.read_text(encoding="utf-8"))
    url = (
        database_url
        or (None if db else os.environ.get("CARERDESK_DATABASE_URL"))
        or (None if db else _str(stored.get("database_url")))
    )
    if not url:
        file = db or os.environ.get("CARERDESK_DB") or _str(stored.get("database"))
        path_of_db = Path(file).expanduser() if file else data_dir() / "register.sqlite"
        from carerdesk.core.private_files import private_folder

        private_folder(path_of_db.parent)
        url = f"sqlite:///{path_of_db}"
    theme = os.environ.get("CARERDESK_THEME") or _str(stored.get("theme")) or "carerdesk-dark"
    secret = os.environ.get("CARERDESK_PASSPHRASE_FILE") or _str(stored.get("passphrase_file"))
    passphrase_file = Path(secret).expanduser() if secret else None
    backups = os.environ.get("CARERDESK_BACKUPS") or _str(stored.get("backups"))
    keep = os.environ.get("CARERDESK_KEEP_BACKUPS") or stored.get("keep_backups")
    return Settings(
        database_url=url,
        theme=theme,
        passphrase_file=passphrase_file,
        backups=Path(backups).expanduser() if backups else None,
        keep_backups=_count(keep, default=14),
    )


def _count(value: object, *, default: int) -> int:
    """A whole number of at least 1 from the file or the environment; ``default`` otherwise."""
    try:
        number = int(str(value)) if value is not None else default
    except ValueError:
        return default
    return max(number, 1)


def audit_key_path() -> Path:
    """Where this machine keeps the audit trail's key: ``CARERDESK_AUDIT_KEY``, else
    ``audit_key`` in ``settings.toml``, else ``audit.key`` in the config folder."""
    if override := os.environ.get("CARERDESK_AUDIT_KEY"):
        return Path(override).expanduser()
    path = config_dir() / "settings.toml"
    if path.exists():
        named = _str(tomllib.loads(path.read_text(encoding="utf-8")).get("audit_key"))
        if named:
            return Path(named).expanduser()
    return config_dir() / "audit.key"


def save_theme(theme: str) -> None:
    """Remember the theme chosen at the desk (Ctrl+T) in ``settings.toml``, keeping every
    other line of the file as it was."""
    path = config_dir() / "settings.toml"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    line = f"theme = {json.dumps(theme)}"  # a TOML basic string: a theme name needs no escape
    if re.search(r"(?m)^theme\s*=.*$", text):
        text = re.sub(r"(?m)^theme\s*=.*$", line, text, count=1)
    else:
        text = line + "\n" + text  # before any table, so it stays a top-level key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
