"""Attributed statements in an article's main text (issue 18): who said what, and where.

    paragraphs (text split at blank lines, offsets kept)
    | quotes       “...”, "...", «...», „...“: direct speech when a speaker and a
                   reporting verb stand right after ("..., Peskov said") or right
                   before ("Peskov said: ..."), or when the paragraph continues the
                   last speaker's quote
    | sentences    outside attributed quotes: reported speech, "X said (that) ...",
                   "..., X said", "according to X, ...", "по словам X, ...",
                   "X заявил, что ...", "..., — заявил X"
    | pronouns     "he said" resolves to the last named speaker

Pure: regexes built once from the tables in languages.py, no I/O, no model; about
a millisecond per news article. What is *not* a statement: a quoted title or
scare quote with no speaker and verb beside it, a quote with no speaker nearby, a
reporting verb whose subject is a relative pronoun ("the man who said ..."), a
subject that is not a name, role or pronoun ("The report said ...").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Literal

from topicwire.statements.languages import ENGLISH, LANGUAGES, RUSSIAN, Language

Kind = Literal["direct", "reported"]
MAX_TEXT = 200_000  # the store's own cap on an article's text
MIN_WORDS = 3  # a statement shorter than this is a title, a scare quote or a fragment


@dataclass(frozen=True)
class Statement:
    speaker: str  # as written: "Kremlin spokesman Dmitry Peskov", "he", "Пескова"
    resolved: str  # the named speaker a pronoun refers to; else ``speaker``
    text: str  # the quote's inside, or the reported clause
    kind: Kind
    language: str
    paragraph: int  # index among the text's paragraphs
    start: int  # character span of ``text`` in the article text
    end: int
    verb: str = ""  # the reporting verb as written ("" for a continued quote)
    alias: str | None = None  # filled by ``with_aliases``


@dataclass(frozen=True)
class _Quote:
    start: int  # inner span, absolute
    end: int
    outer_start: int
    outer_end: int


# Quote pairs; a paragraph whose quote never closes runs to the paragraph's end, as
# multi-paragraph quotes do in English news (the opening mark repeats, the closing does not).
_QUOTES = re.compile(r'“([^”“]*)(?:”|$)|"([^"]*)(?:"|$)|«([^»]*)(?:»|$)|„([^“”„]*)(?:[“”]|$)')
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Sr|Jr|Gen|Col|Lt|Sgt|Gov|Sen|Rep|Rev|Prof|Inc|Co|Corp|Ltd|No|vs|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|U\.N|E\.U|т|г|гг|им|ул)|\b[A-ZА-Я])\.$"
)
_SENTENCE_END = re.compile(r'[.!?…]+["”»’)]*\s+(?=["“«„(]?[A-ZА-ЯЁ0-9])')
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


def extract_statements(text: str) -> tuple[Statement, ...]:
    """Every attributed statement in ``text`` (paragraphs separated by blank lines), in order."""
    found: list[Statement] = []
    last_named = ""
    for index, (start, paragraph) in enumerate(_paragraphs(text[:MAX_TEXT])):
        language = _language(paragraph)
        previous_direct = bool(found) and found[-1].paragraph == index - 1 and found[-1].kind == "direct"
        for statement in _paragraph_statements(paragraph, start, index, language, previous_direct, found):
            if _pronoun(statement.speaker, language):
                statement = replace(statement, resolved=last_named or statement.speaker)
            elif statement.verb:
                last_named = statement.speaker
            found.append(statement)
    return tuple(found)


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    # Lines, not blank-line blocks: scraped text and feed content break paragraphs with one
    # newline, and a quote never usefully spans a line break.
    for match in re.finditer(r"[^\n]+", text):
        if match.group().strip():
            yield match.start(), match.group()


def _language(paragraph: str) -> Language:
    return RUSSIAN if len(_CYRILLIC.findall(paragraph)) > len(_LATIN.findall(paragraph)) else ENGLISH


def _pronoun(speaker: str, language: Language) -> bool:
    return speaker.lower() in language.pronouns


# --- patterns, built once per language ---------------------------------------------------------


@dataclass(frozen=True)
class _Patterns:
    speaker: str  # regex of a speaker, one named group "speaker"
    verb: str  # regex of a reporting verb, group "verb"
    after: re.Pattern[str]  # right after a closing quote: ", Peskov said" / ", — заявил Песков"
    before: re.Pattern[str]  # right before an opening quote: "Peskov said: "
    subject_first: re.Pattern[str]  # a sentence "X said (that) CLAUSE"
    clause_first: re.Pattern[str]  # a sentence "CLAUSE, X said."
    according_first: re.Pattern[str]  # "According to X, CLAUSE"
    according_last: re.Pattern[str]  # "CLAUSE, according to X."


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


def _build(lang: Language) -> _Patterns:
    cap = rf"[{lang.upper}][\w’'.\-]*"
    role = rf"(?:{_alternatives(lang.roles)})\b"
    joiner = rf"(?:{_alternatives(lang.joiners)})"
    word = rf"(?:{cap}|{role})"
    name = rf"{word}(?:(?:\s+{joiner})?\s+{word}|[’']s\s+{word}){{0,7}}"
    appositive = r"(?:,\s+(?:the\s+|a\s+)?[^,.;:“”\"«»]{3,60}?,)?"
    pronoun = rf"(?:{_alternatives(lang.pronouns)})\b"
    speaker = rf"(?P<speaker>(?i:{pronoun})|{name}{appositive})"
    speaker_after = speaker.replace("?P<speaker>", "?P<speaker2>")
    verb = rf"(?P<verb>(?:has\s+|had\s+|also\s+|later\s+|then\s+)?(?:{_alternatives(lang.verbs)}))\b"
    verb_after = verb.replace("?P<verb>", "?P<verb2>")
    adverb = r"(?:\w+ly\s+)?"
    dash = r"(?:[—–-]+\s*)?"
    flags = re.UNICODE
    return _Patterns(
        speaker=speaker,
        verb=verb,
        after=re.compile(
            rf"[,.!?…]?\s*{dash}(?:{speaker}\s+{adverb}{verb}|{verb_after}\s+{speaker_after})(?!\w)", flags
        ),
        before=re.compile(
            rf"(?:^|(?<=[.!?,;]\s)|(?<=[.!?,;]\s\s))(?:[^.!?“”\"«»]{{0,60}},\s+)?{speaker}\s+{adverb}{verb}"
            rf"(?:\s+[^.!?“”\"«»:]{{0,80}}?)?\s*[:,]?\s*[—–-]?\s*$",
            flags,
        ),
        subject_first=re.compile(
            rf"^(?:\([^)]{{1,20}}\)\s*)?(?:(?P<intro>[^,“”\"«»]{{1,150}}),\s*)?{speaker}\s+{adverb}{verb}(?P<rest>.*)$",
            flags | re.S,
        ),
        clause_first=re.compile(
            rf"^(?P<clause>.+?),\s*{dash}(?:{speaker}\s+{adverb}{verb}|{verb_after}\s+{speaker_after})"
            rf"(?P<tail>[^,]*(?:,[^,]*)?)$",
            flags | re.S,
        ),
        according_first=re.compile(
            rf"^(?i:{_alternatives(lang.according)})\s+{speaker},\s+(?P<clause>.+)$", flags | re.S
        ),
        according_last=re.compile(
            rf"^(?P<clause>.+?),\s+(?i:{_alternatives(lang.according)})\s+{speaker}[.!?]?$", flags | re.S
        ),
    )


_PATTERNS = {lang.code: _build(lang) for lang in LANGUAGES}
_DOCUMENTS = re.compile(
    r"^(?:the|a|an|his|her|their|its)?\s*(?:report|study|statement|letter|survey|data|poll|"
    r"document|filing|complaint|lawsuit|indictment|website|article|paper|book|memo|email|post)s?$",
    re.I,
)
_DETERMINERS = frozenset(("the", "a", "an", "his", "her", "their", "its", "another", "one", "some", "other"))


def _good_speaker(speaker: str, lang: Language) -> bool:
    """A name, a role or a pronoun: not "It" opening a sentence, not "The report"."""
    head = speaker.split(",")[0].strip()
    parts = head.split()
    if not parts:
        return False
    if _pronoun(head, lang):
        return head != "It"  # "It said" opening a sentence is rarely a company speaking
    if parts[0] in lang.not_speakers or _DOCUMENTS.match(head):
        return False
    return parts[-1].lower() not in _DETERMINERS


# --- one paragraph ---------------------------------------------------------------------------


def _paragraph_statements(
    paragraph: str, base: int, index: int, lang: Language, previous_direct: bool, found: list[Statement]
) -> list[Statement]:
    pats = _PATTERNS[lang.code]
    direct = _direct(paragraph, base, index, lang, pats, previous_direct, found)
    covered = [(s.start - base, s.end - base) for s in direct]
    reported = [
        s
        for s_start, sentence in _sentences(paragraph)
        if not any(a < s_start + len(sentence) and s_start < b for a, b in covered)
        for s in _reported(sentence, base + s_start, index, lang, pats)
    ]
    return sorted(direct + reported, key=lambda s: s.start)


def _quotes(paragraph: str, base: int) -> list[_Quote]:
    quotes = []
    for match in _QUOTES.finditer(paragraph):
        group = next(g for g in range(1, 5) if match.group(g) is not None)
        quotes.append(_Quote(base + match.start(group), base + match.end(group), match.start(), match.end()))
    return quotes


def _direct(
    paragraph: str,
    base: int,
    index: int,
    lang: Language,
    pats: _Patterns,
    previous_direct: bool,
    found: list[Statement],
) -> list[Statement]:
    out: list[Statement] = []
    for quote in _quotes(paragraph, base):
        inner = paragraph[quote.start - base : quote.end - base]
        start, text = _trim(inner, quote.start)
        if len(text.split()) < MIN_WORDS:
            continue
        who = _attribution(paragraph, quote, lang, pats)
        if who is None and out and _opens_sentence(paragraph, quote.outer_start):
            # '"Q1," he said. "Q2."': the same speaker goes on
            who = (out[-1].speaker, "")
        if who is None and previous_direct and not paragraph[: quote.outer_start].strip():
            who = (found[-1].speaker, "")  # a paragraph continuing the last speaker's quote
        if who is None:
            continue
        speaker, verb = who
        out.append(Statement(speaker, speaker, text, "direct", lang.code, index, start, start + len(text), verb))
    return out


def _attribution(paragraph: str, quote: _Quote, lang: Language, pats: _Patterns) -> tuple[str, str] | None:
    after = pats.after.match(paragraph, quote.outer_end)
    # '"Will you ...?" Peskov said, "We ..."': the attribution introduces the next quote
    # '"Q." He also stressed ...' is a new sentence, not an attribution: a quote ends with a
    # comma, "?" or "!" before its speaker, or a dash follows it (Russian «...», — заявил).
    closes = paragraph[quote.outer_start : quote.outer_end].rstrip('”"»“ ').endswith((",", "?", "!", "…"))
    dashed = re.match(r"\s*,?\s*[—–-]", paragraph[quote.outer_end :]) is not None
    if after and (closes or dashed) and not re.match(r"\s*[,:]?\s*[“\"«„]", paragraph[after.end() :]):
        speaker = after.group("speaker") or after.group("speaker2")
        verb = after.group("verb") or after.group("verb2")
        if _good_speaker(speaker, lang):
            return speaker.strip().rstrip("."), verb
    head = paragraph[: quote.outer_start]
    before = pats.before.search(head[-240:])
    if before and _good_speaker(before.group("speaker"), lang):
        return before.group("speaker").strip().rstrip("."), before.group("verb")
    return None


def _opens_sentence(paragraph: str, at: int) -> bool:
    """Is the quote at ``at`` the start of a sentence (not "described as “...”")?"""
    return bool(re.search(r"(?:^|[.!?…:,][”\"»’]?)\s*$", paragraph[:at]))


def _trim(inner: str, start: int) -> tuple[int, str]:
    """The quote without surrounding spaces and the comma US style puts inside it."""
    stripped = inner.lstrip()
    start += len(inner) - len(stripped)
    stripped = stripped.rstrip().rstrip(",").rstrip()
    return start, stripped


def _sentences(paragraph: str) -> Iterator[tuple[int, str]]:
    start = 0
    for match in _SENTENCE_END.finditer(paragraph):
        if _ABBREVIATIONS.search(paragraph[start : match.start() + 1]):
            continue
        yield start, paragraph[start : match.end()].rstrip()
        start = match.end()
    if paragraph[start:].strip():
        yield start, paragraph[start:].rstrip()


def _reported(sentence: str, base: int, index: int, lang: Language, pats: _Patterns) -> list[Statement]:
    for attempt in (_according, _subject_first, _clause_first):
        found = attempt(sentence, lang, pats)
        if found is not None:
            speaker, verb, offset, clause = found
            start, text = _trim(clause, base + offset)
            text = text.rstrip(".!?…")
            if len(text.split()) >= MIN_WORDS and _good_speaker(speaker, lang):
                speaker = speaker.strip().rstrip(".")
                return [Statement(speaker, speaker, text, "reported", lang.code, index, start, start + len(text), verb)]
    return []


Found = tuple[str, str, int, str] | None  # speaker, verb, clause offset, clause


_BY_HIS_WORDS = re.compile(r"^(?i:по\s+(?P<speaker>его|ее|её|их)\s+(?:словам|мнению|данным)),\s+(?P<clause>.+)$", re.S)


def _according(sentence: str, lang: Language, pats: _Patterns) -> Found:
    if lang.code == "ru":  # "по его словам, ...": the pronoun stands before the noun
        match = _BY_HIS_WORDS.match(sentence)
        if match:
            return match.group("speaker"), "по словам", match.start("clause"), match.group("clause")
    for pattern in (pats.according_first, pats.according_last):
        match = pattern.match(sentence)
        if match:
            verb = sentence[: match.start("speaker")].strip() if pattern is pats.according_first else ""
            return match.group("speaker"), verb or "according to", match.start("clause"), match.group("clause")
    return None


def _subject_first(sentence: str, lang: Language, pats: _Patterns) -> Found:
    match = pats.subject_first.match(sentence)
    if not match:
        return None
    rest, offset = match.group("rest"), match.start("rest")
    if rest[:1].isalnum():  # "Peskov saidx": the verb must end at a word boundary
        return None
    # "told reporters on Tuesday that ...": the clause starts after the complementizer,
    # if one comes within a few words; else right after the verb ("said Moscow was ...").
    head = re.match(rf"^((?:\s+[^\s,.;:]+){{0,{lang.object_max}}}?)\s*,?\s+{lang.complementizer}\b", rest)
    if head:
        offset += head.end()
    elif re.match(r"^\s*[:,]", rest):
        offset += len(re.match(r"^\s*[:,]\s*", rest).group())  # type: ignore[union-attr]
    elif match.group("verb").endswith(("told", "tells")) or lang.code == "ru":
        return None  # "told the court" with no clause marker: not a statement we can delimit
    clause = sentence[offset:]
    if clause.lstrip()[:1] in '“"«„':
        return None  # the quote after it was not attributed as direct: a title or a fragment
    return match.group("speaker"), match.group("verb"), offset, clause


def _clause_first(sentence: str, lang: Language, pats: _Patterns) -> Found:
    match = pats.clause_first.match(sentence)
    if not match:
        return None
    clause = match.group("clause")
    tail = match.group("tail")
    if re.match(rf"^[\s,]*(?:{lang.complementizer})\b", tail) or len(tail.split()) > 12:
        return None  # "..., Peskov stated that X": the statement is X, after the verb
    if clause.lstrip()[:1] in '“"«„—–-' or len(clause.split()) < 4:
        return None
    speaker = match.group("speaker") or match.group("speaker2")
    verb = match.group("verb") or match.group("verb2")
    return speaker, verb, match.start("clause"), clause


def with_aliases(statements: tuple[Statement, ...], resolve: object) -> tuple[Statement, ...]:
    """``statements`` with ``alias`` set by ``resolve(name) -> alias | None`` (a ``Speakers.resolve``)."""
    assert callable(resolve)
    return tuple(replace(s, alias=resolve(s.resolved) or resolve(s.speaker)) for s in statements)
