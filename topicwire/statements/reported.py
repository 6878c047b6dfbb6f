"""Reported speech in one sentence (issue 18): "X said (that) ...", "..., X said", "according
to X, ...", "..., saying (that) ...", "по словам X, ...", and speech reported inside it.

Each reader returns (speaker, verb, where the clause starts, the clause) or None;
``reported_in`` tries them in order and ``make`` turns a clause into a Statement (cut where
the writer's words start again, made direct when a quote is all of it). Pure, called by
extract.py once per sentence outside quotes.
"""

from __future__ import annotations

import re

from topicwire.statements.languages import Language
from topicwire.statements.names import clean, good_speaker, is_pronoun
from topicwire.statements.patterns import QUOTE_CHARS, QUOTES, Patterns
from topicwire.types import Statement, StatementKind

MIN_REPORTED = 3  # words of a reported clause

_SUBJECT_PRONOUNS = frozenset(("he", "she", "they", "we", "i", "it"))
_POSSESSIVE = re.compile(r"\w[’']s$")
_BY_HIS_WORDS = re.compile(r"^(?i:по\s+(?P<speaker>его|ее|её|их)\s+(?:словам|мнению|данным)),\s+(?P<clause>.+)$", re.S)
# A clause does not start with a preposition: "said at a Nov. 6 event" has no statement in it.
_PREPOSITION = re.compile(
    r"(?i:at(?!\s+(?:least|most)\b)|in|on|during|after|before|of|about|to|with|for|from|by|while|as|when|last|this|earlier|later|"
    r"yesterday|today|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|through|via|"
    r"в|на|во|при|после|до|о|об|с|со|по)\b"
)
_ASKED = re.compile(r"^(?:Asked|Pressed|Questioned)\b")
_ENDS_IN_QUOTE = re.compile(r"(?:^|[.!?…:—–-])\s*[“\"«„][^”\"»“]*$")
_TOLD_OBJECT = re.compile(r"^\s+(?:(?:the|a|an|his|her|their)\s+[\w-]+|[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*)*|[\w-]+)")

Found = tuple[str, str, int, str] | None  # speaker, verb, clause offset in the sentence, clause


def reported_in(sentence: str, base: int, index: int, lang: Language, pats: Patterns) -> list[Statement]:
    for attempt in (_according, _subject_first, _inner_subject, _clause_first):
        found = attempt(sentence, lang, pats)
        if found is None:
            continue
        speaker, verb, offset, clause = found
        second = second_verb(clause, lang, pats)
        if second is not None and len(clause[: second[1]].split()) >= MIN_REPORTED:
            made = [
                make(speaker, verb, clause[: second[1]], base + offset, index, lang, pats),
                make(speaker, second[0], clause[second[2] :], base + offset + second[2], index, lang, pats),
            ]
        else:
            made = [make(speaker, verb, clause, base + offset, index, lang, pats)]
        out = [s for s in made if s is not None]
        if out:
            return out + [n for s in out if (n := _nested(s, lang, pats)) is not None]
    subject = pats.subject.match(sentence)
    second = second_verb(sentence, lang, pats)
    if subject and second:  # "He declined to say when, saying it would depend on ..."
        made_one = make(subject.group("speaker"), second[0], sentence[second[2] :], base + second[2], index, lang, pats)
        return [made_one] if made_one else []
    return []


def _nested(outer: Statement, lang: Language, pats: Patterns) -> Statement | None:
    """'Winfrey said that Harry had said the royal was not the Queen': reported speech inside
    reported speech, with its own speaker and verb, is a statement of its own as well."""
    if outer.kind != "reported":
        return None
    found = _subject_first(outer.text, lang, pats)
    if found is None or found[2] < len(found[0]):
        return None  # "The landers, he said, could ...": the outer clause's own attribution
    speaker, verb, offset, clause = found
    return make(speaker, verb, clause, outer.start + offset, outer.paragraph, lang, pats)


