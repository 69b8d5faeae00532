"""Factories for the organisation's models, and a small ready-made organisation tree for tests."""

from dataclasses import dataclass, field

import factory

from allaboard.org.models import ApiToken, AuditEntry, JobRole, Person, Role, Unit, UnitKind, User


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:04d}")
    name = factory.Sequence(lambda n: f"Team {n}")
    kind = UnitKind.TEAM


class JobRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JobRole
        django_get_or_create = ("name",)

    name = "Customer service advisor"


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    email = factory.LazyAttribute(lambda p: f"{p.employee_id.lower()}@example.com")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    unit = factory.SubFactory(UnitFactory)
    job_role = factory.SubFactory(JobRoleFactory)
    channel = "voice"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.EMPLOYEE
    password = factory.django.Password("a-long-test-password")


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    name = "test token"
    prefix = factory.Sequence(lambda n: f"aa_{n:07d}")
    key_hash = factory.Sequence(lambda n: ApiToken.hash_key(f"key-{n}"))


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    action = "update"
    object_type = "org.Person"


@dataclass
class OrgTree:
    """Organisation > {Leeds, Glasgow, Apex (partner)} > department > teams. Five people per team."""

    root: Unit
    sites: dict[str, Unit] = field(default_factory=dict)
    teams: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)

    def people_in(self, team_code: str) -> list[Person]:
        return list(Person.objects.filter(unit=self.teams[team_code]))


def build_org_tree(team_size: int = 5) -> OrgTree:
    root = UnitFactory(code="ORG", name="Example Org", kind=UnitKind.ORGANISATION)
    tree = OrgTree(root=root)
    for site_code, kind in [("LDS", UnitKind.SITE), ("GLA", UnitKind.SITE), ("APX", UnitKind.PARTNER)]:
        site = UnitFactory(code=site_code, name=site_code.title(), kind=kind, parent=root)
        dept = UnitFactory(
            code=f"{site_code}-D1", name=f"{site_code} Service", kind=UnitKind.DEPARTMENT, parent=site
        )
        tree.sites[site_code] = site
        for n in (1, 2):
            team = UnitFactory(code=f"{site_code}-T{n}", name=f"{site_code} Team {n}", parent=dept)
            leader = PersonFactory(unit=team, job_role=JobRoleFactory(name="Team leader"))
            team.leader = leader
            team.save()
            PersonFactory.create_batch(team_size, unit=team, manager=leader)
            tree.teams[team.code] = team
    lds1 = tree.teams["LDS-T1"]
    agent = Person.objects.filter(unit=lds1).exclude(pk=lds1.leader_id).first()
    head = PersonFactory(unit=root, job_role=JobRoleFactory(name="Director"))
    lead = PersonFactory(unit=root, job_role=JobRoleFactory(name="Change lead"))
    for role, person in [
        (Role.ADMIN, None),
        (Role.CHANGE_LEAD, lead),
        (Role.TEAM_LEADER, lds1.leader),
        (Role.SPONSOR, head),
        (Role.EMPLOYEE, agent),
    ]:
        tree.users[role] = UserFactory(username=str(role), role=role, person=person)
    return tree
