"""justext's context pass in linear time (trafilatura's fallback extractor, bounded on hostile pages).

trafilatura runs justext on a page whose extraction came out short: always in its
balanced mode's recall escalation, and in any mode when its own text is short or
unclean. justext's ``revise_paragraph_classification`` gives each short paragraph the
class of its nearest good or bad neighbours, found by walking away from it one paragraph
at a time: a run of n short paragraphs costs n². A list of 10,000 short items after an
article took 12.6 s (5,000: 3.1 s); real pages have a few hundred paragraphs at most.

The function here gives every paragraph the class justext's gives it, with each
neighbour found in one sweep of the paragraphs: the walks' answers, computed once. It
replaces the name trafilatura imported (``trafilatura.external``); justext itself is left
as it is. tests/test_justext_linear.py compares the two on random paragraph runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from justext import core as justext_core
from trafilatura import external

_GOOD_OR_BAD = frozenset({"good", "bad"})
_NO_NEIGHBOUR = "bad"  # justext's answer at either end of the page


def revise_paragraph_classification(paragraphs: Sequence[Any], max_heading_distance: int = 200) -> None:
    """justext's ``revise_paragraph_classification``, the same classes in linear time.

    justext's four passes, in order: short headings followed by good text become
    neargood; short paragraphs take their neighbours' class; neargood ones become good
    unless both neighbours are bad; headings followed by good text become good. Each pass
    reads the classes as justext's loop does at that point: the passes over headings see
    the paragraphs after the one at hand as they were before the pass, the neargood pass
    sees the ones before it already revised."""
    count = len(paragraphs)
    ends = [0]
    for paragraph in paragraphs:
        ends.append(ends[-1] + len(paragraph.text))
    # 1. Good headings: justext copies each class just before looking past it, so what it
    # sees after a paragraph is the class the paragraph had before the call.
    near = _good_within([p.class_type for p in paragraphs], ends, max_heading_distance)
    for i, paragraph in enumerate(paragraphs):
        paragraph.class_type = paragraph.cf_class
        if paragraph.heading and paragraph.class_type == "short" and near[i]:
            paragraph.class_type = "neargood"
    # 2. Short paragraphs, all decided on the classes before the pass.
    classes = [p.class_type for p in paragraphs]
    before_any, before = _sweep(classes, range(count))
    after_any, after = _sweep(classes, range(count - 1, -1, -1))
    for i in range(count):
        if classes[i] != "short":
            continue
        prev, following = before[i], after[i]
        if prev == "good" and following == "good":
            paragraphs[i].class_type = "good"
        elif prev == "bad" and following == "bad":
            paragraphs[i].class_type = "bad"
        elif (prev == "bad" and before_any[i] == "neargood") or (following == "bad" and after_any[i] == "neargood"):
            paragraphs[i].class_type = "good"
        else:
            paragraphs[i].class_type = "bad"
    # 3. Neargood paragraphs: those before one are revised by the time it is, those after not.
    _, after = _sweep([p.class_type for p in paragraphs], range(count - 1, -1, -1))
    last = _NO_NEIGHBOUR
    for i, paragraph in enumerate(paragraphs):
        if paragraph.class_type == "neargood":
            paragraph.class_type = "bad" if (last, after[i]) == ("bad", "bad") else "good"
        if paragraph.class_type in _GOOD_OR_BAD:
            last = paragraph.class_type
    # 4. More good headings: a heading turned good changes nothing the later ones look at.
    near = _good_within([p.class_type for p in paragraphs], ends, max_heading_distance)
    for i, paragraph in enumerate(paragraphs):
        if paragraph.heading and paragraph.class_type == "bad" and paragraph.cf_class != "bad" and near[i]:
            paragraph.class_type = "good"


def _sweep(classes: Sequence[str], order: range) -> tuple[list[str], list[str]]:
    """For each paragraph, in the direction of ``order``: the class of the nearest one
    before it that is good, bad or neargood, and of the nearest good or bad one (justext's
    neighbour without and with ``ignore_neargood``); "bad" where there is none."""
    nearest_any, nearest = [_NO_NEIGHBOUR] * len(classes), [_NO_NEIGHBOUR] * len(classes)
    seen_any = seen = _NO_NEIGHBOUR
    for i in order:
        nearest_any[i], nearest[i] = seen_any, seen
        if classes[i] in _GOOD_OR_BAD:
            seen_any = seen = classes[i]
        elif classes[i] == "neargood":
            seen_any = classes[i]
    return nearest_any, nearest


def _good_within(classes: Sequence[str], ends: Sequence[int], distance: int) -> list[bool]:
    """For each paragraph, whether a good one follows with at most ``distance`` characters
    of text between them (justext walks until the text it passed is longer than that)."""
    found, following = [False] * len(classes), None
    for i in range(len(classes) - 1, -1, -1):
        found[i] = following is not None and ends[following] - ends[i + 1] <= distance
        if classes[i] == "good":
            following = i
    return found


ORIGINAL = justext_core.revise_paragraph_classification
external.revise_paragraph_classification = revise_paragraph_classification
