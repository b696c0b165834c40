from pathlib import Path

import pytest

from extractor import Pipeline

ROOT = Path(__file__).resolve().parent.parent
TEAM_ARTICLES = len(list((ROOT / "corpus").glob("*.txt")))   # the team corpus grows: count it
DEV = ROOT.parent / "shared" / "dev"


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return Pipeline()
