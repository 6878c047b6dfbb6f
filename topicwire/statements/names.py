"""Who may speak (issue 18): a name, a role, a group or a pronoun, told from what only
looks like one ("It said", "The report said", "Tariffs have ..."). Pure functions of a speaker
as written and its language's tables (languages.py), used by extract.py and reported.py.
"""

from __future__ import annotations

import re

from topicwire.statements.languages import Language

_DOCUMENTS = re.compile(
    r"^(?:the|a|an|his|her|their|its)?\s*(?:report|study|statement|letter|survey|data|poll|"
    r"document|filing|complaint|lawsuit|indictment|website|article|paper|book|memo|email|post)s?$",
    re.I,
)
_DETERMINERS = frozenset(("the", "a", "an", "his", "her", "their", "its", "another", "one", "some", "other"))


def is_pronoun(speaker: str, lang: Language) -> bool:
    """A speaker that refers back: "he", "она", or a bare role ("the spokeswoman", "the president")."""
    folded = speaker.lower()
    if folded in lang.pronouns:
        return True
    words = folded.split()
    return 2 <= len(words) <= 4 and words[0] in ("the", "this") and words[-1] in lang.roles


def good_speaker(speaker: str, lang: Language, verb: str = "said") -> bool:
    """A name, a role or a pronoun: not "It" opening a sentence, not "The report"."""
    head = speaker.split(",")[0].strip()
    parts = head.split()
    if not parts:
        return False
    if is_pronoun(head, lang):
        return head != "It"  # "It said" opening a sentence is rarely a company speaking
    if is_group(head, lang):
        return verb.split()[-1].lower() in lang.group_verbs and not _DOCUMENTS.match(head)
    if parts[0] in lang.not_speakers or _DOCUMENTS.match(head):
        return False
    return parts[-1].lower() not in _DETERMINERS


def is_group(head: str, lang: Language) -> bool:
    """A plural noun phrase naming no one ("Backers of tariffs", "Most mainstream economists"):
    patterns.py's group speaker, told apart from names and role words ("officials")."""
    words = re.split(r"\s+(?:of|in|at|from)\s+", head, maxsplit=1)[0].split()
    if not lang.quantifiers or not words or any(w[:1].isupper() for w in head.split()[1:]):
        return False  # a capital inside: a name ("Reuters", "Friends of the Earth")
    if len(head.split()) == 1 and head[:1].isupper():
        return False  # one capitalised word: a name ("Holmes", "Reuters")
    noun = words[-1].lower()
    return noun.endswith(("s", "men")) and noun not in lang.roles and noun not in lang.pronouns


def clean(speaker: str) -> str:
    return speaker.strip().strip(",").rstrip(".").strip()
