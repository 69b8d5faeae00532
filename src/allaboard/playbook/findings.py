"""Findings: facts about a group that the playbook's rules read.

A Finding has the shape listening's `findings(programme_id)` returns (kind, unit_id, wave_id, metric, value,
n, text), plus a few optional fields the rules use: where the group sits (team, site, partner, programme) and
the finding's rank among findings of its kind for that group (1 = the top resistance source).

`n` is always the number of people the finding describes (respondents, people invited, people in the teams
concerned); for comment shares, the number of respondents who commented (never the number of comments).
The rules refuse any finding with n below the anonymity threshold, whoever produced it.
"""

from dataclasses import dataclass, field, replace
from typing import Any

# Finding kinds. Listening produces the first four; the playbook computes source_share from textinsight,
# actions_overdue from its own actions, and reads the rest from the app that owns the data.
BARRIER_SHARE = "barrier_share"  # metric: ADKAR element; value: share of respondents stopping there (0..1)
ELEMENT_MEAN = "element_mean"  # metric: ADKAR element or other scale; value: mean 1..5
PARTICIPATION = "participation"  # metric: response_rate; value: share of invited people who answered (0..1)
LOWEST_ITEM = "lowest_item"  # metric: item code; value: mean 1..5
# source_share: metric: resistance source code; value: share of commenting respondents naming it (0..1);
# n: the respondents who commented.
SOURCE_SHARE = "source_share"
CUSTOMER_SCORE_FALLING = "customer_score_falling"  # metric: nps/csat/ces; value: change since before (< 0)
ADOPTION_STALLED = "adoption_stalled"  # metric: e.g. active_share; value: share of people actively using it
ACTIONS_OVERDUE = "actions_overdue"  # value: number of overdue actions; n: people in the teams concerned
QUESTIONS_UNANSWERED = "questions_unanswered"  # value: questions waiting too long; n: people in the group

KINDS = {
    BARRIER_SHARE: "Barrier point share",
    ELEMENT_MEAN: "Element or scale mean",
    PARTICIPATION: "Participation",
    LOWEST_ITEM: "Lowest-scoring item",
    SOURCE_SHARE: "Resistance source share",
    CUSTOMER_SCORE_FALLING: "Customer score falling",
    ADOPTION_STALLED: "Adoption stalled",
    ACTIONS_OVERDUE: "Overdue actions",
    QUESTIONS_UNANSWERED: "Unanswered questions",
}
# Kinds about comments: they need the comment threshold, not only k.
COMMENT_KINDS = {SOURCE_SHARE}

# Where the group a finding describes sits.
SCOPE_TEAM = "team"
SCOPE_SITE = "site"  # a site or a partner organisation as a whole
SCOPE_PROGRAMME = "programme"  # the whole programme (unit_id None)
SCOPE_OTHER = "other"  # a department or the organisation

ELEMENT_TITLES = {
    "awareness": "Awareness",
    "desire": "Desire",
    "knowledge": "Knowledge",
    "ability": "Ability",
    "reinforcement": "Reinforcement",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    unit_id: int | None
    wave_id: int | None
    metric: str
    value: float
    n: int
    text: str = ""
    unit_name: str = ""
    scope: str = SCOPE_TEAM
    is_partner: bool = False
    rank: int | None = None
    metric_title: str = ""
    wave_label: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def snapshot(self) -> dict:
        """A JSON-safe copy, stored with a recommendation or action as the evidence it answers."""
        return {
            "kind": self.kind,
            "unit_id": self.unit_id,
            "wave_id": self.wave_id,
            "metric": self.metric,
            "value": self.value,
            "n": self.n,
            "text": self.text,
            "unit_name": self.unit_name,
            "scope": self.scope,
            "is_partner": self.is_partner,
            "rank": self.rank,
            "metric_title": self.metric_title,
            "wave_label": self.wave_label,
        }

    @classmethod
    def from_snapshot(cls, data: dict) -> "Finding":
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data and name != "extra"}
        return cls(**known)

    @property
    def title(self) -> str:
        return (
            self.metric_title or ELEMENT_TITLES.get(self.metric) or self.metric.replace("_", " ").capitalize()
        )


def adopt(obj) -> Finding:
    """A Finding from any object with the listening shape (kind, unit_id, wave_id, metric, value, n, text)."""
    if isinstance(obj, Finding):
        return obj
    get = obj.get if isinstance(obj, dict) else lambda name, default=None: getattr(obj, name, default)
    finding = Finding(
        kind=str(get("kind")),
        unit_id=get("unit_id"),
        wave_id=get("wave_id"),
        metric=str(get("metric") or ""),
        value=float(get("value")),
        n=int(get("n")),
        text=str(get("text") or ""),
    )
    optional = {
        name: get(name)
        for name in ("unit_name", "scope", "is_partner", "rank", "metric_title", "wave_label")
        if get(name) is not None
    }
    return replace(finding, **optional) if optional else finding
