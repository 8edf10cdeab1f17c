"""Where the designer writes its settings: with INTERLOCK_HOME set, under it and nowhere else — its own
designer.ini and Qt's QtProject.conf (the file dialogs' history). Nothing lands in the user's home."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox

from designer.main_window import MainWindow

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def answer_file_dialog(path: Path) -> None:
    """Type `path` into the next file dialog (Qt's own, as offscreen uses) and accept it."""
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QFileDialog)
        dialog.findChild(QLineEdit, "fileNameEdit").setText(str(path))
        dialog.accept()
    QTimer.singleShot(50, answer)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_settings_and_dialog_history_stay_under_interlock_home(qtbot, tmp_path, isolated_home, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    source = tmp_path / "work" / "seed.json"
    source.parent.mkdir()
    shutil.copyfile(SEED, source)

    window = MainWindow()  # no settings given: where a user's designer keeps them
    qtbot.addWidget(window)
    window.show()
    answer_file_dialog(source)
    window.open_dialog()
    assert window.path == source.resolve()
    window.add_note()
    answer_file_dialog(tmp_path / "work" / "copy.json")
    assert window.save_as()
    window.close()
    window.settings.sync()  # QSettings writes lazily: now, not at some later event

    assert (tmp_path / "work" / "copy.json").is_file()
    written = files_under(isolated_home)
    assert isolated_home / "designer.ini" in written
    assert "copy.json" in (isolated_home / "designer.ini").read_text()  # recent files are kept there
    assert any(p.name == "QtProject.conf" for p in written), written  # the dialogs' history too
    assert files_under(home) == []
