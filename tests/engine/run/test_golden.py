"""Golden runbooks (DESIGN §3): each fixture runbook runs and its normalised result is the expected one.

See golden.py for the fixture format. Add a behaviour by adding a pair of files under fixtures/.
"""

from __future__ import annotations

import pytest
from golden import FIXTURES, assert_matches, canonical, check_timing, fixture_names, normalise, run_fixture

NAMES = fixture_names()


def test_fixtures_are_paired() -> None:
    assert len(NAMES) >= 20
    for name in NAMES:
        assert (FIXTURES / f"{name}.json").is_file(), f"{name}.expected.json has no runbook beside it"


@pytest.mark.parametrize("name", NAMES)
async def test_golden(name: str) -> None:
    expected, result = await run_fixture(name)
    assert_matches(normalise(result), canonical(expected["expect"]), name)
    check_timing(result, expected)
