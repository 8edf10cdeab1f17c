"""`python -m designer.screenshot … --run NAME=VALUE`: the README picture of the seed after a run."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from designer.screenshot import main

SEED = Path(__file__).resolve().parents[2] / "resources" / "examples" / "vm-checkpoint.json"


def test_the_screenshot_pictures_the_seed_after_a_run(qapp, tmp_path, capsys):
    output = tmp_path / "designer.png"
    assert main([str(output), str(SEED), "--select", "get_vms", "--run", "Batch Number=1",
                 "--size", "1200x800"]) == 0
    assert "run: success" in capsys.readouterr().out
    image = QImage(str(output))
    assert (image.width(), image.height()) == (1200, 800)
