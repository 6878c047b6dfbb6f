"""Attributed statements in an article's main text (issue 18): who said what, and where.

    paragraphs (lines of the text, offsets kept)
    | quotes       “...”, "...", «...», „...“: direct speech when a speaker and a
                   reporting verb stand right after ("..., Peskov said") or right
                   before ("Peskov said: ..."), when an earlier quote of the paragraph
                   was attributed ('"Q1," he said. "Q2."'), or when the paragraph
                   continues the last paragraph's quote
    | sentences    reported speech (reported.py): "X said (that) ...", "..., X said",
                   "according to X, ...", "..., saying (that) ...", "по словам X, ...",
                   "X заявил, что ...", "..., — заявил X"; who may speak: names.py
    | pronouns     "he said" resolves to the latest named subject or speaker before it

Pure: regexes built once from the tables in languages.py (patterns.py), no I/O, no
model; about a millisecond per news article (bench/statements.py). What is *not* a
statement: a quoted title or scare quote with no speaker and verb beside it, a
quote with no speaker nearby, a reporting verb whose subject is a relative pronoun
("the man who police said was armed"), a subject that is a document ("The report
said"), a verb with an object but no clause ("announced the deal").
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from topicwire.statements.languages import ENGLISH, RUSSIAN, Language
from topicwire.statements.names import clean, good_speaker, is_pronoun
from topicwire.statements.patterns import PATTERNS, QUOTES, Patterns
from topicwire.statements.reported import MIN_REPORTED, make, reported_in, second_verb, trim
from topicwire.types import Statement

MAX_TEXT = 200_000  # the store's own cap on an article's text
MIN_DIRECT = 2  # words of an attributed quote: '"That\'s correct," Volker said.'


@dataclass(frozen=True)
class _Quote:
    start: int  # inner span, in the paragraph
    end: int
    outer_start: int  # with the quote marks
    outer_end: int
    tail: bool = False  # closes a quote opened in an earlier paragraph


_ABBREVIATIONS = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Sr|Jr|Gen|Col|Lt|Sgt|Gov|Sen|Rep|Rev|Prof|Inc|Co|Corp|Ltd|No|vs|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|U\.S|U\.K|U\.N|E\.U|т|г|гг|им|ул)|\b[A-ZА-Я])\.$"
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"”»’)]*\s+(?=[\"“«„(]?[A-ZА-ЯЁ0-9])")
_TAIL = re.compile(r"^\s*(?P<text>[^“”\"«»„]+?[,.!?…])[”\"»](?=\s|$)")
_WORDS = re.compile(r"\w+")
_ANY_QUOTE = re.compile(r"[“\"«„”»]")
_CUES = frozenset().union(*(p.cues for p in PATTERNS.values()))
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_LATIN = re.compile(r"[A-Za-z]")


def extract_statements(text: str) -> tuple[Statement, ...]:
    """Every attributed statement in ``text``, in order of position."""
    text = text[:MAX_TEXT]
    if not _ANY_QUOTE.search(text) and _CUES.isdisjoint(_WORDS.findall(text.lower())):
        return ()  # no quote mark and no reporting word in any language: nothing to look for
    found: list[Statement] = []
    # What a later pronoun may refer to, in text order: a statement's speaker, or a sentence
    # whose subject is read only when a pronoun looks back at it (most never are).
    named: list[tuple[int, str | None, str, Language]] = []
    dangling: Statement | None = None  # a quote left open at the end of the last paragraph
    first: dict[str, int] = {}  # where a word first occurs in the text (for _antecedent)
    for index, (base, paragraph) in enumerate(_paragraphs(text)):
        lang = _language(paragraph)
        pats = PATTERNS[lang.code]
        sentences = list(_sentences(paragraph))
        quotes = _find_quotes(paragraph)
        named.extend((base + at, None, sentence, lang) for at, sentence in sentences if not _inside(at, quotes))
        previous = found[-1] if found and found[-1].paragraph == index - 1 else None
        statements, opened = _paragraph(paragraph, base, index, lang, pats, sentences, quotes, previous)
        if (
            dangling is not None
            and statements
            and quotes
            and quotes[0].tail
            and statements[0].start <= base + quotes[0].end
        ):
            # '"There are realities. / The constitution exists," Peskov said.': one quote, two lines
            statements.insert(0, replace(dangling, speaker=statements[0].speaker, resolved=statements[0].speaker))
        dangling = opened
        for statement in statements:
            if is_pronoun(statement.speaker, lang):
                who = _antecedent(named, statement.start, lambda word, at: first.setdefault(word, text.find(word)) < at)
                statement = replace(statement, resolved=who or statement.speaker)
            insort(named, (statement.start, statement.resolved, "", lang), key=_position)
            found.append(statement)
    return tuple(found)


def _position(entry: tuple[int, str | None, str, Language]) -> int:
    return entry[0]


def _antecedent(named: list[tuple[int, str | None, str, Language]], at: int, seen: Callable[[str, int], bool]) -> str:
    """The latest speaker or named sentence subject before ``at`` (30 candidates back at most).

    A one-word subject counts only if ``seen(word, position)`` (the word occurs earlier in the
    text): news introduces a person by full name and then goes on with the surname, so a bare
    capitalised word first met as a subject is rarely a person ("Hours later, ...", "Asked
    about it, ...", "Claims ...")."""
    end = bisect_left(named, at, key=_position)
    candidates = named[max(0, end - 30) : end]
    for position, name, sentence, lang in reversed(candidates):
        who = name if name is not None else _subject(sentence, lang, PATTERNS[lang.code])
        if who and (name is not None or " " in who or seen(who, position)):
            return who
    return ""


def with_aliases(statements: tuple[Statement, ...], resolve: Callable[[str], str | None]) -> tuple[Statement, ...]:
    """``statements`` with ``alias`` set by ``resolve(name)`` (a ``Speakers.resolve``)."""
    return tuple(replace(s, alias=resolve(s.resolved) or resolve(s.speaker)) for s in statements)


def sentence_context(text: str, start: int, end: int) -> tuple[str, str, str]:
    """(the sentence before, the sentences holding ``text[start:end]``, the sentence after),
    read in the span's line and the lines around it: a statement entry's content."""
    lines = list(_paragraphs(text))
    at = max((i for i, (base, _) in enumerate(lines) if base <= start), default=0)
    spans: list[tuple[int, int]] = []
    for base, line in lines[max(0, at - 1) : at + 2]:
        spans.extend((base + s_at, base + s_at + len(sentence)) for s_at, sentence in _sentences(line))
    inside = [i for i, (a, b) in enumerate(spans) if a < end and start < b] or [0]
    first, last = inside[0], inside[-1]
    before = text[slice(*spans[first - 1])] if first > 0 else ""
    after = text[slice(*spans[last + 1])] if last + 1 < len(spans) else ""
    middle = text[spans[first][0] : spans[last][1]] if spans else text[start:end]
    return before, middle, after


def _paragraphs(text: str) -> Iterator[tuple[int, str]]:
    # Lines, not blank-line blocks: scraped text and feed content break paragraphs with one
    # newline, and a quote never usefully spans a line break.
    for match in re.finditer(r"[^\n]+", text):
        if match.group().strip():
            yield match.start(), match.group()


def _language(paragraph: str) -> Language:
    if paragraph.isascii() or not _CYRILLIC.search(paragraph):
        return ENGLISH
    return RUSSIAN if len(_CYRILLIC.findall(paragraph)) > len(_LATIN.findall(paragraph)) else ENGLISH


def _sentences(paragraph: str) -> Iterator[tuple[int, str]]:
    start = len(paragraph) - len(paragraph.lstrip())
    for match in _SENTENCE_END.finditer(paragraph):
        if _ABBREVIATIONS.search(paragraph[start : match.start() + 1]):
            continue
        yield start, paragraph[start : match.end()].rstrip()
        start = match.end()
    if paragraph[start:].strip():
        yield start, paragraph[start:].rstrip()


def _subject(sentence: str, lang: Language, pats: Patterns) -> str:
    """The named subject of ``sentence`` ("Morrison was the third witness ..."), or ""."""
    for pattern in (pats.subject, pats.subject_after_intro):
        match = pattern.match(sentence)
        speaker = clean(match.group("speaker")) if match else ""
        if speaker and good_speaker(speaker, lang) and not is_pronoun(speaker, lang) and speaker[:1].isupper():
            return speaker
    return ""


# --- one paragraph ---------------------------------------------------------------------------


def _paragraph(
    paragraph: str,
    base: int,
    index: int,
    lang: Language,
    pats: Patterns,
    sentences: list[tuple[int, str]],
    quotes: list[_Quote],
    previous: Statement | None,
) -> tuple[list[Statement], Statement | None]:
    """The paragraph's statements, and its last quote if it is left open and unattributed."""
    direct, opened = _direct(paragraph, base, index, lang, pats, quotes, sentences, previous)
    starts = {d.start for d in direct if d.speaker}
    spans = [(q.outer_start + base, q.outer_end + base) for q in quotes if q.start + base in starts]
    reported: list[Statement] = []
    if pats.cues.isdisjoint(_WORDS.findall(paragraph.lower())):
        sentences = []  # no reporting verb anywhere: no reported speech
    for at, sentence in sentences:
        if _inside(at, quotes) or pats.cues.isdisjoint(_WORDS.findall(sentence.lower())):
            continue  # a sentence inside a quote is the quoted speaker's, not reported speech
        for statement in reported_in(sentence, base + at, index, lang, pats):
            cut = _before_quotes(statement, spans)
            if cut is not None:
                reported.append(cut)
    taken = sorted((r.start, r.end) for r in reported)
    for statement in direct:
        # the quote holding the statement: the last one opening at or before it (one bisection;
        # a scan of every quote per statement took 18 s on a line of 20,000 quotes)
        i = bisect_left(quotes, statement.start - base + 1, key=_inner_start) - 1
        quote = quotes[i] if i >= 0 and statement.start - base <= quotes[i].end else None
        added = _added_after(paragraph, quote.outer_end, statement, base, lang, pats) if quote else None
        cut = _before_quotes(added, spans) if added is not None else None
        if cut is not None and not _overlaps(taken, cut.start, cut.end):
            reported.append(cut)  # once: a sentence read for reported speech may have found it
    left = [d for d in direct if d.speaker or opened is None or d.start != opened.start]
    return _after_reported(sorted(left + reported, key=lambda s: s.start)), opened


def _added_after(
    paragraph: str, end: int, quoted: Statement, base: int, lang: Language, pats: Patterns
) -> Statement | None:
    """'"Q," Peskov said, adding that X': X is reported speech of the quote's speaker."""
    after = pats.after.match(paragraph, end)
    if after is None or not quoted.verb:
        return None
    stop = _SENTENCE_END.search(paragraph, after.end())
    rest = paragraph[after.end() : stop.start() + 1 if stop else len(paragraph)]
    second = second_verb(rest, lang, pats)
    if second is None or len(rest[: second[1]].split()) > 6 or _ANY_QUOTE.search(rest[: second[1]]):
        return None  # "..., adding" must follow the attribution ("said on Tuesday, adding that")
    at = after.end() + second[2]
    return make(quoted.speaker, second[0], rest[second[2] :], base + at, quoted.paragraph, lang, pats)


def _find_quotes(paragraph: str) -> list[_Quote]:
    """The paragraph's quotes; first, text ending in a closing mark that nothing opened
    (the end of a quote opened on the line before)."""
    quotes, at = [], 0
    tail = _TAIL.match(paragraph)
    if tail:
        quotes.append(_Quote(tail.start("text"), tail.end("text"), 0, tail.end(), tail=True))
        at = tail.end()
    for match in QUOTES.finditer(paragraph, at):
        group = next(g for g in range(1, 4) if match.group(g) is not None)
        quotes.append(_Quote(match.start(group), match.end(group), match.start(), match.end()))
    return quotes


def _inside(at: int, quotes: list[_Quote]) -> bool:
    """Is ``at`` inside a quote? Quotes do not overlap and are in order: one bisection."""
    i = bisect_left(quotes, at, key=_outer_start) - 1
    return i >= 0 and at < quotes[i].outer_end - 1


def _outer_start(quote: _Quote) -> int:
    return quote.outer_start


def _inner_start(quote: _Quote) -> int:
    return quote.start


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Does [start, end) overlap one of ``spans`` (sorted by start)? Spans may nest (reported
    speech inside reported speech), so the last few starting before ``end`` are looked at, not
    only the last one; a paragraph's reported statements do not pile up deeper than that."""
    i = bisect_left(spans, (end, end))
    return any(e > start for _, e in spans[max(0, i - 8) : i])


def _before_quotes(statement: Statement, spans: list[tuple[int, int]]) -> Statement | None:
    """A reported clause ends where an attributed quote of its sentence starts
    ('he never used the term "three amigos" and added, "I frankly ..."')."""
    first = max(0, bisect_left(spans, (statement.start, 0)) - 1)
    for start, end in spans[first:]:
        if start >= statement.end:
            break
        if statement.start < end:
            if start <= statement.start:
                return None
            text = statement.text[: start - statement.start].rstrip(" ,:;—–-")
            text = re.sub(r"(?:,?\s+(?:and|but)\s+\w+)$", "", text)
            if len(text.split()) < MIN_REPORTED:
                return None
            return replace(statement, text=text, end=statement.start + len(text))
    return statement


def _direct(
    paragraph: str,
    base: int,
    index: int,
    lang: Language,
    pats: Patterns,
    quotes: list[_Quote],
    sentences: list[tuple[int, str]],
    previous: Statement | None,
) -> tuple[list[Statement], Statement | None]:
    out: list[Statement] = []
    waiting: list[Statement] = []  # unattributed quotes opening a sentence
    opened = None
    for quote in quotes:
        start, text = trim(paragraph[quote.start : quote.end], quote.start + base)
        if len(text.split()) < MIN_DIRECT:
            continue
        opens = _opens_sentence(paragraph, quote.outer_start)
        who = _attribution(paragraph, quote, lang, pats, sentences)
        if who is not None and not opens:
            continue  # 'Apple was "pulled into the enterprise," Cook said': reported speech
        if who is not None and _continues(paragraph, quote, text, pats):
            continue  # 'They could not, he said, "so it might be ...," Lee argued': one reported clause
        if who is None and out and opens:
            who = (out[-1].speaker, "")  # '"Q1," he said. "Q2."': the same speaker goes on
        alone = not paragraph[: quote.outer_start].strip() and not paragraph[quote.outer_end :].strip()
        if who is None and previous is not None and alone:
            who = (previous.speaker, "")  # a paragraph continuing the last paragraph's quote
        if who is not None:
            speaker, verb = who
            out.append(Statement(speaker, speaker, text, "direct", lang.code, index, start, start + len(text), verb))
        elif opens:
            waiting.append(Statement("", "", text, "direct", lang.code, index, start, start + len(text)))
            unclosed = quote.outer_end == len(paragraph) and paragraph.rstrip()[-1:] not in '”"»'
            opened = waiting[-1] if unclosed else None
    return _attributed_by_next(out, waiting, paragraph, base), opened


def _attributed_by_next(out: list[Statement], waiting: list[Statement], paragraph: str, base: int) -> list[Statement]:
    """'"Q1." "Q2," he said.': a quote right before an attributed one is the same speaker's.
    A quote left unattributed is returned with no speaker, for _after_reported."""
    starts = [s.start for s in out]
    for quote in waiting:
        i = bisect_left(starts, quote.end + 1)
        following = out[i] if i < len(out) else None
        between = paragraph[quote.end - base : following.start - base] if following else "x"
        if following is not None and not between.strip(' ,.!?…”"»“«„'):
            out.append(replace(quote, speaker=following.speaker, resolved=following.speaker))
        elif not out or out[0].start > quote.start:
            out.append(quote)
    return sorted(out, key=lambda s: s.start)


def _after_reported(statements: list[Statement]) -> list[Statement]:
    """'Taking him out is his favourite thing, he said. "The highlight is ..."': a quote opening a
    sentence after the paragraph's reported speech, with no speaker of its own, goes on with it."""
    out: list[Statement] = []
    spoken = {s.start for s in statements if s.speaker}  # ', saying, "Q"' gave the quote a speaker
    for statement in statements:
        if statement.speaker:
            out.append(statement)
        elif out and out[-1].kind == "reported" and statement.start not in spoken:
            out.append(replace(statement, speaker=out[-1].speaker, resolved=out[-1].speaker))
    return out


def _attribution(
    paragraph: str, quote: _Quote, lang: Language, pats: Patterns, sentences: list[tuple[int, str]]
) -> tuple[str, str] | None:
    after = pats.after.match(paragraph, quote.outer_end)
    # '"Q." He also stressed ...' is a new sentence, not an attribution: a quote ends with a
    # comma, "?" or "!" before its speaker, or a dash follows it (Russian «...», — заявил);
    # '"Will you ...?" Peskov said, "We ..."': the attribution introduces the next quote.
    closes = paragraph[quote.outer_start : quote.outer_end].rstrip("”\"»“’' ").endswith((",", "?", "!", "…"))
    dashed = re.match(r"\s*,?\s*[—–-]", paragraph[quote.outer_end :]) is not None
    if after and (closes or dashed) and not re.match(r"[.!?]?\s*[,:]\s*[“\"«„]", paragraph[after.end() :]):
        speaker = after.group("speaker") or after.group("speaker2")
        if good_speaker(speaker, lang, after.group("verb") or after.group("verb2")):
            return clean(speaker), after.group("verb") or after.group("verb2")
    headline = pats.headline.match(paragraph, quote.outer_end)
    if headline:
        return clean(headline.group("speaker")), ":"
    head = paragraph[max(0, quote.outer_start - 240) : quote.outer_start]
    before = pats.before.search(head)
    if before and good_speaker(before.group("speaker"), lang, before.group("verb")):
        return clean(before.group("speaker")), before.group("verb")
    colon = pats.before_colon.search(head)
    if colon and good_speaker(colon.group("speaker"), lang) and not is_pronoun(colon.group("speaker"), lang):
        return clean(colon.group("speaker")), ":"
    subjectless = pats.before_subjectless.search(head)
    if subjectless:  # 'Volker said ... and added, "..."': the sentence's subject speaks
        at = max((at for at, _ in sentences if at <= quote.outer_start), default=0)
        subject = pats.subject_first.match(paragraph[at : quote.outer_start])
        if subject and good_speaker(subject.group("speaker"), lang):
            return clean(subject.group("speaker")), subjectless.group("verb")
    return None


def _continues(paragraph: str, quote: _Quote, text: str, pats: Patterns) -> bool:
    """Is the quote the end of the writer's sentence, after a comma and opening in lowercase,
    with its attribution after it? Then the whole sentence is the speaker's, reported."""
    head = paragraph[: quote.outer_start].rstrip()
    if not head.endswith(",") or not text[:1].islower() or pats.before.search(head[-240:] + " "):
        return False
    return pats.after.match(paragraph, quote.outer_end) is not None


def _opens_sentence(paragraph: str, at: int) -> bool:
    """Is the quote at ``at`` the start of a sentence or follows a colon or comma
    (not 'described as “...”')?"""
    # The last characters only: a regex anchored at the end of the whole prefix would cost
    # the prefix's length per quote (a line of 20,000 quotes took minutes).
    head = paragraph[max(0, at - 16) : at]
    if at <= 16 and not head.strip(" —–-"):
        return True
    return bool(re.search(r"(?:[.!?…:,][”\"»’]?|\s[—–])\s*[—–-]?\s*$", head))
