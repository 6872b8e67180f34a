"""The verifier on its own: plain text in, verified text and notes out (no model, no index)."""

from __future__ import annotations

import time

import pytest

from careerbot.core.verify import figures, markers, sentences, strip_links, verify

PASSAGES = [
    "The median annual wage for medical and health services managers was $101,340 in May 2021. "
    "The lowest 10 percent earned less than $60,780, and the highest 10 percent earned more "
    "than $205,620.",
    "Employment of medical and health services managers is projected to grow 28 percent from "
    "2021 to 2031, much faster than the average for all occupations.",
    "Medical and health services managers typically need at least a bachelor's degree.",
]


def test_a_correct_answer_passes_untouched() -> None:
    text = (
        "The median annual wage was $101,340 in May 2021 [1]. Employment is projected to grow "
        "28 percent from 2021 to 2031 [2]."
    )
    result = verify(text, PASSAGES)
    assert result.text == text
    assert result.notes == [] and not result.changed
    assert result.cited == [1, 2]


@pytest.mark.parametrize(
    "spelling",
    ["$101,340", "101340", "101,340 dollars", "$101,340.00", "101,340"],
)
def test_money_is_compared_after_normalisation(spelling: str) -> None:
    result = verify(f"Managers earn a median of {spelling} a year [1].", PASSAGES)
    assert not result.changed, result.notes


@pytest.mark.parametrize("spelling", ["28%", "28 percent", "twenty-eight percent"])
def test_percentages_are_compared_after_normalisation(spelling: str) -> None:
    assert not verify(f"Jobs will grow {spelling} [2].", PASSAGES).changed


def test_a_hallucinated_figure_is_removed_with_a_note() -> None:
    text = "Managers earn a median of $101,340 [1]. Most earn $150,000 by age 40 [1]."
    result = verify(text, PASSAGES)
    assert result.text == "Managers earn a median of $101,340 [1]."
    assert result.dropped_figures
    assert len(result.notes) == 1 and "150000 is not in [1]" in result.notes[0]


def test_a_figure_must_be_in_the_passage_the_sentence_cites() -> None:
    result = verify("Employment will grow 28 percent [1].", PASSAGES)
    assert result.text == "" and "28 is not in [1]" in result.notes[0]


def test_an_unsupported_year_is_removed() -> None:
    result = verify("Employment will grow 28 percent by 2035 [2].", PASSAGES)
    assert "2035 is not in [2]" in result.notes[0]


def test_invented_markers_are_errors() -> None:
    result = verify("Managers need a bachelor's degree [3]. They earn $101,340 [7].", PASSAGES)
    assert result.text == "Managers need a bachelor's degree [3]."
    assert "cites [7], which is not one of the 3 passages given" in result.notes[0]
    assert verify("Managers need a degree [0].", PASSAGES).text == ""


def test_uncited_claims_are_removed_but_i_dont_know_is_kept() -> None:
    result = verify("Managers love their jobs. Most earn $101,340.", PASSAGES)
    assert result.text == "" and len(result.notes) == 2
    assert "figure 101340 has no citation" in result.notes[1]
    dont_know = verify("I don't know from this profile.", PASSAGES)
    assert dont_know.text == "I don't know from this profile." and not dont_know.grounded


def test_a_citation_must_share_words_with_its_passage() -> None:
    result = verify("Pilots fly aircraft [3].", PASSAGES)
    assert "shares no words with [3]" in result.notes[0]


def test_external_images_and_links_are_removed() -> None:
    text = (
        "Managers need a bachelor's degree [3]. ![chart](https://evil.example/chart.png) "
        "See [the BLS](https://www.bls.gov/ooh/) or https://example.com/x on the degree [3]."
    )
    result = verify(text, PASSAGES)
    assert "evil.example" not in result.text and "bls.gov" not in result.text
    assert "example.com" not in result.text
    assert "the BLS" in result.text
    assert [n.split(" (")[0] for n in result.notes] == [
        "removed an image", "removed a link", "removed a link",
    ]


def test_links_found_in_the_passages_are_kept() -> None:
    passages = ["Learn more at https://www.ache.org/ about certification."]
    text = "Certification is described at https://www.ache.org/ [1]."
    assert verify(text, passages).text == text


def test_marker_spellings_and_markers_after_the_full_stop() -> None:
    assert markers("Pay is high [1, 2] and grows [Passage 3].") == [1, 2, 3]
    text = "Managers earn $101,340.\n[1] Employment grows 28 percent. [2]"
    assert sentences(text) == ["Managers earn $101,340. [1]", "Employment grows 28 percent. [2]"]
    assert not verify(text, PASSAGES).changed


def test_list_numbering_is_not_a_figure() -> None:
    text = "1. A bachelor's degree is typical [3].\n2. Employment grows 28% [2]."
    assert not verify(text, PASSAGES).changed


def test_figures() -> None:
    assert figures("$101,340, 28% and 2.50 in 2031.") == ["101340", "28", "2.5", "2031"]
    assert figures("ten percent of forty-two years") == ["10", "42"]


def test_strip_links_keeps_plain_text() -> None:
    assert strip_links("No links here [1].", PASSAGES) == ("No links here [1].", [])


def test_the_verifier_costs_well_under_five_milliseconds() -> None:
    text = " ".join(
        f"Managers earn $101,340 and grow 28 percent by 2031 [{1 + i % 2}]." for i in range(8)
    )
    verify(text, PASSAGES)
    start = time.perf_counter()
    for _ in range(50):
        verify(text, PASSAGES)
    per_answer_ms = (time.perf_counter() - start) * 1000 / 50
    assert per_answer_ms < 5