def make(
    speaker: str, verb: str, clause: str, start: int, index: int, lang: Language, pats: Patterns
) -> Statement | None:
    start, text = trim(clause, start)
    tail = pats.attribution_tail.search(text)
    if tail:  # "Sondland said X, Morrison testified.": X ends before the outer attribution
        text = text[: tail.start()]
    cut = pats.cut.search(text)
    if cut and len(text[: cut.start()].split()) >= 4:  # "X, but the agency didn't ...": the writer's
        text = text[: cut.start()]
    text = text.rstrip(" .!?…,;:—–-")
    speaker = re.sub(rf"^{lang.short_intro}", "", clean(speaker))  # "On Tuesday Peskov said"
    kind: StatementKind = "reported"
    if text[:1] in QUOTE_CHARS:  # ', saying “time is running out.”': the quote is direct speech
        quote = QUOTES.match(text)
        if quote is not None and quote.end() >= len(text.rstrip('”"»')) - 1:
            start, text = trim(text[1 : quote.end()].rstrip('”"»'), start + 1)
            kind = "direct"
    if len(text.split()) < MIN_REPORTED or not good_speaker(speaker, lang, verb) or _POSSESSIVE.search(speaker):
        return None  # "Editor's note: ...": a possessive is not the speaker, the noun after it is
    return Statement(speaker, speaker, text, kind, lang.code, index, start, start + len(text), verb)


def second_verb(clause: str, lang: Language, pats: Patterns) -> tuple[str, int, int] | None:
    """(verb, where the first clause ends, where the second starts) for '..., saying (that) X'
    and '... and stated that X'; a bare clause only after "saying" or a verb like "said"."""
    match = pats.second_verb.search(clause)
    if not match:
        return None
    verb = match.group("participle") or match.group("verb")
    bare = match.group("participle") in lang.participles  # ", saying X"; ", concluding that X"
    if not (bare or match.group("marker") or verb.endswith(lang.bare_verbs or ("\0",))):
        return None
    return verb, match.start(), match.start("clause")


def _according(sentence: str, lang: Language, pats: Patterns) -> Found:
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


def _subject_first(sentence: str, lang: Language, pats: Patterns) -> Found:
    match = pats.subject_first.match(sentence)
    if pats.locative_first is not None and (match is None or match.group("speaker").split()[0] in lang.locatives):
        match = pats.locative_first.match(sentence)
    if not match or match.group("rest")[:1].isalnum():  # "Peskov saidx": not the verb
        return None
    rest, offset, verb = match.group("rest"), match.start("rest"), match.group("verb")
    intro = match.group("intro")
    if intro and rest.startswith(",") and len(intro.split()) >= 2 and rest.lstrip(" ,")[:1] not in QUOTE_CHARS:
        # "The larger landers, he said, could deliver tools": the statement is around the verb
        return match.group("speaker"), verb, match.start("intro"), sentence[match.start("intro") :]
    head = pats.complementizer.match(rest)
    limit = 10 if verb.endswith(("told", "tells")) else lang.object_max
    after_that = False
    if head and len(head.group(1).split()) <= limit and not set(head.group(1).lower().split()) & set(lang.finite):
        offset += head.end()  # "told reporters on Tuesday that ...": after "that"
        after_that = True
    elif re.match(r"^\s*[:,]", rest):
        offset += len(re.match(r"^\s*[:,]\s*", rest).group())  # type: ignore[union-attr]
    elif lang.bare_verbs and verb.endswith(lang.bare_verbs):
        if verb.endswith(("told", "tells")):  # "told the committee he tried ..."
            told = _TOLD_OBJECT.match(rest)
            offset += told.end() if told else 0
        if _PREPOSITION.match(sentence[offset:].lstrip()):
            return None  # "said at a Nov. 6 event": no clause after the verb
    elif not _finite_clause(rest, lang):
        return None  # "announced the deal": an object, no clause
    clause = sentence[offset:]
    if clause.lstrip()[:1] in QUOTE_CHARS and not after_that:
        return None  # the quote after it was not attributed as direct: a title or a fragment
    # 'added that "the relationship is space ..."': after "that" a quote is the clause itself
    return match.group("speaker"), verb, offset, clause


