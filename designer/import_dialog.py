"""File → Import Orchestrator Export…: choose an export (`.ois_export`, or `.xml`) and where to write the
runbooks, run the engine's importer (the same as `interlock import`, DESIGN §6.2) in a worker thread
behind a busy indicator, then open the imported folder in the Runbooks panel, the first runbook in a tab,
and the import report. A file that is not an export is a clear message, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from engine.errors import InterlockError

if TYPE_CHECKING:
    from .main_window import MainWindow

EXPORT_FILTER = "Orchestrator exports (*.ois_export *.xml);;All files (*)"
TITLE = "Import Orchestrator Export"


def run_importer(source: Path, out_dir: Path | None) -> Any:
    """The engine's importer; its ImportReport (ExportError, an InterlockError, for a bad file)."""
    from engine.migrate import import_export  # loaded when used: most sessions never import

    return import_export(source, out_dir)


class ImportDialog(QDialog):
    """The export to import and the folder to write into (empty: next to the export, named after it)."""

    def __init__(self, start: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self._start = start
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText("an .ois_export file from the Runbook Designer")
        self.out_edit = QLineEdit()
        self.out_edit.setPlaceholderText("default: a folder named after the export, next to it")
        form = QFormLayout()
        form.addRow("&Export file", self._with_browse(self.source_edit, self._browse_source))
        form.addRow("&Output folder", self._with_browse(self.out_edit, self._browse_out))
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Import")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.source_edit.textChanged.connect(self._update)
        self._update()
        self.resize(640, self.sizeHint().height())

    def _with_browse(self, edit: QLineEdit, browse: Any) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        button = QPushButton("Browse…")
        button.clicked.connect(browse)
        row.addWidget(button)
        return box

    def _browse_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Orchestrator export", str(self._start), EXPORT_FILTER)
        if path:
            self.source_edit.setText(path)

    def _browse_out(self) -> None:
        start = self.out_edit.text() or str(self.source().parent if self.source_edit.text() else self._start)
        folder = QFileDialog.getExistingDirectory(self, "Write the imported runbooks into", start)
        if folder:
            self.out_edit.setText(folder)

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.source_edit.text().strip()))

    def source(self) -> Path:
        return Path(self.source_edit.text().strip())

    def out_dir(self) -> Path | None:
        text = self.out_edit.text().strip()
        return Path(text) if text else None


class ImportWorker(QThread):
    """Runs the importer off the window's thread: a large export takes a while to read."""

    imported = Signal(object)  # the ImportReport
    failed = Signal(str)  # what to tell the user

    def __init__(self, source: Path, out_dir: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source, self.out_dir = source, out_dir

    def run(self) -> None:
        try:
            report = run_importer(self.source, self.out_dir)
        except InterlockError as exc:  # ExportError: not an export, truncated, too large, ...
            self.failed.emit(str(exc))
        except OSError as exc:
            self.failed.emit(f"{exc.filename or self.source}: {exc.strerror or exc}")
        except ImportError:
            self.failed.emit("The Orchestrator importer (engine.migrate) is not installed")
        except Exception as exc:  # a bug in the importer must not leave the window busy for ever
            self.failed.emit(f"{self.source}: the importer failed ({type(exc).__name__}: {exc}); "
                             "please report this with the export")
        else:
            self.imported.emit(report)


class ReportDialog(QDialog):
    """The import report (import-report.md), rendered: what was imported, what must be finished."""

    def __init__(self, markdown: str, out_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Import report — {out_dir}")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(markdown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(760, 560)


def import_orchestrator_export(window: MainWindow) -> None:
    """File → Import Orchestrator Export…: ask, then import in the background."""
    start = window.catalogue.root or (window.path.parent if window.path else Path.cwd())
    dialog = ImportDialog(start, window)
    if dialog.exec():
        start_import(window, dialog.source(), dialog.out_dir())


def start_import(window: MainWindow, source: Path, out_dir: Path | None) -> ImportWorker:
    """Import `source` behind a busy indicator; the window shows the result (or the reason it failed)."""
    busy = QProgressDialog(f"Importing {source.name}…", "", 0, 0, window)
    busy.setWindowTitle(TITLE)
    busy.setCancelButton(None)  # the importer cannot be interrupted; it is bounded by its size limit
    busy.setWindowModality(Qt.WindowModality.WindowModal)
    busy.setMinimumDuration(0)
    busy.show()
    worker = ImportWorker(source, out_dir, window)
    worker.imported.connect(lambda report: show_imported(window, report))
    worker.failed.connect(lambda message: QMessageBox.critical(window, "Cannot import", message))
    worker.finished.connect(busy.close)
    worker.finished.connect(busy.deleteLater)
    worker.finished.connect(worker.deleteLater)
    window.import_worker = worker  # kept while it runs (and for tests)
    worker.start()
    return worker


def show_imported(window: MainWindow, report: Any) -> ReportDialog:
    """Open what the importer wrote: its folder in the Runbooks panel, the first runbook in a tab, and
    the report."""
    out = Path(report.out_dir)
    window.open_folder(out)
    if report.runbooks:
        window.open_file(out / report.runbooks[0].path)
    dialog = ReportDialog(report.markdown(), out, window)
    dialog.show()
    window.import_report = dialog  # kept while open (and for tests)
    window.statusBar().showMessage(f"Imported into {out}: {report.headline()}", 15000)
    return dialog
