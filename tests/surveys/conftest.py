import pytest

from tests.factories import open_now


@pytest.fixture
def open_cycle(cycle):
    """The cycle, open for entry today whatever today is (citizens' data is dated this year)."""
    return open_now(cycle)
