from pathlib import Path

import pytest

from extractor import Pipeline

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "dev"


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return Pipeline()
