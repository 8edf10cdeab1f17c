"""Where the designer keeps its settings (window layout, recent files, the last folder, the connections
config): `designer.ini` in Interlock's config folder — under INTERLOCK_HOME when it is set, as the
history and the lab are. Qt's own settings (QFileDialog's QtProject.conf) follow INTERLOCK_HOME too,
so a designer started with INTERLOCK_HOME set writes nothing under the user's home."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from engine.paths import config_dir, home_override

SETTINGS_FILE = "designer.ini"
QT_SETTINGS_FOLDER = "qt"


def redirect_qt_settings() -> None:
    """Send the QSettings Qt creates itself (QFileDialog's history) under INTERLOCK_HOME when it is
    set. Takes effect for QSettings made afterwards, so call it before any dialog opens."""
    home = home_override()
    if home is None:
        return
    folder = str(home / QT_SETTINGS_FOLDER)
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, folder)


def designer_settings() -> QSettings:
    """The designer's own settings file (an explicit path: never the platform's default place)."""
    redirect_qt_settings()
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / SETTINGS_FILE), QSettings.Format.IniFormat)
