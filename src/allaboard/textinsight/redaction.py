"""Mask what could identify a person in free text, before it is stored or shown.

- emails -> [email]
- phone numbers, UK and international -> [phone]
- employee ids in the organisation's formats (derived from Person.employee_id) -> [id]
- names of people in the organisation -> [name]: given + family name in any case; a capitalised given name
  or family name of someone in the organisation on its own (at the start of a sentence, only when it is not
  also a common English word there, so "Will the desk work?" keeps its "Will").

Free text from customers is redacted the same way: customers often name the agent who helped them.
"""

import re
import threading
import unicodedata
from dataclasses import dataclass, field

NAME, EMAIL, PHONE, ID = "[name]", "[email]", "[phone]", "[id]"

EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone-like run: optional +country code, optional (0), then groups of digits split by space . - or
# brackets. Candidates are kept only with 9 to 15 digits, so dates, amounts and times are left alone.
PHONE_RE = re.compile(
    r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().-]{7,22}\d(?![\w])",
)
PHONE_DIGITS = (9, 15)
WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "madam", "prof"}
# Words that are names of people and also ordinary English words that often start a sentence. At the start
# of a sentence they are kept (unless followed by a family name: "Will Jones" is always masked).
_START_WORDS = (
    "will may can bill hope faith joy price green young long white black brown little rich bell hall wood "
    "hill king cook page lane west north south summer june april august guy chase reading sky major lord "
    "english"
)
SENTENCE_START_WORDS = frozenset(_START_WORDS.split())
SENTENCE_END = re.compile(r"[.!?\n:;\"“(]\s*$")


