"""Quoting the figure or fact asked for, on the real index and model: a paragraph that states
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


def test_which_one_pays_the_most_or_least_is_that_row_alone(bot: CareerBot) -> None:
    """"which industry" asks for one row, whatever the occupation's plural or the set it
    chooses among ("which of the top industries") says; "which pays the least" after a
    question leans on what that question named."""
    top = bot.ask("In which industry do medical and health services managers earn the highest median wage?")
    assert "Hospitals; state, local, and private: $119,450" in top.text and "83,550" not in top.text
    low = bot.ask("Which of the top industries pays these managers the least?")
    assert "Nursing and residential care facilities: $83,550" in low.text and "$119,450" not in low.text
    place = bot.ask("which place pays the least for this job? just so i know what to avoid lol")
    assert not place.refused and "$83,550" in place.text and "$60,780" not in place.text
    kind = bot.ask("If I want the highest pay as a health services manager, "
                   "what kind of place should I aim to work at?")
    assert "Hospitals; state, local, and private: $119,450" in kind.text
    first = "which industries pay the most for this job?"
    then = bot.ask("and which one pays the least?", history=[(first, bot.ask(first).text)])
    assert "$83,550" in then.text and "$119,450" not in then.text and "$101,340" not in then.text
    both = bot.ask("Which industry pays these managers the most, which pays the least, "
                   "and what's the overall median?")
    assert all(f in both.text for f in ("$119,450", "$83,550", "$101,340"))


def test_a_clause_after_or_is_no_workplace_to_compare(bot: CareerBot) -> None:
    got = bot.ask("lol do the government jobs in this field pay ok or are they trash")
    assert "Government: $117,000" in got.text and "$101,340" not in got.text


def test_a_word_of_the_same_family_counts_though_the_stemmer_cuts_it_apart(bot: CareerBot) -> None:
    """"financial" and "finances" stem to "financi" and "financ": the duty about the
    facility's finances answers, not the "financial clerks" who begin careers."""
    got = bot.ask("Which financial matters of the facility are these managers responsible for handling?")
    assert "patient fees and billing" in got.text and "financial clerks" not in got.text


def test_other_places_asks_past_the_row_it_names(bot: CareerBot) -> None:
    got = bot.ask("real question: is it basically all hospitals hiring or are there other places too?")
    assert "Hospitals; state, local, and private: 30%" in got.text
    assert "Offices of physicians: 12%" in got.text


def test_the_scale_an_end_is_of_is_no_thing_of_its_own(bot: CareerBot) -> None:
    got = bot.ask("whats the floor on pay here, worst case what would the bottom of the barrel be making")
    assert not got.refused and "$60,780" in got.text and "$205,620" not in got.text
    assert bot.ask("what do the bottom of the hospital staff earn in Texas?").refused
