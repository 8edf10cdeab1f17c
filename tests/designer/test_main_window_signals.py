"""Python values cross Qt signals whole: a signal declared with `dict` makes PySide convert the value to a
QVariantMap, which drops a dict whose keys are not strings (a note's index) and prints
`_pythonToCppCopy: Cannot copy-convert … (dict) to C++` on stderr. Signals carry `object`."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from gestures import view_point, window  # noqa: F401 - window is a fixture
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from test_run_view import on_lab, qloop, run_to_end  # noqa: F401 - qloop is a fixture

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "resources" / "examples" / "vm-checkpoint.json"
CONVERTED = {"dict", "list", "tuple", "set"}


def test_dragging_a_note_moves_it_in_the_file_and_prints_nothing(window, tmp_path, capfd):
    path = tmp_path / "seed.json"
    shutil.copyfile(SEED, path)
    assert window.open_file(path)
    before = window.document.notes[0].at
    note = window.scene.note_items[0]
    window.view.ensureVisible(note)
    start = note.mapToScene(note.boundingRect().center())
    viewport = window.view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view_point(window, start))
    for step in range(1, 6):
        QTest.mouseMove(viewport, view_point(window, start + QPointF(16 * step, 12 * step)))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       view_point(window, start + QPointF(80, 60)))
    assert window.document.notes[0].at != before  # the move reached the document (one undo step)
    window.undo_stack.undo()
    assert window.document.notes[0].at == before
    assert "_pythonToCppCopy" not in capfd.readouterr().err


def signal_arguments(source: Path) -> list[tuple[int, str]]:
    """(line, argument) of every `Signal(...)` argument in a file."""
    found = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Signal":
            found.extend((node.lineno, ast.unparse(arg)) for arg in node.args)
    return found


def test_no_signal_is_declared_with_a_python_container():
    offenders = [f"{path.relative_to(ROOT)}:{line}: Signal({arg})"
                 for path in sorted((ROOT / "designer").rglob("*.py"))
                 for line, arg in signal_arguments(path) if arg in CONVERTED]
    assert offenders == [], "declare these with object: " + "; ".join(offenders)


def test_opening_and_running_the_seed_prints_no_conversion_error(window, qloop, make_lab, capfd):
    on_lab(window, make_lab)
    result = run_to_end(window, qloop, {"Batch Number": "1"})
    assert result.status == "success"
    for activity_id in list(window.scene.activity_items):
        window.scene.select_only([activity_id])  # properties, published data and instances shown
    assert "_pythonToCppCopy" not in capfd.readouterr().err
