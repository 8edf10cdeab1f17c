"""Every runbook an import writes passes `interlock validate`, including the ones that read job data
(`{{job.runbook}}`, `{{job.server}}`) and global variables (`{{var.NAME}}`) (DESIGN §6.1, §6.2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from importing import cli, import_sample


def test_every_imported_runbook_validates(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = import_sample(tmp_path)
    files = [Path(report.out_dir) / line.path for line in report.runbooks]
    assert len(files) == 3
    code, out, err = cli(capsys, "validate", *files)
    assert code == 0, out + err
    for path in files:
        assert str(path) in out