def _finite_clause(rest: str, lang: Language) -> bool:
    """ "warned they had the votes", "reported 5,000 people were inside": a clause without
    "that" after any reporting verb, told from an object ("announced the deal") by a subject
    pronoun first or a finite verb among its first words."""
    words = rest.lower().split()[:6]
    if not words or _PREPOSITION.match(words[0]) or lang.complementizer in words:
        return False
    return words[0] in _SUBJECT_PRONOUNS or not set(words[1:]).isdisjoint(lang.finite)


def _inner_subject(sentence: str, lang: Language, pats: Patterns) -> Found:
    """ "Shares fell after the company said (that) CLAUSE", "While some ..., others said they
    CLAUSE": a subject and its verb inside the sentence, followed by a clause of their own."""
    if pats.inner_subject is None:
        return None
    for lead in pats.inner_subject.finditer(sentence):
        joins = lead.group().split()[:1] == ["and"]
        if joins and sentence[: lead.start()].rsplit(None, 1)[-1][:1].isupper():
            continue  # "the University and College Union claims": "and" inside a name (also skips "Monday and X")
        found = _subject_first(sentence[lead.end() :], lang, pats)
        if found is not None and found[3].lstrip()[:1] not in ",:":  # ", Cook said, most ...": around it
            speaker, verb, offset, clause = found
            return speaker, verb, lead.end() + offset, clause
    return None


def _clause_first(sentence: str, lang: Language, pats: Patterns) -> Found:
    match = pats.clause_first.match(sentence)
    if not match:
        return None
    clause, tail = match.group("clause"), match.group("tail")
    if re.match(rf"^[\s,]*(?:{lang.complementizer})\b", tail) or clause.lstrip()[:1] in QUOTE_CHARS + "—–-":
        return None  # "..., Peskov stated that X": the statement is X, after the verb
    if _ENDS_IN_QUOTE.search(clause):
        return None  # 'He amended it — “I now do recall,” he said': the quote is the statement
    if sum(w[:1].islower() for w in clause.split()) < 2:
        return None  # "Dennise Laboy, 55, said ...": a name, not a clause
    if match.group("speaker2") and is_pronoun(match.group("speaker2"), lang):
        return None  # "The group ..., Big Machine, says she will ...": "says" opens a clause of its own
    if match.group("speaker2"):  # "..., said Fiona Hill, a former adviser.": all of it names her
        speaker = match.group("speaker2") + (tail if len(tail.split()) <= 16 and "," in tail else "")
        return speaker[:200], match.group("verb2"), match.start("clause"), clause
    if _ASKED.match(clause):
        return None  # "Asked why he settled on Sanders, Blocker said ...": the question, not his words
    parenthetical = tail.startswith(",") and tail.lstrip(" ,")[:1] not in QUOTE_CHARS
    if parenthetical and len(tail.split()) >= 3 and len(clause.split()) + len(tail.split()) >= 5:
        # "While some ..., Cook said, most do ...": the statement is around the attribution
        return match.group("speaker"), match.group("verb"), match.start("clause"), sentence[match.start("clause") :]
    if len(tail.split()) > 16 or len(clause.split()) < 4:
        return None
    return match.group("speaker"), match.group("verb"), match.start("clause"), clause


def trim(inner: str, start: int) -> tuple[int, str]:
    """The quote without surrounding spaces and the comma US style puts inside it."""
    stripped = inner.lstrip()
    start += len(inner) - len(stripped)
    return start, stripped.rstrip().rstrip(",").rstrip()
