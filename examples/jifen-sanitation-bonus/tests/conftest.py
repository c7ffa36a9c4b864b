"""Jifen's test kit (fixtures app, client, client_as, county, applicant_with_points, cli, ...) comes
with Jifen through pytest's plugin entry points. Here it is pointed at this folder's test counties."""

from pathlib import Path

import pytest


@pytest.fixture
def jifen_config():
    """Configuration of the kit's ``app``: load the counties of tests/tenants/, not Jifen's."""
    return {"JIFEN_TENANTS_DIR": str(Path(__file__).parent / "tenants")}
