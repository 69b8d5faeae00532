"""The recommendation rules: pure functions over findings, tested without a database."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allaboard.playbook import findings as F
from allaboard.playbook.library import built_in_library
from allaboard.playbook.rules import RuleSpec, check_template, evidence_text, example_finding, recommend

from .factories import finding

K, COMMENT_K = 5, 10


def built_in_rules() -> list[RuleSpec]:
    return [
        RuleSpec(play=play["slug"], **{"metric": "*", **rule})
        for play in built_in_library()
        for rule in play.get("rules", [])
    ]


def plays_recommended(findings, rules=None) -> set[str]:
    return {r.play for r in recommend(rules or built_in_rules(), findings, k=K, comment_k=COMMENT_K)}


# One hand-made finding per play: the situation the play is for.
SITUATIONS = {
    "diagnose": finding(kind=F.PARTICIPATION, metric="response_rate", value=0.42, n=40),
    "communicate-rationale": finding(metric="awareness", value=0.33),
    "educate-train": finding(metric="knowledge", value=0.41),
    "lead-by-example": finding(kind=F.SOURCE_SHARE, metric="leadership", value=0.22, n=30, rank=2),
    "involve-empower": finding(kind=F.SOURCE_SHARE, metric="voice", value=0.28, n=25, rank=3),
    "address-fear": finding(kind=F.SOURCE_SHARE, metric="job", value=0.38, n=26, rank=1),
    "celebrate-wins": finding(kind=F.SOURCE_SHARE, metric="benefit", value=0.25, n=12, rank=2),
    "ongoing-support": finding(metric="ability", value=0.3),
    "continuous-improvement": finding(kind=F.ACTIONS_OVERDUE, metric="overdue", value=2, n=19),
    "customer-close": finding(kind=F.CUSTOMER_SCORE_FALLING, metric="nps", value=-12.0, n=140),
    "change-direction": finding(kind=F.ADOPTION_STALLED, metric="active_share", value=0.35, n=60),
    "engage-partners": finding(
        kind=F.SOURCE_SHARE, metric="job", value=0.38, n=40, rank=1, scope=F.SCOPE_SITE, is_partner=True
    ),
}


def test_the_library_has_one_play_per_strategy_in_the_seeds():
    assert {play["slug"] for play in built_in_library()} == set(SITUATIONS)
    assert len({play["strategy"] for play in built_in_library()}) == 12


@pytest.mark.parametrize("slug", sorted(SITUATIONS))
def test_every_play_is_recommended_in_the_situation_it_is_for(slug):
    assert slug in plays_recommended([SITUATIONS[slug]])


@pytest.mark.parametrize("rule", built_in_rules(), ids=lambda r: r.key)
def test_every_built_in_rule_can_fire(rule):
    found = recommend([rule], [example_finding(rule, k=K, comment_k=COMMENT_K)], k=K, comment_k=COMMENT_K)
    assert [r.play for r in found] == [rule.play]


def test_a_recommendation_cites_the_evidence_that_triggered_it():
    [rec] = [
        r
        for r in recommend(built_in_rules(), [SITUATIONS["educate-train"]], k=K)
        if r.play == "educate-train"
    ]
    assert rec.unit_name == "Team Leeds-3"
    assert rec.strongest.text == "Knowledge is the barrier for 41% of respondents in Team Leeds-3, n=23."
    assert rec.strongest.rule == "knowledge-barrier"
    assert "at least 30%" in rec.strongest.rule_text
    assert rec.strongest.finding == SITUATIONS["educate-train"]


def test_the_partner_evidence_names_the_top_source_and_its_share():
    partner = finding(
        kind=F.SOURCE_SHARE,
        metric="job",
        metric_title="Job security",
        value=0.38,
        n=40,
        rank=1,
        unit_name="the partner",
        scope=F.SCOPE_SITE,
        is_partner=True,
    )
    [rec] = [
        r
        for r in recommend(built_in_rules(), [partner], k=K, comment_k=COMMENT_K)
        if r.play == "engage-partners"
    ]
    assert (
        rec.strongest.text
        == "Job security is the top resistance source at the partner, named by 38% of the 40 respondents who "
        "commented."
    )


def test_several_findings_for_the_same_play_and_group_make_one_recommendation():
    found = recommend(
        built_in_rules(),
        [
            finding(metric="knowledge", value=0.41),
            finding(kind=F.ELEMENT_MEAN, metric="knowledge", value=2.6),
        ],
        k=K,
    )
    [rec] = [r for r in found if r.play == "educate-train"]
    assert len(rec.evidence) == 2


def test_the_same_finding_in_two_groups_makes_two_recommendations():
    found = recommend(built_in_rules(), [finding(unit_id=1), finding(unit_id=2, unit_name="Team 2")], k=K)
    assert sorted(r.unit_id for r in found if r.play == "educate-train") == [1, 2]


def test_a_finding_below_the_threshold_recommends_nothing():
    assert plays_recommended([finding(metric="knowledge", value=0.10)]) == set()


@pytest.mark.parametrize("slug", sorted(SITUATIONS))
def test_findings_about_fewer_than_k_people_are_rejected_even_when_passed_in(slug):
    small = SITUATIONS[slug].__class__(**{**SITUATIONS[slug].snapshot(), "n": K - 1})
    assert plays_recommended([small]) == set()


def test_a_rule_cannot_lower_the_anonymity_threshold():
    lax = RuleSpec(key="lax", play="educate-train", kind=F.BARRIER_SHARE, metric="*", threshold=0.1, min_n=1)
    assert recommend([lax], [finding(n=3)], k=K) == []
    assert recommend([lax], [finding(n=K)], k=K) != []


def test_a_rule_can_ask_for_a_larger_group_than_k():
    strict = RuleSpec(
        key="strict", play="educate-train", kind=F.BARRIER_SHARE, metric="*", threshold=0.1, min_n=30
    )
    assert recommend([strict], [finding(n=23)], k=K) == []
    assert recommend([strict], [finding(n=30)], k=K) != []


def test_comment_shares_need_the_comment_threshold():
    rule = RuleSpec(key="job", play="address-fear", kind=F.SOURCE_SHARE, metric="job", threshold=0.1)
    assert (
        recommend(
            [rule], [finding(kind=F.SOURCE_SHARE, metric="job", n=COMMENT_K - 1)], k=K, comment_k=COMMENT_K
        )
        == []
    )
    assert recommend(
        [rule], [finding(kind=F.SOURCE_SHARE, metric="job", n=COMMENT_K)], k=K, comment_k=COMMENT_K
    )


def test_the_comment_threshold_is_never_below_k():
    rule = RuleSpec(key="job", play="address-fear", kind=F.SOURCE_SHARE, metric="job", threshold=0.1)
    assert recommend([rule], [finding(kind=F.SOURCE_SHARE, metric="job", n=4)], k=K, comment_k=2) == []


@settings(deadline=None)  # a shared machine: no timed assertions
@given(
    n=st.integers(min_value=0, max_value=60), value=st.floats(min_value=0, max_value=1), k=st.integers(3, 12)
)
def test_no_recommendation_ever_rests_on_a_group_below_k(n, value, k):
    findings = [
        finding(kind=kind, metric=metric, value=value, n=n)
        for kind, metric in [
            (F.BARRIER_SHARE, "knowledge"),
            (F.PARTICIPATION, "response_rate"),
            (F.SOURCE_SHARE, "job"),
            (F.ADOPTION_STALLED, "active_share"),
            (F.ACTIONS_OVERDUE, "overdue"),
        ]
    ]
    for rec in recommend(built_in_rules(), findings, k=k, comment_k=10):
        assert all(e.finding.n >= k for e in rec.evidence)
        assert all(e.finding.n >= max(k, 10) for e in rec.evidence if e.finding.kind == F.SOURCE_SHARE)


def test_top_only_rules_need_the_top_finding():
    rule = RuleSpec(
        key="t", play="address-fear", kind=F.SOURCE_SHARE, metric="job", threshold=0.1, top_only=True
    )
    assert recommend([rule], [finding(kind=F.SOURCE_SHARE, metric="job", n=20, rank=2)], k=K) == []
    assert recommend([rule], [finding(kind=F.SOURCE_SHARE, metric="job", n=20, rank=1)], k=K)


def test_partner_rules_read_the_partner_as_a_whole():
    rule = RuleSpec(
        key="p",
        play="engage-partners",
        kind=F.ELEMENT_MEAN,
        metric="*",
        operator="<=",
        threshold=3,
        scope="partner",
    )
    our_site = finding(kind=F.ELEMENT_MEAN, metric="desire", value=2.5, scope=F.SCOPE_SITE, is_partner=False)
    their_team = finding(kind=F.ELEMENT_MEAN, metric="desire", value=2.5, scope=F.SCOPE_TEAM, is_partner=True)
    the_partner = finding(
        kind=F.ELEMENT_MEAN, metric="desire", value=2.5, scope=F.SCOPE_SITE, is_partner=True
    )
    assert recommend([rule], [our_site, their_team], k=K) == []
    assert recommend([rule], [the_partner], k=K)


def test_metric_patterns_match_prefixes():
    rule = RuleSpec(
        key="l", play="lead-by-example", kind=F.ELEMENT_MEAN, metric="leadership*", operator="<=", threshold=3
    )
    assert recommend([rule], [finding(kind=F.ELEMENT_MEAN, metric="leadership_example", value=2.8)], k=K)
    assert recommend([rule], [finding(kind=F.ELEMENT_MEAN, metric="desire", value=2.8)], k=K) == []


@pytest.mark.parametrize(
    "operator,value,fires",
    [(">=", 0.25, True), (">", 0.25, False), ("<=", 0.25, True), ("<", 0.25, False), ("<", 0.2, True)],
)
def test_operators_compare_the_value_with_the_threshold(operator, value, fires):
    rule = RuleSpec(key="o", play="p", kind=F.BARRIER_SHARE, metric="*", operator=operator, threshold=0.25)
    assert bool(recommend([rule], [finding(value=value)], k=K)) is fires


def test_a_rule_without_a_template_cites_the_findings_own_sentence():
    rule = RuleSpec(key="o", play="p", kind=F.BARRIER_SHARE, metric="*", threshold=0.25)
    assert (
        evidence_text(rule, finding())
        == "Knowledge is the barrier for 41% of respondents in Team Leeds-3, n=23"
    )


@pytest.mark.parametrize(
    "template,ok",
    [
        ("{metric_title} in {unit}: {value_pct}, n={n}", True),
        ("no placeholders at all", True),
        ("{unit.__class__}", False),
        ("{secret}", False),
        ("{value:.3f}", False),
        ("{unit!r}", False),
        ("{unclosed", False),
    ],
)
def test_evidence_templates_may_only_use_plain_known_placeholders(template, ok):
    assert (check_template(template) is None) is ok
