"""Fixtures shared by every app's tests: one logged-in client per role, on a small organisation."""

import pytest

from allaboard.org.models import Role
from allaboard.org.tests.factories import OrgTree, build_org_tree

pytest_plugins = ["allaboard.comms.tests.fixtures"]


@pytest.fixture
def org(db) -> OrgTree:
    """Two sites and a partner, each with teams of five people, and one user per role."""
    return build_org_tree()


@pytest.fixture
def client_for(client, org):
    """client_for("team_leader") -> a test client logged in as that role (None: anonymous)."""
    from django.test import Client

    def make(role: str | None) -> Client:
        c = Client()
        if role is not None:
            c.force_login(org.users[role])
        return c

    return make


ROLES = [Role.ADMIN, Role.CHANGE_LEAD, Role.TEAM_LEADER, Role.SPONSOR, Role.EMPLOYEE]
