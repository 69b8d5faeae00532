import pytest

from .factories import rollout


@pytest.fixture
def desk(org):
    """The desk, live for the whole test organisation since Monday 5 January 2026."""
    return rollout(org)
