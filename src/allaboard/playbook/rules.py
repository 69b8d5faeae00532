"""Recommendation rules as data, and the pure function that applies them to findings.

A rule reads: "when a finding of this kind, for this metric, in this kind of group, has a value <operator>
<threshold> and describes at least <min_n> people, recommend this play, and say so with this evidence".
`recommend(rules, findings, k=..., comment_k=...)` applies every rule to every finding, refuses any finding
about a group smaller than the anonymity threshold (whoever passed it in), and returns one recommendation per
play and group with every piece of evidence that triggered it. No database, no settings: easy to pin in tests.
"""

import operator as op
import string
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from .findings import (
    COMMENT_KINDS,
    KINDS,
    SCOPE_PROGRAMME,
    SCOPE_SITE,
    SCOPE_TEAM,
    Finding,
)

OPERATORS = {">=": op.ge, ">": op.gt, "<=": op.le, "<": op.lt}
OPERATOR_WORDS = {">=": "at least", ">": "above", "<=": "at most", "<": "below"}

SCOPE_ANY = "any"
SCOPE_PARTNER = "partner"
SCOPES = {
    SCOPE_ANY: "Any group",
    SCOPE_TEAM: "A team",
    SCOPE_SITE: "A site or partner as a whole",
    SCOPE_PARTNER: "A partner organisation as a whole",
    SCOPE_PROGRAMME: "The whole programme",
}

# The placeholders an evidence template may use; nothing else (no attribute or index access).
PLACEHOLDERS = {
    "unit": "the group's name",
    "metric": "the metric's code",
    "metric_title": "the metric's name",
    "value": "the value as measured",
    "value_pct": "the value as a percentage",
    "value_1dp": "the value to one decimal place",
    "n": "the number of people behind it (for comments: the respondents who commented)",
    "wave": "the pulse it comes from",
    "threshold": "the rule's threshold",
    "threshold_pct": "the threshold as a percentage",
    "text": "the finding's own sentence",
}


@dataclass(frozen=True)
class RuleSpec:
    key: str
    play: str  # play slug
    kind: str
    metric: str = "*"
    operator: str = ">="
    threshold: float = 0.0
    min_n: int = 0
    scope: str = SCOPE_ANY
    top_only: bool = False
    evidence: str = ""

    def matches(self, finding: Finding, k: int, comment_k: int) -> bool:
        if finding.kind != self.kind or not fnmatchcase(finding.metric, self.metric or "*"):
            return False
        if finding.n < max(self.min_n, minimum_n(finding, k, comment_k)):
            return False
        if self.top_only and finding.rank != 1:
            return False
        return in_scope(self.scope, finding) and OPERATORS[self.operator](finding.value, self.threshold)

    def describe(self) -> str:
        """The rule in one sentence, shown beside the evidence it produced."""
        metric = "any metric" if self.metric in ("", "*") else f"'{self.metric}'"
        where = SCOPES.get(self.scope, self.scope).lower()
        top = ", and it is the top one for the group" if self.top_only else ""
        floor = f", from at least {self.min_n} people" if self.min_n else ""
        return (
            f"{KINDS.get(self.kind, self.kind)} for {metric} is {OPERATOR_WORDS[self.operator]} "
            f"{format_threshold(self.kind, self.threshold)} in {where}{top}{floor}."
        )


@dataclass(frozen=True)
class Evidence:
    rule: str  # rule key
    rule_text: str
    text: str
    finding: Finding


@dataclass
class Recommendation:
    play: str
    unit_id: int | None
    unit_name: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def strongest(self) -> Evidence:
        return self.evidence[0]


def minimum_n(finding: Finding, k: int, comment_k: int) -> int:
    """The smallest group a finding may describe: k, or the comment threshold for comment shares."""
    return comment_k if finding.kind in COMMENT_KINDS else k


