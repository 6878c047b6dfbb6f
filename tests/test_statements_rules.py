"""Statement extraction rules of issue 18 point 4, one test each, on sentences written for the test."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("Councillor Ben Osei pledged that the library would reopen before the spring term.", "pledged"),
        ("Tomas Berg estimated that the harbour upgrade would cost twice the first budget.", "estimated"),
        ("Mayor Lena Holt agrees that the old pier cannot be saved.", "agrees"),
        ("Ana Ruiz points out that the ferry has never run at a profit.", "points out"),
        ("Economist Ruth Amari projected that cargo volumes would double by the end of the decade.", "projected"),
        ("Dr Ines Varga recommended that swimmers stay out of the bay until Friday.", "recommended"),
    ],
    ids=["pledged", "estimated", "agrees", "points-out", "projected", "recommended"],
)
def test_reporting_verbs_of_the_grammar_list(text: str, verb: str) -> None:
    found = only(text)
    assert found.verb == verb
    assert found.text == text.split(" that ", 1)[1].rstrip(".")


@pytest.mark.parametrize(
    ("text", "speaker", "statement"),
    [
        (
            "Ferry bookings fell sharply after the operator said that winter crossings would be cut.",
            "the operator",
            "winter crossings would be cut",
        ),
        (
            "While some residents called the pier “an eyesore”, others said they feared the noise of the new pier.",
            "others",
            "they feared the noise of the new pier",
        ),
        (
            "The council met late on Monday evening and Mayor Lena Holt warned that the budget had run out.",
            "Mayor Lena Holt",
            "the budget had run out",
        ),
    ],
    ids=["after-x-said", "comma-others-said", "and-x-warned"],
)
def test_a_subject_and_its_verb_inside_a_sentence(text: str, speaker: str, statement: str) -> None:
    found = only(text)
    assert (found.speaker, found.text) == (speaker, statement)


@pytest.mark.parametrize(
    "text",
    [
        "The plan which officials said would cost millions was shelved in May.",
        "A new study by the Ferry and Harbour Union claims crossings will rise by a third.",
    ],
    ids=["relative-which", "and-inside-a-name"],
)
def test_an_inner_subject_needs_a_clause_of_its_own(text: str) -> None:
    assert extract_statements(text) == ()


def test_adding_that_after_an_attributed_quote_is_the_same_speakers() -> None:
    text = '"We will not close the pier," Mayor Lena Holt said on Friday, adding that repairs would start in May.'
    quote, added = extract_statements(text)
    assert (quote.speaker, quote.text, quote.kind) == ("Mayor Lena Holt", "We will not close the pier", "direct")
    assert (added.speaker, added.text, added.kind, added.verb) == (
        "Mayor Lena Holt",
        "repairs would start in May",
        "reported",
        "adding",
    )


@pytest.mark.parametrize(
    ("text", "verb", "statement"),
    [
        (
            '"The tunnel will open late," the engineer Paul Mercer said, admitting the budget had doubled.',
            "admitting",
            "the budget had doubled",
        ),
        (
            '"We did our best," coach Ida Marsh said after the match, adding her players were exhausted.',
            "adding",
            "her players were exhausted",
        ),
    ],
    ids=["admitting-bare", "adding-bare"],
)
def test_a_participle_after_an_attributed_quote_reports_a_bare_clause(text: str, verb: str, statement: str) -> None:
    quote, added = extract_statements(text)
    assert quote.kind == "direct"
    assert (added.speaker, added.verb, added.text) == (quote.speaker, verb, statement)


def test_reported_speech_inside_reported_speech_is_a_statement_too() -> None:
    text = "Harbour master Ken Adu told the council that Captain Mia Lee had said the engine failed twice."
    outer, inner = extract_statements(text)
    assert (outer.speaker, outer.text) == ("Harbour master Ken Adu", "Captain Mia Lee had said the engine failed twice")
    assert (inner.speaker, inner.verb, inner.text) == ("Captain Mia Lee", "had said", "the engine failed twice")


def test_an_attribution_around_a_clause_is_not_nested_speech() -> None:
    text = "The new ferries, the operator said, would carry twice as many cars as the old ones."
    (found,) = extract_statements(text)
    assert found.speaker == "the operator"


@pytest.mark.parametrize(
    ("text", "speaker", "statement"),
    [
        (
            "Owners of small boats say the new mooring fees are far too high.",
            "Owners of small boats",
            "the new mooring fees are far too high",
        ),
        (
            "Most local fishermen argued that the quota had been set without them.",
            "Most local fishermen",
            "the quota had been set without them",
        ),
        ("The ferry will stop at noon, the harbour pilots said.", "the harbour pilots", "The ferry will stop at noon"),
        (
            "Harbour bosses said that two cranes had been shut for repairs.",
            "Harbour bosses",
            "two cranes had been shut for repairs",
        ),
    ],
    ids=["noun-of-noun", "quantifier-adjective", "clause-first", "capitalised-modifier"],
)
def test_a_group_of_people_speaks(text: str, speaker: str, statement: str) -> None:
    found = only(text)
    assert (found.speaker, found.text) == (speaker, statement)


@pytest.mark.parametrize(
    "text",
    [
        "The latest figures suggest that fewer boats will dock this winter.",
        "Rising costs indicated that the ferry would not pay for itself.",
        "Harbour figures suggest that fewer boats will dock this winter.",
    ],
    ids=["figures-suggest", "costs-indicated", "capitalised-figures-suggest"],
)
def test_a_group_speaks_only_with_a_verb_of_speech(text: str) -> None:
    assert extract_statements(text) == ()


def test_a_sentence_ending_in_a_lowercase_quote_is_reported_whole() -> None:
    text = 'The pier was never inspected, "so nobody can say it was safe," Mayor Lena Holt argued.'
    found = only(text)
    assert (found.speaker, found.kind) == ("Mayor Lena Holt", "reported")
    assert found.text.startswith("The pier was never inspected") and "nobody can say it was safe" in found.text


def test_a_lowercase_quote_after_its_own_attribution_stays_direct() -> None:
    text = 'Mayor Lena Holt said, "we will rebuild the pier before summer."'
    found = only(text)
    assert (found.kind, found.text) == ("direct", "we will rebuild the pier before summer.")


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"The new road will split the village in two," said one caller to the radio show.', "one caller"),
        ('"We were never asked," another neighbour said.', "another neighbour"),
        ("Several passengers said the train had stopped for an hour without a word.", "Several passengers"),
    ],
    ids=["one-caller", "another-neighbour", "several-passengers"],
)
def test_people_a_reporter_meets_are_speakers(text: str, speaker: str) -> None:
    assert only(text).speaker == speaker


def test_a_verb_before_a_pronoun_opens_a_clause_not_an_attribution() -> None:
    inverted = "The trust that runs the old lighthouse, Harbour Light, says she may visit it in June."
    assert extract_statements(inverted) == ()  # not "she" saying "The trust ..., Harbour Light"
    named = only("The old lighthouse will reopen in June, says Ana Ruiz.")
    assert (named.speaker, named.text) == ("Ana Ruiz", "The old lighthouse will reopen in June")


def test_a_quote_after_reported_speech_in_its_paragraph_goes_on_with_its_speaker() -> None:
    text = 'Walking the dog is her favourite hour of the day, Ada Brook said. "Nobody rings me then."'
    reported, quote = extract_statements(text)
    assert (reported.kind, reported.speaker) == ("reported", "Ada Brook")
    assert (quote.kind, quote.speaker, quote.text) == ("direct", "Ada Brook", "Nobody rings me then.")


def test_a_quote_with_no_statement_before_it_stays_unattributed() -> None:
    assert extract_statements('The sign on the gate read, in red letters. "Keep out of the garden."') == ()


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            "The night ferry was cancelled because of the storm, a harbour authority official said.",
            "a harbour authority official",
        ),
        ("A senior council spokeswoman said the bridge would stay shut until March.", "A senior council spokeswoman"),
    ],
    ids=["clause-first", "subject-first"],
)
def test_a_role_with_words_before_it_is_a_speaker(text: str, speaker: str) -> None:
    assert only(text).speaker == speaker


@pytest.mark.parametrize(
    ("text", "statement"),
    [
        ("Coastguard officials warned they had no boat left to send.", "they had no boat left to send"),
        (
            "Harbour police reported nearly 300 people were still on the pier.",
            "nearly 300 people were still on the pier",
        ),
        ("The skipper Ola Dahl admitted he had never sailed so far north.", "he had never sailed so far north"),
    ],
    ids=["pronoun-first", "finite-verb", "admitted-pronoun"],
)
def test_a_clause_without_that_after_any_reporting_verb(text: str, statement: str) -> None:
    assert only(text).text == statement


@pytest.mark.parametrize(
    "text",
    [
        "The ferry company announced a new timetable for the winter months.",
        "Republican state schools chief Ann Ray has cited a survey of the harbour towns.",
    ],
    ids=["object", "state-is-a-noun"],
)
def test_an_object_after_a_reporting_verb_is_no_clause(text: str) -> None:
    assert extract_statements(text) == ()


def test_a_bare_word_first_met_as_a_subject_is_no_antecedent() -> None:
    text = (
        "Councillor Rita Vance spoke first at the harbour meeting. "
        "Hours later, the ferry left without its cargo. He said the crossing was safe."
    )
    assert only(text).resolved == "Councillor Rita Vance"


def test_a_surname_met_before_is_an_antecedent() -> None:
    text = (
        "Rita Vance chairs the harbour board. The ferry left late on Monday. "
        "Vance was at the quay all day. She said the crossing was safe."
    )
    assert only(text).resolved == "Vance"


def test_any_reporting_participle_with_that_reports_the_subjects_words() -> None:
    text = "Ruth Amari closed the meeting early, concluding that the ferry could not run this winter."
    found = only(text)
    assert (found.speaker, found.verb, found.text) == (
        "Ruth Amari",
        "concluding",
        "the ferry could not run this winter",
    )


def test_such_a_participle_without_that_takes_an_object_not_a_clause() -> None:
    assert extract_statements("Ruth Amari left the meeting early, recalling the storms of last winter.") == ()


def test_a_quote_after_that_is_the_reported_clause() -> None:
    text = 'Mayor Lena Holt added that "the pier will open in May," and that "nobody will pay to use it."'
    found = only(text)
    assert found.speaker == "Mayor Lena Holt"
    assert found.text.startswith('"the pier will open in May,"') and found.text.endswith('nobody will pay to use it."')


def test_a_quote_after_a_participle_is_found_once() -> None:
    text = 'Rita Vance said the crossing was safe. She also praised the crew, saying, "They never once hesitated."'
    found = extract_statements(text)
    assert [(s.kind, s.text) for s in found] == [
        ("reported", "the crossing was safe"),
        ("direct", "They never once hesitated."),
    ]


@pytest.mark.parametrize(
    ("text", "speaker", "statement"),
    [
        (
            "Engineers now say that the old breakwater will not survive another storm.",
            "Engineers",
            "the old breakwater will not survive another storm",
        ),
        (
            "Councillor Ben Osei still insists that the ferry timetable was never cut.",
            "Councillor Ben Osei",
            "the ferry timetable was never cut",
        ),
        (
            "Mayor Lena Holt herself said that the pier would reopen in May.",
            "Mayor Lena Holt",
            "the pier would reopen in May",
        ),
    ],
    ids=["now", "still", "herself"],
)
def test_an_adverb_or_reflexive_between_a_subject_and_its_verb(text: str, speaker: str, statement: str) -> None:
    found = only(text)
    assert (found.speaker, found.text) == (speaker, statement)


def test_a_possessive_determines_a_role_and_is_no_speaker_alone() -> None:
    found = only("Norway’s fisheries minister said that the cod quota would rise next year.")
    assert (found.speaker, found.text) == ("Norway’s fisheries minister", "the cod quota would rise next year")
    assert extract_statements("Editor’s note: This page was changed on Friday to add the ferry times.") == ()
