"""Quoting the figure asked for, on the real index and model: a paragraph that states
several figures is not quoted whole for one of them, and of a sentence joining two figures
the clause asked about is cut out verbatim, the cut marked."""

from __future__ import annotations

from careerbot import CareerBot


def test_one_figure_of_a_paragraph_of_figures(bot: CareerBot) -> None:
    got = bot.ask("What is the median annual salary for medical and health services managers?")
    assert "$101,340" in got.text and "$205,620" not in got.text and "$60,780" not in got.text


def test_the_clause_asked_about_is_cut_out_and_marked(bot: CareerBot) -> None:
    top = bot.ask("whats the ceiling on pay here, like how much do the top ppl pull in")
    assert "$205,620" in top.text and "$60,780" not in top.text and top.text.startswith("[…]")
    low = bot.ask("How much do the lowest-paid 10 percent of health services managers earn?")
    assert "$60,780" in low.text and "$205,620" not in low.text and "[…]" in low.text
    for got in (top, low):  # the quote itself stays verbatim: a substring of its passage
        assert all(c.quote in c.passage for c in got.citations)


def test_a_range_gets_both_ends(bot: CareerBot) -> None:
    got = bot.ask("what do the top and bottom 10 percent earn")
    assert "$60,780" in got.text and "$205,620" in got.text


def test_a_table_of_money_does_not_answer_who_employs_the_most(bot: CareerBot) -> None:
    got = bot.ask("Which industries employ the most medical and health services managers?")
    assert "Hospitals; state, local, and private: 30%" in got.text and "$119,450" not in got.text
    assert "$119,450" in bot.ask("Which industries pay medical and health services managers the most?").text


def test_a_row_added_for_the_highest_is_the_highest_row(bot: CareerBot) -> None:
    got = bot.ask("If I want the highest pay in this field, which type of employer should I aim for?")
    assert "Hospitals; state, local, and private: $119,450" in got.text and "$117,000" not in got.text
