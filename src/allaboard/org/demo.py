"""Demo chapter: Brightwater Utilities, three contact-centre sites and an outsourcing partner."""

from datetime import timedelta

from allaboard.demo import Login

from .models import Channel, JobRole, Person, Role, Unit, UnitKind, User

GIVEN = [
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Farah",
    "George",
    "Hannah",
    "Imran",
    "Jack",
    "Kate",
    "Liam",
    "Maya",
    "Nathan",
    "Olivia",
    "Priya",
    "Callum",
    "Rosie",
    "Sam",
    "Tom",
    "Uma",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zara",
    "Amir",
    "Bethan",
    "Connor",
    "Deepa",
    "Ewan",
    "Fiona",
    "Gareth",
    "Holly",
    "Isla",
    "Jamal",
    "Kirsty",
    "Lewis",
    "Megan",
    "Niamh",
    "Owen",
    "Paige",
    "Rhys",
    "Sophie",
    "Tariq",
    "Cerys",
    "Dylan",
    "Eilidh",
    "Fraser",
    "Grace",
    "Harry",
    "Jodie",
    "Kieran",
    "Leah",
    "Mohammed",
    "Nia",
    "Oscar",
    "Ruby",
]
FAMILY = [
    "Ahmed",
    "Baker",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "MacDonald",
    "Morgan",
    "Nolan",
    "Owens",
    "Patel",
    "Quinn",
    "Roberts",
    "Smith",
    "Thomas",
    "Usman",
    "Walker",
    "Wilson",
    "Young",
    "Begum",
    "Clarke",
    "Doyle",
    "Ellis",
    "Fletcher",
    "Graham",
    "Hussain",
    "Jenkins",
    "Kelly",
    "Lloyd",
    "Murray",
    "Price",
    "Reid",
    "Scott",
    "Taylor",
]
GIVEN_PARTNER = [
    "Angelica",
    "Bea",
    "Carlo",
    "Dianne",
    "Enzo",
    "Francis",
    "Gabriel",
    "Hazel",
    "Iris",
    "Joshua",
    "Kristine",
    "Lorenzo",
    "Marites",
    "Nico",
    "Paolo",
    "Queenie",
    "Rhea",
    "Santino",
    "Trisha",
    "Vince",
]
FAMILY_PARTNER = [
    "Aquino",
    "Bautista",
    "Cruz",
    "Dela Cruz",
    "Enriquez",
    "Flores",
    "Garcia",
    "Hernandez",
    "Ignacio",
    "Lim",
    "Mendoza",
    "Navarro",
    "Ocampo",
    "Pascual",
    "Ramos",
    "Santos",
    "Tan",
    "Villanueva",
]

# site code, name, kind, [(department, channel, number of teams)]
SITES = [
    (
        "LDS",
        "Leeds",
        UnitKind.SITE,
        [
            ("Residential Service", Channel.VOICE, 6),
            ("Billing & Payments", Channel.VOICE, 5),
            ("Digital Channels", Channel.CHAT, 3),
            ("Complaints & Resolution", Channel.MULTI, 2),
        ],
    ),
    (
        "GLA",
        "Glasgow",
        UnitKind.SITE,
        [
            ("Residential Service", Channel.VOICE, 5),
            ("Billing & Payments", Channel.VOICE, 4),
            ("Digital Channels", Channel.CHAT, 3),
            ("Business Customers", Channel.MULTI, 2),
        ],
    ),
    (
        "CDF",
        "Cardiff",
        UnitKind.SITE,
        [
            ("Residential Service", Channel.VOICE, 5),
            ("Billing & Payments", Channel.VOICE, 4),
            ("Digital Channels", Channel.EMAIL, 3),
            ("Complaints & Resolution", Channel.MULTI, 2),
        ],
    ),
    (
        "APX",
        "Apex Contact Solutions (partner)",
        UnitKind.PARTNER,
        [("Overflow Voice", Channel.VOICE, 10), ("Digital Support", Channel.CHAT, 6)],
    ),
]
ROLES = [
    "Customer service advisor",
    "Senior advisor",
    "Team leader",
    "Quality coach",
    "Operations manager",
    "Site director",
    "Head of customer experience",
    "Change lead",
    "Customer service director",
    "HR administrator",
]


