"""The regexes of statement extraction, built once per language from languages.py's tables.

Every pattern names its parts: ``speaker`` (or ``speaker2`` when the verb comes first,
"said Peskov"), ``verb`` (``verb2``), ``clause`` / ``rest`` / ``tail`` for what is
around them. Speakers are names (capitalised words, with joiners such as "of" and
"de" and role words such as "spokesman", "министр"), a name with an appositive
("Dmitry Peskov, the Kremlin spokesman,") or a pronoun.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from topicwire.statements.languages import LANGUAGES, Language

QUOTE_CHARS = '“"«„'
# Quote pairs; a paragraph whose quote never closes runs to the paragraph's end, as
# multi-paragraph quotes do in English news (the opening mark repeats, the closing does not).
# Straight and curly marks pair with each other: pages mix them ('"And I asked, ...?” said Hill').
QUOTES = re.compile(r'[“"]([^”“"]*)(?:[”"]|$)|«([^»]*)(?:»|$)|„([^“”„]*)(?:[“”]|$)')


@dataclass(frozen=True)
class Patterns:
    after: re.Pattern[str]  # right after a closing quote: ", Peskov said" / ", — заявил Песков"
    headline: re.Pattern[str]  # a headline's '“...”: Greta Thunberg'
    before: re.Pattern[str]  # right before an opening quote: "Peskov said: "
    before_subjectless: re.Pattern[str]  # '... and added, "'
    before_colon: re.Pattern[str]  # 'Peskov: «...»' (a name and a colon, no verb)
    subject: re.Pattern[str]  # a sentence's subject: a speaker followed by a lowercase word
    subject_after_intro: re.Pattern[str]  # the same after an opening phrase and a comma
    subject_first: re.Pattern[str]  # "X said (that) CLAUSE"
    inner_subject: re.Pattern[str] | None  # where a subject may start inside a sentence: "..., after "
    locative_first: re.Pattern[str] | None  # "В Кремле заявили, что CLAUSE"
    clause_first: re.Pattern[str]  # "CLAUSE, X said."
    according_first: re.Pattern[str]  # "According to X, CLAUSE"
    according_last: re.Pattern[str]  # "CLAUSE, according to X."
    second_verb: re.Pattern[str]  # "..., saying that CLAUSE" / "... and stated that CLAUSE"
    complementizer: re.Pattern[str]  # "that" after a verb and its short object
    attribution_tail: re.Pattern[str]  # ", Morrison testified." ending a clause
    cut: re.Pattern[str]  # where a reported clause turns into the writer's words
    cues: frozenset[str]  # words without one of which a sentence holds no reported speech


def alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


def build(lang: Language) -> Patterns:
    cap = rf"[{lang.upper}][\w’'.\-]*(?:\s+\([{lang.upper}][\w.\-]*\))?"  # "Association (UCEA)"
    role = rf"(?:{alternatives(lang.roles)})\b"
    joiner = rf"(?:{alternatives(lang.joiners)})"
    word = rf"(?:{cap}|{role})"
    name = rf"{word}(?:(?:\s+{joiner})?\s+{word}|[’']s\s+{word}){{0,7}}"
    # "High school math teacher Angela Cooper": lowercase words only before a full name
    described = rf"(?:[{lang.upper}][\w-]*\s+)?(?:[{lang.lower}][\w-]*\s+){{1,4}}{cap}\s+{cap}(?:\s+{cap})?"
    # ", 55,": an age too; two in a row share their comma ("X, the Labour MP for Y, who backs it,")
    appositive = r"(?:(?:,\s+(?:the\s+|a\s+)?[^,.;:“”\"«»]{2,120}?){1,2},)?"
    pronoun = rf"(?:{alternatives(lang.pronouns)})\b"
    postmodifier = (
        rf"(?:\s+(?:{alternatives(lang.postmodifiers)})\s+[^,.;:“”\"«»]{{2,60}}?)?" if lang.postmodifiers else ""
    )
    # "Backers of tariffs", "Most mainstream economists", "the fishermen", "Health bosses" (a
    # capitalised first word before lowercase ones, branch stmt4): a plural noun with
    # up to two words before it and an "of"/"in" phrase after; extract.py lets it speak only
    # with a verb of speech (lang.group_verbs) and never makes it the antecedent of a pronoun.
    function = r"(?!(?:that|which|who|whom|whose|he|she|it|they|we|was|has|is|its|his|this|as|us|does|thus)\b)"
    lowers = rf"(?:{function}[{lang.lower}][\w-]*\s+){{0,2}}"
    group = (
        rf"(?:(?i:{alternatives(lang.quantifiers)})\s+|(?=[{lang.upper}][{lang.lower}-]+\s+[{lang.lower}])"
        rf"(?:{function}[{lang.upper}][{lang.lower}-]+\s+(?=[{lang.lower}]))?)?{lowers}"
        rf"{function}[{lang.upper}{lang.lower}][{lang.lower}-]*(?:[^\Ws]s|men)"
        rf"(?:\s+(?:of|in|at|from)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?)?"
        if lang.quantifiers
        else "(?!)"
    )
    # "an airport official", "a senior administration spokeswoman": a determiner, up to two
    # lowercase words and a role word heading them; "Austria's interior minister": a name's
    # possessive as the determiner (branch stmt4)
    described_role = (
        rf"(?:(?i:a|an|the|one|another)|[{lang.upper}][\w.-]*[’']s)\s+(?:{function}[{lang.lower}][\w-]*\s+){{1,2}}"
        rf"(?:{alternatives(lang.roles)})\b"
        if lang.quantifiers
        else "(?!)"
    )
    speaker = rf"(?P<speaker>(?i:{pronoun})|(?:{described}|{name}|{described_role}|{group}){postmodifier}{appositive})"
    named = rf"(?P<speaker>(?i:{pronoun})|(?:{described}|{name}){postmodifier}{appositive})"  # a subject
    speaker2 = speaker.replace("?P<speaker>", "?P<speaker2>")
    aux = rf"(?:(?:{alternatives(lang.auxiliaries)})\s+){{0,2}}"
    verb = rf"(?P<verb>{aux}(?:{alternatives(lang.verbs)}))\b"
    verb2 = verb.replace("?P<verb>", "?P<verb2>")
    adverb = r"(?:\w+ly\s+)?"
    dash = r"(?:[—–-]+\s*)?"
    adverbs = alternatives(lang.sentence_adverbs)
    # "(MENAFN) ", "But ", "On Tuesday, ": what may stand before a subject; tried last (??)
    intro = (
        rf"(?:\([^)]{{1,20}}\)\s*)?(?:(?:{adverbs})\s+)?{lang.short_intro}??"
        rf"(?:(?P<intro>[^“”\"«»]{{1,150}}?),\s*(?:(?:but|and|while|yet|though|although)\s+)?)??"
    )
    seconds = alternatives(tuple(dict.fromkeys(lang.participles + lang.participles_that)))
    not_verbs = r"(?:the|a|an|of|to|in|on|at|for|with|from|by|and|or|в|на|и|с|по)"
    conjunctions = alternatives(lang.conjunctions)
    flags = re.UNICODE | re.S
    return Patterns(
        after=re.compile(rf"[,.!?…]?\s*{dash}(?:{speaker}\s+{adverb}{verb}|{verb2}\s+{speaker2})(?!\w)", flags),
        headline=re.compile(rf"\s*[:։]\s*(?P<speaker>{cap}(?:\s+{cap}){{0,3}})\s*(?:[.!]|$)", flags),
        before=re.compile(
            rf"(?:^|(?<=[.!?,;]\s))(?:[^.!?“”\"«»]{{0,60}},\s+)?{speaker}\s+{adverb}{verb}"
            rf"(?:\s*[:,]?|\s+(?:[^.!?“”\"«»:]|[“\"«][^”\"»“«]{{1,40}}[”\"»]){{0,80}}?\s*[:,])\s*[—–-]?\s*$",
            flags,
        ),
        before_subjectless=re.compile(rf"\s(?:{conjunctions})\s+{verb}\s*[:,]\s*$", flags),
        before_colon=re.compile(rf"(?:^|(?<=[.!?]\s))(?P<speaker>{cap}(?:\s+{cap}){{0,2}})\s*:\s*[—–-]?\s*$", flags),
        subject=re.compile(rf"^{intro}{named}\s+(?!{not_verbs}\b)[{lang.lower}]", flags),
        subject_after_intro=re.compile(
            rf"^(?:{alternatives(lang.openers)}|[{lang.upper}][{lang.lower}]+ing)\s[^“”\"«»,]{{1,150}},\s*{named}"
            rf"\s+(?!{not_verbs}\b)[{lang.lower}]",
            flags,
        ),
        subject_first=re.compile(rf"^{intro}{speaker}\s+{adverb}{verb}(?P<rest>.*)$", flags),
        inner_subject=re.compile(
            rf"(?:[,;]|\s[—–]|\s(?:{alternatives(lang.subordinators)}))\s+(?={speaker}\s+{adverb}{verb}(?!\w))", flags
        )
        if lang.subordinators
        else None,
        # "В Кремле заявили, что ...": an institution as a place, the verb impersonal plural
        locative_first=re.compile(
            rf"^{intro}(?:{alternatives(lang.locatives)})\s+(?P<speaker>{cap}(?:\s+[{lang.upper}{lang.lower}][\w-]*){{0,2}}?)"
            rf"\s+{verb}(?P<rest>.*)$",
            flags,
        )
        if lang.locatives
        else None,
        clause_first=re.compile(
            rf"^(?P<clause>.+?)[,;][”\"»’]?\s*{dash}(?:{speaker}\s+{adverb}{verb}|{verb2}\s+{speaker2})"
            rf"(?P<tail>[^,]*(?:,.*)?)$",
            flags,
        ),
        according_first=re.compile(rf"^(?i:{alternatives(lang.according)})\s+{speaker},\s+(?P<clause>.+)$", flags),
        according_last=re.compile(
            rf"^(?P<clause>.+?),\s+(?i:{alternatives(lang.according)})\s+{speaker}[.!?]?$", flags
        ),
        second_verb=re.compile(
            rf"(?:,\s+(?P<participle>{seconds})|,?\s+(?:{conjunctions})\s+{verb})"
            rf"(?P<marker>\s+(?:{lang.complementizer})\b|\s*,\s*(?:{lang.complementizer})\b|\s*[:,])?\s+(?P<clause>.+)$",
            flags,
        ),
        complementizer=re.compile(rf"^((?:\s+[^\s,.;:]+){{0,10}}?)\s*,?\s+(?:{lang.complementizer})\b", flags),
        attribution_tail=re.compile(rf",\s*{dash}{speaker}\s+{adverb}{verb}[^,]*$", flags),
        cut=re.compile(lang.cuts, flags),
        cues=frozenset(
            w.split()[0].lower()
            for w in lang.verbs + lang.participles + lang.participles_that + lang.according + lang.pronouns_by_word
        ),
    )


PATTERNS = {lang.code: build(lang) for lang in LANGUAGES}