def _fold(word: str) -> str:
    """Lower case without accents, so "José" and "jose" match."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c)
    ).replace("’", "'")


@dataclass
class Redactor:
    """Masks the names and ids of one organisation. Build it once per batch with `Redactor.from_org()`."""

    full_names: set[tuple[str, ...]] = field(default_factory=set)
    given: set[str] = field(default_factory=set)
    family: set[str] = field(default_factory=set)
    id_patterns: list[re.Pattern] = field(default_factory=list)
    longest: int = 2

    @classmethod
    def from_names(cls, names: list[tuple[str, str]], employee_ids: list[str] = ()) -> "Redactor":
        redactor = cls()
        for given, family in names:
            given_parts = [_fold(w) for w in WORD_RE.findall(given or "")]
            family_parts = [_fold(w) for w in WORD_RE.findall(family or "")]
            if given_parts and family_parts:
                redactor.full_names.add(tuple(given_parts + family_parts))
                redactor.full_names.add(tuple(given_parts[:1] + family_parts))
                redactor.full_names.add(tuple(family_parts + given_parts[:1]))  # "Khan, Imran" / "Khan Imran"
            redactor.given.update(p for p in given_parts if len(p) > 1)
            if len(family_parts) == 1 and len(family_parts[0]) > 1:
                redactor.family.add(family_parts[0])
            elif len(family_parts) > 1:
                redactor.full_names.add(tuple(family_parts))  # "Dela Cruz" alone
        redactor.longest = max((len(n) for n in redactor.full_names), default=2)
        redactor.id_patterns = id_patterns(employee_ids)
        return redactor

    @classmethod
    def from_org(cls) -> "Redactor":
        from allaboard.org.models import Person

        rows = list(Person.objects.values_list("given_name", "family_name", "employee_id"))
        return cls.from_names([(g, f) for g, f, _ in rows], [e for _, _, e in rows if e])

    def redact(self, text: str) -> str:
        if not text:
            return ""
        text = EMAIL_RE.sub(EMAIL, text)
        for pattern in self.id_patterns:
            text = pattern.sub(ID, text)
        text = PHONE_RE.sub(_phone, text)
        return self._names(text)

    def _names(self, text: str) -> str:
        if not (self.given or self.family or self.full_names):
            return text
        words = list(WORD_RE.finditer(text))
        folded = [_fold(m.group()) for m in words]
        spans: list[tuple[int, int]] = []
        i = 0
        while i < len(words):
            matched = self._full_name_at(text, words, folded, i)
            if matched:
                spans.append((words[i].start(), words[i + matched - 1].end()))
                i += matched
                continue
            word = words[i].group()
            key = folded[i]
            if word[:1].isupper() and (key in self.given or key in self.family):
                start_of_sentence = i == 0 or bool(SENTENCE_END.search(text[: words[i].start()]))
                after_title = i > 0 and folded[i - 1] in TITLES
                if after_title or not start_of_sentence or key not in SENTENCE_START_WORDS:
                    spans.append((words[i].start(), words[i].end()))
            i += 1
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            out.append(text[last:start])
            out.append(NAME)
            last = end
        out.append(text[last:])
        return "".join(out)

    def _full_name_at(self, text, words, folded, i) -> int:
        """The number of words of the longest organisation full name starting at word i (0 if none)."""
        for size in range(min(self.longest, len(words) - i), 1, -1):
            # Only words separated by spaces, a comma or a hyphen form a name.
            gaps = [text[words[j].end() : words[j + 1].start()] for j in range(i, i + size - 1)]
            if any(gap.strip(" ,\t-") or len(gap) > 3 for gap in gaps):
                continue
            if tuple(folded[i : i + size]) in self.full_names:
                return size
        return 0


def _phone(match: re.Match) -> str:
    candidate = match.group()
    digits = sum(c.isdigit() for c in candidate)
    if not PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return candidate
    # A run of digits with a decimal point and at most two decimals is an amount, not a phone number.
    if re.fullmatch(r"[\d,]+\.\d{1,2}", candidate.strip()):
        return candidate
    return PHONE


def id_patterns(employee_ids) -> list[re.Pattern]:
    """Regexes for the organisation's employee id formats, derived from existing ids.

    Each id's shape (letters kept, each digit run replaced by its length) becomes one pattern, so BW123456
    and APX123456 give `BW\\d{6}` and `APX\\d{6}`; a shape with no letters needs at least 6 digits to count.
    """
    shapes: set[str] = set()
    for emp in employee_ids:
        emp = (emp or "").strip()
        if len(emp) < 4:
            continue
        parts = re.findall(r"\d+|[A-Za-z]+|[^A-Za-z\d]", emp)
        if not any(p.isdigit() for p in parts):
            continue
        if not any(p.isalpha() for p in parts) and len(emp) < 6:
            continue
        shape = "".join(
            rf"\d{{{len(p)}}}" if p.isdigit() else re.escape(p.upper() if p.isalpha() else p) for p in parts
        )
        shapes.add(shape)
    if not shapes:
        return []
    # One alternation, longest first, in a few chunks to keep each regex small.
    ordered = sorted(shapes, key=len, reverse=True)
    chunks = [ordered[i : i + 200] for i in range(0, len(ordered), 200)]
    return [re.compile(r"(?<![\w])(?:" + "|".join(chunk) + r")(?![\w])", re.IGNORECASE) for chunk in chunks]


_cache = threading.local()
_generation = [0]


def forget_names(**_kwargs) -> None:
    """Signal receiver: a Person changed, so the next redaction rebuilds its name list."""
    _generation[0] += 1


def current_redactor() -> Redactor:
    """The organisation's redactor, rebuilt when people are added, removed or renamed."""
    from django.db.models import Count, Max

    from allaboard.org.models import Person

    stats = Person.objects.aggregate(n=Count("id"), top=Max("id"))
    fingerprint = (stats["n"], stats["top"], _generation[0])
    cached = getattr(_cache, "value", None)
    if cached is None or cached[0] != fingerprint:
        cached = (fingerprint, Redactor.from_org())
        _cache.value = cached
    return cached[1]


def redact(text: str) -> str:
    """Mask names of people in the organisation, emails, phone numbers and employee ids in `text`."""
    return current_redactor().redact(text or "")