def in_scope(scope: str, finding: Finding) -> bool:
    if scope == SCOPE_ANY:
        return True
    if scope == SCOPE_PARTNER:
        return finding.is_partner and finding.scope == SCOPE_SITE
    return finding.scope == scope


def format_threshold(kind: str, threshold: float) -> str:
    if kind in ("barrier_share", "source_share", "participation", "adoption_stalled"):
        return f"{threshold:.0%}"
    return f"{threshold:g}"


def evidence_text(rule: RuleSpec, finding: Finding) -> str:
    """The rule's evidence template filled in from the finding; the finding's own text if there is none."""
    if not rule.evidence:
        return finding.text or rule.describe()
    values = {
        "unit": finding.unit_name
        or ("the programme" if finding.unit_id is None else f"unit {finding.unit_id}"),
        "metric": finding.metric,
        "metric_title": finding.title,
        "value": f"{finding.value:g}",
        "value_pct": f"{finding.value:.0%}",
        "value_1dp": f"{finding.value:.1f}",
        "n": finding.n,
        "wave": finding.wave_label,
        "threshold": f"{rule.threshold:g}",
        "threshold_pct": f"{rule.threshold:.0%}",
        "text": finding.text,
    }
    return rule.evidence.format_map(values).strip()


def check_template(template: str) -> str | None:
    """Why an evidence template cannot be used, or None when it is fine."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"is not a valid template ({exc})"
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            return f"uses {{{name}}}; allowed placeholders are {', '.join(sorted(PLACEHOLDERS))}"
        if spec or conversion:
            return f"formats {{{name}}}; write the placeholder plainly"
    return None


def recommend(
    rules: list[RuleSpec], findings: list[Finding], *, k: int, comment_k: int | None = None
) -> list[Recommendation]:
    """Recommended plays, one per (play, group), each with all the evidence that triggered it.

    Findings about fewer than k people (comment shares: fewer than comment_k respondents) never trigger
    anything, whatever the rule says. Ordered by the number of pieces of evidence, then play and group."""
    comment_k = max(k, comment_k if comment_k is not None else k)
    by_kind: dict[str, list[RuleSpec]] = {}
    for rule in rules:
        by_kind.setdefault(rule.kind, []).append(rule)
    described = {rule.key: rule.describe() for rule in rules}
    found: dict[tuple[str, int | None], Recommendation] = {}
    for finding in findings:
        if finding.n < minimum_n(finding, k, comment_k):
            continue
        for rule in by_kind.get(finding.kind, ()):
            if not rule.matches(finding, k, comment_k):
                continue
            key = (rule.play, finding.unit_id)
            rec = found.setdefault(key, Recommendation(rule.play, finding.unit_id, finding.unit_name))
            if any(e.rule == rule.key and e.finding == finding for e in rec.evidence):
                continue
            rec.evidence.append(
                Evidence(rule.key, described[rule.key], evidence_text(rule, finding), finding)
            )
    return sorted(found.values(), key=lambda r: (-len(r.evidence), r.play, r.unit_name, r.unit_id or 0))


def example_finding(rule: RuleSpec, *, k: int, comment_k: int) -> Finding:
    """A finding that this rule accepts: proves the rule can fire (used by the library check and tests)."""
    metric = (rule.metric or "*").replace("*", "x")
    step = {">=": 0.0, ">": 0.01, "<=": 0.0, "<": -0.01}[rule.operator]
    scope = {SCOPE_ANY: SCOPE_TEAM, SCOPE_PARTNER: SCOPE_SITE}.get(rule.scope, rule.scope)
    n = max(rule.min_n, comment_k if rule.kind in COMMENT_KINDS else k)
    return Finding(
        kind=rule.kind,
        unit_id=None if scope == SCOPE_PROGRAMME else 1,
        wave_id=1,
        metric=metric,
        value=rule.threshold + step,
        n=n,
        text="example",
        unit_name="Example group",
        scope=scope,
        is_partner=rule.scope == SCOPE_PARTNER,
        rank=1,
    )
