"""Benchmark the playbook's rule evaluation: findings per second through `rules.recommend`.

Run:  .venv/bin/python benchmarks/playbook.py [--sizes 1000,10000,100000]

The built-in rules (data/plays.toml) read synthetic findings shaped like a large organisation's: per team,
five barrier shares, five element means, participation, a few resistance-source shares, sometimes overdue
actions; a share of them about groups below k. `recommend` indexes the rules by finding kind; the naive
baseline in the same run tries every rule on every finding. Both must give the same recommendations.
"""

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from allaboard.playbook import findings as F  # noqa: E402
from allaboard.playbook.library import built_in_library  # noqa: E402
from allaboard.playbook.rules import Evidence, Recommendation, RuleSpec, evidence_text, minimum_n, recommend  # noqa: E402

K, COMMENT_K = 5, 10
ELEMENTS = ["awareness", "desire", "knowledge", "ability", "reinforcement"]
SOURCES = ["why", "benefit", "job", "disruption", "skills", "loss", "voice", "leadership", "fatigue", "tools"]


def built_in_rules() -> list[RuleSpec]:
    return [
        RuleSpec(play=p["slug"], **{"metric": "*", **r})
        for p in built_in_library()
        for r in p.get("rules", [])
    ]


def synthetic_findings(count: int, rng: random.Random) -> list[F.Finding]:
    out: list[F.Finding] = []
    team = 0
    while len(out) < count:
        team += 1
        n = rng.choice([3, 4, 8, 12, 18, 22, 25, 40])
        partner = team % 5 == 0
        common = {"unit_id": team, "wave_id": 1, "unit_name": f"Team {team}", "is_partner": partner}
        for element in ELEMENTS:
            out.append(
                F.Finding(kind=F.BARRIER_SHARE, metric=element, value=rng.random() * 0.5, n=n, **common)
            )
            out.append(
                F.Finding(kind=F.ELEMENT_MEAN, metric=element, value=rng.uniform(2, 4.5), n=n, **common)
            )
        out.append(
            F.Finding(kind=F.PARTICIPATION, metric="response_rate", value=rng.random(), n=n + 5, **common)
        )
        for rank, source in enumerate(rng.sample(SOURCES, 3), start=1):
            out.append(
                F.Finding(
                    kind=F.SOURCE_SHARE, metric=source, value=rng.random() * 0.4, n=n, rank=rank, **common
                )
            )
        if rng.random() < 0.2:
            out.append(
                F.Finding(kind=F.ACTIONS_OVERDUE, metric="overdue", value=rng.randint(1, 3), n=n, **common)
            )
    return out[:count]


def naive(rules, findings, k, comment_k):
    """Every rule against every finding, no index."""
    found = {}
    for finding in findings:
        for rule in rules:
            if finding.n < minimum_n(finding, k, comment_k) or not rule.matches(finding, k, comment_k):
                continue
            rec = found.setdefault(
                (rule.play, finding.unit_id), Recommendation(rule.play, finding.unit_id, finding.unit_name)
            )
            rec.evidence.append(Evidence(rule.key, rule.describe(), evidence_text(rule, finding), finding))
    return found


def timed(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    rules = built_in_rules()
    rng = random.Random(7)
    print(f"{len(rules)} built-in rules; k={K}, comment threshold={COMMENT_K}\n")
    print(
        f"{'findings':>10} {'recommendations':>16} {'indexed (s)':>12} {'findings/s':>12} {'naive (s)':>10} {'speed-up':>9}"
    )
    for size in [int(s) for s in args.sizes.split(",")]:
        findings = synthetic_findings(size, rng)
        result = recommend(rules, findings, k=K, comment_k=COMMENT_K)
        baseline = naive(rules, findings, K, COMMENT_K)
        assert {(r.play, r.unit_id): len(r.evidence) for r in result} == {
            key: len(rec.evidence) for key, rec in baseline.items()
        }, "indexed and naive evaluation disagree"
        fast = timed(lambda f=findings: recommend(rules, f, k=K, comment_k=COMMENT_K))
        slow = timed(lambda f=findings: naive(rules, f, K, COMMENT_K), repeat=1)
        print(
            f"{size:>10,} {len(result):>16,} {fast:>12.3f} {size / fast:>12,.0f} {slow:>10.3f} {slow / fast:>8.1f}x"
        )


if __name__ == "__main__":
    main()
