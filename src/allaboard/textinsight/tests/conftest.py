import pytest


@pytest.fixture
def thresholds(settings):
    """Small thresholds so single test teams of six can be shown: k = 3, comments need 5 respondents."""
    settings.ALLABOARD_MIN_GROUP_SIZE = 3
    settings.ALLABOARD_MIN_COMMENT_GROUP_SIZE = 5
