"""The instrument library: ready-made sets of questions, written in our own words, kept as data.

Each instrument lists its items. An item has a key (stable across surveys and waves, so results line up),
a kind, an English text and, for rated items, the scale it belongs to and whether it is reverse-scored
(worded so that agreeing is the unfavourable answer: its answers are mirrored, 6 - x, before any mean,
scale score, reliability or barrier point is computed). The outcome item is the one key drivers explain.

Kinds:
- "agree5": 1 Strongly disagree .. 5 Strongly agree;
- "scale10": 0 .. 10;
- "single" / "multi": one or several of the listed choices;
- "open": free text (redacted before it is stored; shown only for groups of at least the comment threshold).

Translations are not kept here: a survey copies the English text of each item and an admin adds other
languages per survey (QuestionTranslation). Results pool every language, because items keep their key.
"""

from dataclasses import dataclass, field

AGREE5 = "agree5"
SCALE10 = "scale10"
SINGLE = "single"
MULTI = "multi"
OPEN = "open"
KINDS = {
    AGREE5: "Agreement, 1 to 5",
    SCALE10: "Scale, 0 to 10",
    SINGLE: "One choice",
    MULTI: "Several choices",
    OPEN: "Open text",
}
RATED = (AGREE5, SCALE10)
AGREE5_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
MAX_CHOICES = 12

ADKAR = ("awareness", "desire", "knowledge", "ability", "reinforcement")
OUTCOME_SCALE = "commitment"

# What each scale measures, in one sentence a team leader understands (shown beside results).
SCALES = {
    "awareness": ("Awareness", "People know why the change is happening and what is wrong today."),
    "desire": ("Desire", "People want to take part in the change and support it."),
    "knowledge": ("Knowledge", "People know how to work in the new way: the tools, steps and standards."),
    "ability": ("Ability", "People can actually do it in their day-to-day work, with the time and support."),
    "reinforcement": (
        "Reinforcement",
        "The new way is recognised and will stick; there is no slipping back.",
    ),
    OUTCOME_SCALE: ("Commitment", "People are committed to making the change work."),
    "appropriateness": ("Appropriateness", "The change is the right answer for customers and for us."),
    "leadership_support": ("Leadership support", "Leaders back the change and give it what it needs."),
    "confidence": ("Confidence", "People feel able to make the change work."),
    "personal_benefit": ("Personal benefit", "People expect the change to be good for them."),
    "job_security": ("Job security", "People do not fear for their job because of the change."),
    "role_clarity": ("Role clarity", "People know what their role will be after the change."),
    "workload": ("Workload", "People have the time and capacity to make the change."),
    "leadership_example": ("Leadership by example", "Leaders model the new behaviours themselves."),
    "customer_centric": ("Customer-centric culture", "We put customers first and act on what they tell us."),
    "change_agility": (
        "Change agility",
        "The organisation has the methods, tools, training and habits to change well.",
    ),
}


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    kind: str = AGREE5
    scale: str = ""
    reverse: bool = False
    outcome: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Instrument:
    key: str
    title: str
    description: str
    items: tuple[Item, ...] = field(default_factory=tuple)

    @property
    def scales(self) -> list[str]:
        return sorted({item.scale for item in self.items if item.scale})


def _agree(key, text, scale, reverse=False, outcome=False) -> Item:
    return Item(key=key, text=text, scale=scale, reverse=reverse, outcome=outcome)


ADKAR_PULSE = Instrument(
    key="adkar",
    title="ADKAR pulse",
    description="Where people are on the path of a change: Awareness, Desire, Knowledge, Ability and "
    "Reinforcement, two or three statements each, and one outcome statement about commitment. The first "
    "element someone scores 3 or lower on is their barrier point.",
    items=(
        _agree("adkar_a1", "I understand why we are making this change.", "awareness"),
        _agree("adkar_a2", "I know what is not working today that this change should fix.", "awareness"),
        _agree("adkar_d1", "I want this change to succeed.", "desire"),
        _agree("adkar_d2", "I can see what is in this change for me and for our customers.", "desire"),
        _agree("adkar_d3", "I would rather we kept working the way we do now.", "desire", reverse=True),
        _agree("adkar_k1", "I know what I need to do differently when the change goes live.", "knowledge"),
        _agree(
            "adkar_k2",
            "I have had the training or information I need for the new way of working.",
            "knowledge",
        ),
        _agree("adkar_ab1", "I can do my job well using the new tools and processes.", "ability"),
        _agree("adkar_ab2", "I have the time and support to practise the new way of working.", "ability"),
        _agree("adkar_r1", "Doing things the new way is noticed and recognised here.", "reinforcement"),
        _agree(
            "adkar_r2", "I expect the new way of working to stick rather than fade away.", "reinforcement"
        ),
        _agree("adkar_commit", "I am committed to making this change work.", OUTCOME_SCALE, outcome=True),
    ),
)

