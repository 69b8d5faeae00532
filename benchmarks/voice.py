"""Similar ideas while typing: one query against a fitted TF-IDF index (what the idea form does on each
keystroke, via voice.similarity's cache) against refitting the model on every keystroke (the naive way).

Run: .venv/bin/python benchmarks/voice.py
"""

import random
import statistics
import time

from allaboard.voice.similarity import SimilarityIndex, document

WORDS = [
    "callback",
    "queue",
    "bill",
    "meter",
    "reading",
    "desk",
    "chat",
    "wrap-up",
    "code",
    "customer",
    "advisor",
    "rota",
    "weekend",
    "training",
    "shortcut",
    "template",
    "email",
    "complaint",
    "credit",
    "supervisor",
    "transfer",
    "security",
    "postcode",
    "search",
    "login",
    "quiet",
    "room",
    "break",
    "shift",
    "huddle",
    "coaching",
    "knowledge",
    "base",
    "partner",
    "overtime",
    "form",
    "moving",
    "home",
    "text",
    "message",
    "website",
    "wait",
]
QUERIES = [
    "book a callback slot when the queue is long",
    "templates for common emails",
    "fairer weekend rota",
]


def corpus(n: int, rng: random.Random) -> tuple[list[int], list[str]]:
    titles = [" ".join(rng.choices(WORDS, k=6)) for _ in range(n)]
    texts = [" ".join(rng.choices(WORDS, k=30)) for _ in range(n)]
    return list(range(1, n + 1)), [document(t, x) for t, x in zip(titles, texts, strict=True)]


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    rng = random.Random(7)
    print(
        f"{'ideas':>7} | {'fit once (ms)':>13} | {'query, fitted (ms)':>18} | {'refit per keystroke (ms)':>24} | speed-up"
    )
    print("-" * 86)
    for n in (500, 2_000, 5_000, 20_000):
        ids, texts = corpus(n, rng)
        fit = timed(lambda ids=ids, texts=texts: SimilarityIndex(ids, texts), 3)
        index = SimilarityIndex(ids, texts)
        query = timed(lambda index=index: [index.query(q) for q in QUERIES], 5) / len(QUERIES)
        naive = timed(lambda ids=ids, texts=texts: SimilarityIndex(ids, texts).query(QUERIES[0]), 3)
        assert SimilarityIndex(ids, texts).query(QUERIES[0]) == index.query(QUERIES[0])
        print(f"{n:>7,} | {fit:>13.0f} | {query:>18.1f} | {naive:>24.0f} | {naive / query:>7.0f}x")


if __name__ == "__main__":
    main()
