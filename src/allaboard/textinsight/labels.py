"""The two comment taxonomies (see data/LABELS.md) and the sentiment scale."""

from dataclasses import dataclass

EMPLOYEE = "employee"
CUSTOMER = "customer"
KINDS = (EMPLOYEE, CUSTOMER)
OTHER = "other"


@dataclass(frozen=True)
class Label:
    code: str
    title: str
    description: str


RESISTANCE_SOURCES = [
    Label("why", "Why change?", "does not understand why the change is needed"),
    Label("benefit", "Doubts the benefit", "doubts the change will help customers or staff"),
    Label("job", "Job security", "fears for job security or role"),
    Label("disruption", "Disruption and workload", "worried about disruption, workload, time"),
    Label("skills", "Skills and training", "lacks knowledge, skills or confidence"),
    Label("loss", "Loss of the old way", "loss of status, control, autonomy, comfort, familiarity"),
    Label("voice", "Not consulted", "not consulted, not heard"),
    Label("leadership", "Leadership", "leaders do not walk the talk, no support from the top"),
    Label("fatigue", "Change fatigue", "past initiatives fizzled, cynicism"),
    Label("tools", "Tools and process", "the new technology or process does not work well"),
    Label("support", "Supportive", "positive, supportive of the change"),
    Label(OTHER, "Other", "none of the above"),
]

CUSTOMER_THEMES = [
    Label("waiting_time", "Waiting time", "time to answer, queues, hold time, callbacks, speed"),
    Label("first_contact_resolution", "First-contact resolution", "solved first time, or passed around"),
    Label("agent_knowledge", "Agent knowledge", "the agent knew the answer; accurate information"),
    Label("empathy_attitude", "Empathy and attitude", "how the customer was treated"),
    Label("channel_availability", "Channel availability", "could not reach us on a channel, opening hours"),
    Label("channel_consistency", "Consistency between channels", "different answers, starting over"),
    Label("policy_process", "Policy or process", "rules, procedures, forms, verification, refunds"),
    Label("product_price", "Product or price", "the product, faults, delivery, billing, price, fees"),
    Label("praise", "Praise", "explicit praise or thanks"),
    Label(OTHER, "Other", "none of the above"),
]

SENTIMENTS = [
    Label("negative", "Negative", "unhappy, worried, critical"),
    Label("neutral", "Neutral", "questions, plain statements, mixed"),
    Label("positive", "Positive", "happy, supportive, praising"),
]
SENTIMENT_CODES = [s.code for s in SENTIMENTS]


def taxonomy(kind: str) -> list[Label]:
    if kind == EMPLOYEE:
        return RESISTANCE_SOURCES
    if kind == CUSTOMER:
        return CUSTOMER_THEMES
    raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def codes(kind: str) -> list[str]:
    return [label.code for label in taxonomy(kind)]


def title(kind: str, code: str) -> str:
    for label in taxonomy(kind) + SENTIMENTS:
        if label.code == code:
            return label.title
    return code.replace("_", " ").capitalize()


def corpus_field(kind: str) -> str:
    """The key holding the labels in a corpus line: `labels` for employees, `themes` for customers."""
    return "labels" if kind == EMPLOYEE else "themes"