READINESS = Instrument(
    key="readiness",
    title="Change readiness",
    description="Is the organisation ready: is the change appropriate, do leaders support it, are people "
    "confident they can do it, and do they expect to benefit?",
    items=(
        _agree("ready_app1", "This change is the right thing for our customers.", "appropriateness"),
        _agree("ready_app2", "There is a good reason for doing this now.", "appropriateness"),
        _agree("ready_lead1", "Senior leaders are fully behind this change.", "leadership_support"),
        _agree(
            "ready_lead2",
            "My manager makes time for me to learn the new way of working.",
            "leadership_support",
        ),
        _agree("ready_conf1", "I am confident I can handle what this change asks of me.", "confidence"),
        _agree(
            "ready_conf2",
            "If I get stuck with the new way of working, I know where to get help.",
            "confidence",
        ),
        _agree("ready_ben1", "This change will make my work better.", "personal_benefit"),
        _agree(
            "ready_ben2",
            "I will lose things I value about my job because of this change.",
            "personal_benefit",
            reverse=True,
        ),
    ),
)

FEAR = Instrument(
    key="fear",
    title="Fear and uncertainty",
    description="What people worry about: their job, their role and their workload. On each scale one "
    "statement is worded so that agreeing shows a worry; it is reverse-scored, so a high score always means "
    "less worry.",
    items=(
        _agree("fear_job1", "I worry that this change puts my job at risk.", "job_security", reverse=True),
        _agree(
            "fear_job2", "I believe people like me will still be needed after the change.", "job_security"
        ),
        _agree("fear_role1", "I know what my role will look like after the change.", "role_clarity"),
        _agree(
            "fear_role2",
            "I am unsure who to go to with questions about my work now.",
            "role_clarity",
            reverse=True,
        ),
        _agree(
            "fear_load1", "I have enough time to learn the new way while keeping up with my work.", "workload"
        ),
        _agree(
            "fear_load2",
            "This change is adding more to my plate than I can manage.",
            "workload",
            reverse=True,
        ),
    ),
)

LEADERSHIP = Instrument(
    key="leadership",
    title="Leadership by example",
    description="Whether leaders walk the talk: do they use the new ways themselves and act on what they hear.",
    items=(
        _agree(
            "lead_ex1", "My leaders use the new tools and ways of working themselves.", "leadership_example"
        ),
        _agree("lead_ex2", "My leaders act on the concerns we raise about the change.", "leadership_example"),
        _agree(
            "lead_ex3",
            "My leaders say one thing about this change and do another.",
            "leadership_example",
            reverse=True,
        ),
    ),
)

CUSTOMER_CENTRIC = Instrument(
    key="customer",
    title="Customer-centric culture",
    description="How strongly the team puts customers first.",
    items=(
        _agree(
            "cx_1",
            "In my team, we fix the customer's problem rather than just closing the contact.",
            "customer_centric",
        ),
        _agree("cx_2", "We hear what customers say about us and act on it.", "customer_centric"),
        _agree(
            "cx_3",
            "I am trusted to do the right thing for a customer without asking permission.",
            "customer_centric",
        ),
        _agree(
            "cx_4",
            "Rules and targets here sometimes stop me from helping customers.",
            "customer_centric",
            reverse=True,
        ),
    ),
)

CHANGE_AGILITY = Instrument(
    key="agility",
    title="Change-agility self-assessment",
    description="The organisation's own assessment of how well it is equipped to change (after Clark and "
    "Baker's five self-evaluation questions on change management in a service strategy).",
    items=(
        _agree(
            "agile_methods",
            "We provide methods, tools and training that help people make change happen.",
            "change_agility",
        ),
        _agree(
            "agile_common",
            "We share one common approach to change across the organisation.",
            "change_agility",
        ),
        _agree(
            "agile_reviews", "We review projects after they finish and use what we learn.", "change_agility"
        ),
        _agree(
            "agile_tools", "Teams across functions use the same tools for running change.", "change_agility"
        ),
        _agree(
            "agile_bench",
            "We compare ourselves with other organisations and share good practice with them.",
            "change_agility",
        ),
    ),
)

OPEN_QUESTIONS = Instrument(
    key="open",
    title="Open questions",
    description="Free-text questions. Answers are cleaned of names, emails, phone numbers and ids before they "
    "are stored, analysed into resistance sources, and shown only for large enough groups.",
    items=(
        Item(key="open_worries", text="What worries you most about this change?", kind=OPEN),
        Item(key="open_help", text="What would help you most right now?", kind=OPEN),
        Item(key="open_stop", text="What should we stop doing?", kind=OPEN),
    ),
)

LIBRARY: dict[str, Instrument] = {
    instrument.key: instrument
    for instrument in (
        ADKAR_PULSE,
        READINESS,
        FEAR,
        LEADERSHIP,
        CUSTOMER_CENTRIC,
        CHANGE_AGILITY,
        OPEN_QUESTIONS,
    )
}


def instrument(key: str) -> Instrument:
    try:
        return LIBRARY[key]
    except KeyError:
        raise KeyError(f"no instrument {key!r}; choose from {', '.join(LIBRARY)}") from None


def scale_title(scale: str) -> str:
    return SCALES.get(scale, (scale.replace("_", " ").capitalize(), ""))[0]


def scale_meaning(scale: str) -> str:
    return SCALES.get(scale, ("", ""))[1]