def build(story) -> None:
    rng = story.rng_for("org")
    scale = 40 if story.size == "large" else 1  # large: ~50,000 people for scale work
    roles = {name: JobRole.objects.create(name=name) for name in ROLES}
    org = Unit.objects.create(code="BW", name="Brightwater Utilities", kind=UnitKind.ORGANISATION)
    counter = iter(range(100000, 10**7))
    people: list[Person] = []

    def person(
        unit, role, *, partner=False, manager=None, channel="", years=None, email_domain=None, save=True
    ):
        given = rng.choice(GIVEN_PARTNER if partner else GIVEN)
        family = rng.choice(FAMILY_PARTNER if partner else FAMILY)
        emp = f"{'APX' if partner else 'BW'}{next(counter)}"
        domain = email_domain or ("apexcontact.example" if partner else "brightwater.example")
        tenure_days = int(
            365
            * (
                years
                if years is not None
                else rng.choice([0.3, 0.8, 1.5, 2.5, 4, 7, 12]) * rng.uniform(0.6, 1.3)
            )
        )
        p = Person(
            employee_id=emp,
            email=f"{given}.{family}.{emp}".lower().replace(" ", "") + f"@{domain}",
            given_name=given,
            family_name=family,
            unit=unit,
            job_role=roles[role],
            manager=manager,
            channel=channel,
            start_date=story.today - timedelta(days=tenure_days),
            language="en",
        )
        if save:
            p.save()
        people.append(p)
        return p

    director = person(org, "Customer service director", years=9)
    head_cx = person(org, "Head of customer experience", manager=director, years=6)
    change_lead = person(org, "Change lead", manager=head_cx, years=3)
    hr_admin = person(org, "HR administrator", manager=director, years=5)
    org.leader = director
    org.save()
    teams: list[Unit] = []
    for code, site_name, kind, departments in SITES:
        partner = kind == UnitKind.PARTNER
        site = Unit.objects.create(code=code, name=site_name, kind=kind, parent=org)
        site.leader = person(site, "Site director", partner=partner, manager=director, years=8)
        site.save()
        for d_index, (dept_name, channel, n_teams) in enumerate(departments, start=1):
            dept = Unit.objects.create(
                code=f"{code}-D{d_index}",
                name=f"{site_name.split(' ')[0]} {dept_name}",
                kind=UnitKind.DEPARTMENT,
                parent=site,
            )
            dept.leader = person(dept, "Operations manager", partner=partner, manager=site.leader, years=6)
            dept.save()
            for t_index in range(1, n_teams * scale + 1):
                team = Unit.objects.create(
                    code=f"{code}-D{d_index}-T{t_index:02d}",
                    name=f"{dept.name} {t_index}",
                    kind=UnitKind.TEAM,
                    parent=dept,
                )
                leader = person(team, "Team leader", partner=partner, manager=dept.leader, channel=channel)
                team.leader = leader
                team.save()
                members = []
                for i in range(rng.randint(17, 22)):
                    role = (
                        "Senior advisor"
                        if i < 2
                        else ("Quality coach" if i == 2 and t_index % 3 == 0 else "Customer service advisor")
                    )
                    p = person(team, role, partner=partner, manager=leader, channel=channel, save=False)
                    left = story.today - timedelta(days=rng.randint(10, 300))
                    if rng.random() < 0.04 and left > p.start_date:  # leavers keep their history
                        p.end_date = left
                    members.append(p)
                Person.objects.bulk_create(members)
                teams.append(team)

    story.refs.update(
        {
            "org": org,
            "teams": teams,
            "roles": roles,
            "director": director,
            "head_cx": head_cx,
            "change_lead": change_lead,
        }
    )
    _logins(story, teams, hr_admin, change_lead, director)
    partner_people = sum(1 for t in teams if t.is_partner)
    story.facts.append(
        f"{len(people)} people in {len(teams)} teams across 3 sites and a partner "
        f"({partner_people} partner teams)"
    )


def _logins(story, teams, hr_admin, change_lead, director) -> None:
    team = next(t for t in teams if t.code == "LDS-D2-T02")
    partner_team = next(t for t in teams if t.code.startswith("APX-D1"))
    agent = team.members.filter(job_role__name="Customer service advisor", end_date__isnull=True).first()
    partner_agent = partner_team.members.filter(
        job_role__name="Customer service advisor", end_date__isnull=True
    ).first()
    accounts = [
        ("admin", Role.ADMIN, hr_admin, "imports people, connects systems, reads the audit log"),
        ("changelead", Role.CHANGE_LEAD, change_lead, "runs the omnichannel desk rollout"),
        ("teamleader", Role.TEAM_LEADER, team.leader, f"leads {team.name}"),
        ("sponsor", Role.SPONSOR, director, "customer service director, sponsors the programme"),
        ("agent", Role.EMPLOYEE, agent, f"advisor in {team.name}"),
        ("partner", Role.EMPLOYEE, partner_agent, f"advisor at the partner, {partner_team.name}"),
    ]
    for username, role, person, description in accounts:
        user = User(
            username=username,
            role=role,
            person=person,
            email=person.email,
            first_name=person.given_name,
            last_name=person.family_name,
            is_staff=role == Role.ADMIN,
        )
        user.set_password(story.password)
        user.save()
        story.logins.append(Login(username, Role(role).label, f"{person.full_name}, {description}"))
    story.refs["logins"] = {username: User.objects.get(username=username) for username, *_ in accounts}
