"""Statement extraction rules of issue 18 point 4, one test each, on sentences written for the test."""

from __future__ import annotations

from topicwire.statements.extract import Statement, extract_statements


def only(text: str) -> Statement:
    found = extract_statements(text)
    assert len(found) == 1, found
    return found[0]


def test_two_appositives_in_a_row_stay_with_the_name() -> None:
    text = (
        "Maria Lund, the mayor of a small lakeside town, who has run the council since 2019, "
        "said the ferry would keep running through the winter."
    )
    found = only(text)
    assert found.speaker == "Maria Lund, the mayor of a small lakeside town, who has run the council since 2019"
    assert found.text == "the ferry would keep running through the winter"
