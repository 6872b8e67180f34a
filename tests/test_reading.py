"""Reading a message as meant, on the real index and model: names and acronyms as written,
the sentence and clause that ask, asides and examples after a question, what "they" stands
for, words that name the fact asked for; and what to quote beside the best sentence."""

from __future__ import annotations

from careerbot import CareerBot
from careerbot.core.adviser import split_parts
from careerbot.core.lexicon import stem, terms


def test_figure_words_names_and_asides_read_as_meant(bot: CareerBot) -> None:
    """'average' asks for a figure, it is no missing thing; an aside after the question asks
    nothing; a capitalised name is not respelt into an English word, and is named in full."""
    got = bot.ask("wat is the avrage salery for healthcare managers")
    assert not got.refused and "$101,340" in got.text
    got = bot.ask("ok but roughly how many openings pop up each year? just want a ballpark")
    assert not got.refused and "56,600" in got.text
    got = bot.ask("What does a hospital administrator at Kaiser Permanente get paid?")
    assert got.kind == "refusal" and "“Kaiser Permanente”" in got.text
    assert bot.ask("What's the average age of medical and health services managers?").refused
    got = bot.ask("where do i get CNHA certification from")
    assert not got.refused and "American College of Health Care Administrators" in got.text


def test_they_with_nothing_said_before_is_searched_as_the_occupation(bot: CareerBot) -> None:
    got = bot.ask("where do most of them work?")
    assert "work in offices" in got.text and not got.refused
    # An industry is where they work: the table of who employs them comes too.
    assert "Hospitals; state, local, and private: 30%" in got.text


def test_an_aside_after_the_question_does_not_narrow_a_list(bot: CareerBot) -> None:
    got = bot.ask("what kinda places even hire these people? like just hospitals or what")
    assert "Hospitals; state, local, and private: 30%" in got.text
    assert "Offices of physicians: 12%" in got.text


def test_a_figure_is_found_in_the_paragraph_that_names_the_topic(bot: CareerBot) -> None:
    """The sentence naming the master's holds no duration; the next one in its paragraph
    does ("Graduate programs often last between 2 and 3 years")."""
    got = bot.ask("how long does the master's usually take?")
    assert not got.refused and "between 2 and 3 years" in got.text
    assert bot.ask("How long is the national licensing exam?").refused
    # The topic may come from the question before, with what it asked of it ("required").
    got = bot.ask("and how long would that take me?", [("do I really need a master's?", "")])
    assert not got.refused and "between 2 and 3 years" in got.text


def test_who_do_i_asks_where_to_turn(bot: CareerBot) -> None:
    got = bot.ask("who do i check with about degree programs in healthcare management?")
    assert got.text.startswith("For more information about academic programs")
    assert "Association of University Programs in Health Administration" in got.text


def test_a_paragraphs_opening_sentence_comes_with_a_later_one_that_answers(bot: CareerBot) -> None:
    got = bot.ask("would getting certified help me stand out or is it a waste of money?")
    assert got.text.startswith("Although certification is not required, some managers choose to become")


def test_a_compound_of_a_concept_word_reads_as_its_parts(bot: CareerBot) -> None:
    got = bot.ask("yo whats the paycheck like for healthcare managers fr")
    assert got.citations and got.citations[0].section == "Pay"
    assert "full time" in bot.ask("what's the workload like?").text


def test_what_the_occupation_does_opens_on_the_profiles_own_summary(bot: CareerBot) -> None:
    got = bot.ask("What do medical and health services managers do?")
    assert got.text.startswith("Medical and health services managers, also called")
    assert "plan, direct, and coordinate" in got.text and "Create work schedules" in got.text
    assert "plan, direct" not in bot.ask("What do health information managers do?").text  # a kind


def test_a_paragraph_set_against_the_one_before_comes_with_its_opening(bot: CareerBot) -> None:
    """"A license is typically not required in other areas" says which areas only beside
    the paragraph before it."""
    got = bot.ask("do i need a license for this or nah")
    assert got.text.index("licensure for nursing home administrators") < got.text.index("other areas")


def test_advice_about_a_named_thing_adds_what_another_section_says_of_it(bot: CareerBot) -> None:
    """Education says master's degrees are "sometimes preferred"; Advancement that top
    executive positions usually require one. A section repeating Education's sentences
    (Education and Training) is no other view."""
    got = bot.ask("Is a master's worth it for this career?")
    assert "sometimes preferred" in got.text and "top level executive positions" in got.text
    assert "Advancement" in {c.section for c in got.citations}


def test_a_thing_named_with_digits_is_refused_and_the_users_own_figures_are_context(
    bot: CareerBot,
) -> None:
    got = bot.ask("Do these managers get health insurance and a 401k through work?")
    assert got.kind == "refusal" and "“401k”" in got.text
    got = bot.ask("I'm a RN with 5 yrs experience, could I move into healthcare management?")
    assert not got.refused and not got.text.startswith("The profile does not support")
    assert bot.ask("Since the median pay is $50,000, is it worth it?").text.startswith(
        "The profile does not support the figure in your question.")


def test_a_word_right_after_the_fact_asked_for_names_that_fact(bot: CareerBot) -> None:
    """"the pay scale", "the pay threshold" name the pay; "a hospital CEO" is another job."""
    got = bot.ask("whats the salary like if ur at the very bottom of the pay scale")
    assert not got.refused and "$60,780" in got.text
    assert bot.ask("How much does a hospital CEO make?").refused


def test_examples_after_a_question_belong_to_it(bot: CareerBot) -> None:
    """"like ..." gives examples of what the question asks: no second part."""
    assert split_parts("how stressful is this job really? like what are burnout rates") == [
        "how stressful is this job really? like what are burnout rates"]
    got = bot.ask("how stressful is this job really? like what are burnout rates")
    assert got.kind == "refusal" and "how stressful" in got.text
    assert bot.ask("what kind of benefits do they get? like health insurance, 401k, PTO").refused


def test_they_after_a_question_about_the_occupation_is_the_occupation(bot: CareerBot) -> None:
    turns = [("how many people do this job?", "They held about 480,700 jobs.")]
    assert "work in offices" in bot.ask("and where do most of them work?", history=turns).text


def test_a_follow_up_nearer_a_passage_than_off_topic_is_no_decline(bot: CareerBot) -> None:
    """Read with the pay it leans on, "the number in the middle" is about the profile;
    arithmetic after the same question is still declined."""
    pay = [("what's the pay range?", "")]
    assert bot.ask("so what's the number in the middle then?", pay).kind != "decline"
    assert bot.ask("what's 2+2?", pay).kind == "decline"


def test_a_follow_up_with_its_own_question_word_asks_its_own_form(bot: CareerBot) -> None:
    """"how long ...?" then "and what would I major in?" asks for majors, not a duration."""
    got = bot.ask("and what would I major in before that?", [("how long is grad school for this?", "")])
    assert not got.refused and "health administration" in got.text


def test_an_elliptical_follow_up_after_an_opener_asks_what_was_asked_before(bot: CareerBot) -> None:
    """"ok and what about ...?" leans on the pay question before it, and is a question, as
    that one was, however near an advice example its own words are."""
    pay = [("what's the median pay for this job?", "")]
    got = bot.ask("ok and what about in hospitals specifically?", pay)
    assert "$119,450" in got.text and {c.section for c in got.citations} == {"Pay"}


def test_the_word_of_a_kind_in_another_sense_does_not_match_the_kind(bot: CareerBot) -> None:
    """"a clinical manager" is answered from "Clinical managers ...", not "a clinical role"."""
    got = bot.ask("What is the role of a clinical manager?")
    assert "oversee a specific department" in got.text and "clinical role" not in got.text


def test_what_the_user_says_of_themselves_is_no_gap(bot: CareerBot) -> None:
    """"I'm kind of an introvert but I love spreadsheets": words the profile never uses,
    about the user, not things asked about; a name in the question itself still is."""
    got = bot.ask("I'm kind of an introvert but I love spreadsheets and keeping things organized. "
                  "Would this career suit me?")
    assert not got.refused and "Organizing" in got.text
    assert bot.ask("I'm a nurse. What does a hospital administrator at Kaiser Permanente get paid?").refused


def test_a_general_question_gets_both_sides_of_a_contrast(bot: CareerBot) -> None:
    """"do I have to get a license?": nursing home administrators must, "A license is
    typically not required in other areas"; asked of nursing home administrators, only they."""
    got = bot.ask("do I have to get a license?")
    assert "All states require licensure" in got.text and "typically not required" in got.text
    assert "not required" not in bot.ask("Do nursing home administrators need a license?").text


def test_a_list_asked_for_beside_another_answer_comes_whole(bot: CareerBot) -> None:
    """A list added beside the best passage is quoted whole when the question asks for the
    list ("what skills"), not as one item that reads as the only one; a lone letter ("u")
    is chat shorthand, no match for "U.S."."""
    got = bot.ask("Which interest areas suit this job, and what skills does it take?")
    assert "Helping, Persuading and Organizing" in got.text
    assert "Analytical skills; Communication skills; Detail oriented" in got.text
    assert "qualities: Technical skills [" not in got.text
    got = bot.ask("which qualities do u need for the job")
    assert got.text.startswith("Medical and health services managers should also possess")
    assert "Department of Labor" not in got.text


def test_a_follow_up_naming_nothing_of_its_own_is_read_by_its_meaning(bot: CareerBot) -> None:
    """All "can they move up from there?" names is carried from the question before, so no
    paragraph's opening sentence wins for its lede; and a yes-no question asks for no
    definition, whatever the question before asked."""
    got = bot.ask("can they move up from there?", [("who are health information managers?", "")])
    assert "entire hospital’s information systems" in got.text
    assert got.citations[0].section == "Advancement"


def test_a_verb_that_says_which_people_is_no_fact_asked(bot: CareerBot) -> None:
    """"the ones working for the government" names a group: after a question about pay,
    their pay is asked for, not their share of jobs."""
    got = bot.ask("and those working in hospitals?", [("what's the median salary?", "")])
    assert "$119,450" in got.text and "30%" not in got.text


def test_a_word_of_a_titled_name_is_the_names_not_the_ordinary_word(bot: CareerBot) -> None:
    """"outlook figures" asks for the job outlook, not about the Occupational Outlook
    Handbook; the Handbook is still found when a question names it."""
    got = bot.ask("I'm a guidance counselor writing a report page for parents. "
                  "What outlook figures should I put in it?")
    assert "28 percent" in got.text and "Handbook" not in got.text
    got = bot.ask("is this from the Occupational Outlook Handbook?")
    assert "Occupational Outlook Handbook" in got.text


def test_what_the_user_tells_before_asking_is_context(bot: CareerBot) -> None:
    """Words said only before the sentence that asks weigh half in choosing a passage."""
    from careerbot.conversation import read

    with bot._pinned() as live:
        q = read(live, "I ran budgets and schedules for years. Which qualities does the job call for?", [])
    assert {"budget", "year"} <= q.context and "quality" not in q.context


def test_a_sentence_two_quotes_lean_on_is_quoted_once(bot: CareerBot) -> None:
    """"In most states, these administrators ..." and "A license is typically not required
    in other areas ..." both lean on "All states require licensure ...": it comes once."""
    got = bot.ask("Can I get a health administration degree completely online?")
    lean = "All states require licensure for nursing home administrators; requirements vary by state."
    assert sum(c.quote.count(lean) for c in got.citations) <= 1
    assert got.text.count(lean) <= 1


def test_a_year_is_asked_only_in_the_asking_sentence_and_held_inside_a_span(bot: CareerBot) -> None:
    """2030 lies inside the projections' "from 2021 to 2031"; the pay is given for 2021
    only; a year told as context ("my son graduates around 2030") asks nothing."""
    got = bot.ask("Is this field growing by 2030?")
    assert not got.refused and "28 percent" in got.text
    got = bot.ask("My son graduates college around 2030 and wants a job that'll still be around. "
                  "Is this field growing?")
    assert not got.refused and "28 percent" in got.text
    assert bot.ask("what was the median pay in 2025?").kind == "refusal"
    assert bot.ask("how many jobs will there be in 2040?").kind == "refusal"
    got = bot.ask("Tell me the median salary and also how fast the field is expected to grow.")
    assert "$101,340" in got.text and "28 percent" in got.text


def test_the_most_said_of_a_verb_asks_for_one_row_a_plural_for_the_table(bot: CareerBot) -> None:
    got = bot.ask("which type of employer pays the most?")
    assert "$119,450" in got.text and "83,550" not in got.text
    got = bot.ask("which employer hires the most?")
    assert "Hospitals; state, local, and private: 30%" in got.text and "12%" not in got.text
    got = bot.ask("who are the biggest employers?")  # employers, plural: the whole table
    assert "30%" in got.text and "Outpatient care centers: 7%" in got.text
    got = bot.ask("where do most of them work?")  # most of them: no superlative
    assert "Offices of physicians: 12%" in got.text
    # Rows chosen in the plural ("which settings"), though the lead says "employers": the table.
    got = bot.ask("which settings employ the most of these managers?")
    assert "30%" in got.text and "Outpatient care centers: 7%" in got.text
    got = bot.ask("which industries pay the best?")
    assert "$119,450" in got.text and "$83,550" in got.text


def test_what_drives_a_fact_just_given_is_asked_for_its_reasons(bot: CareerBot) -> None:
    growth = ("how fast is it growing?", "Employment of medical and health services managers is "
              "projected to grow 28 percent from 2021 to 2031, much faster than the average for all "
              "occupations.")
    got = bot.ask("why though? what's driving that?", history=[growth])
    assert "large baby-boom population" in got.text


def test_a_missing_thing_named_beside_one_the_profile_has_is_said_missing(bot: CareerBot) -> None:
    """"dictations and budgets": the profile's budgets are quoted, and it says it never
    mentions dictations (a rare word: "spreadsheets", a plural of a common noun, is
    ordinary wording); a missing thing that qualifies the question ("in Chicago") still
    refuses it, and so does a missing thing a verb asks for ("earn bonuses")."""
    got = bot.ask("lol is the job mostly dictations and budgets or what")
    assert got.kind == "answer" and "never mentions “dictations”" in got.text
    assert "budgets" in got.text and got.citations
    assert bot.ask("what's the pay in Chicago?").kind == "refusal"
    got = bot.ask("Do they earn bonuses and a salary?")
    assert got.kind == "refusal" and "“bonuses”" in got.text
    assert "$101,340" in bot.ask("what's the pay scale?").text


def test_they_in_a_follow_up_carries_the_kind_named_before_as_well_as_the_topic(bot: CareerBot) -> None:
    """"what do they have to do to get it?" after a question about nursing home
    administrators' license: both the license and who it is for carry over."""
    before = ("do nursing home administrators need a license?",
              "All states require licensure for nursing home administrators; requirements vary by state.")
    got = bot.ask("gotcha. what do they usually have to do to get it?", history=[before])
    assert "complete a state-approved training program" in got.text


def test_a_span_of_years_answers_a_question_over_years(bot: CareerBot) -> None:
    """"over the next decade" is a number of years: the growth sentence says "from 2021 to
    2031", and a span of years is read as years."""
    assert stem("years") in terms("from 2021 to 2031")
    got = bot.ask("is employment expected to grow over the next decade?")
    assert not got.refused and "28 percent" in got.text


def test_people_the_occupation_is_likened_to_are_no_subject_asked_of(bot: CareerBot) -> None:
    """"are they like lawyers?" compares; it does not ask for lawyers' duties, as "What do
    lawyers do?" does. A figure compared with another occupation's ("earn more than
    nurses?", "paid like nurses?") needs that occupation's figure, which the profile lacks."""
    got = bot.ask("what do clinical managers do, are they like lawyers?")
    assert not got.refused and "can't answer" not in got.text
    assert "oversee a specific department" in got.text and got.citations
    assert "“lawyers”" in bot.ask("What do lawyers do?").text
    for asked in ("do managers earn more than nurses?", "are they paid like nurses?"):
        got = bot.ask(asked)
        assert got.kind == "refusal" and "“nurses”" in got.text


def test_items_chosen_for_what_their_lead_says_of_all_are_quoted_from_the_lists_start(
        bot: CareerBot) -> None:
    """"main duties" matches every duty: the duties list is quoted from its first item, not
    from its middle as if that were all of it; items chosen each for a word of its own
    ("budgets and schedules") stay as chosen."""
    got = bot.ask("wat do ppl in this job do all day, like there main dutys")
    assert "do the following: Improve efficiency and quality" in got.text
    assert "Recruit, train, and supervise staff members" in got.text
    got = bot.ask("do they handle budgets and schedules?")
    assert "Create work schedules; Prepare and monitor budgets" in got.text
    assert "Improve efficiency" not in got.text


def test_an_ordinal_follow_up_asks_about_that_item(bot: CareerBot) -> None:
    """"the first one" after the industries that employ the most is hospitals: their pay."""
    where = [("where do most of them work?", bot.ask("where do most of them work?").text)]
    got = bot.ask("and how much do they make in the first one?", where)
    assert "$119,450" in got.text and "$101,340" not in got.text
    assert {c.section for c in got.citations} == {"Pay"}
    kinds = [("what are the different types of these managers?", "Examples include nursing home "
              "administrators, clinical managers, and health information managers.")]
    got = bot.ask("tell me more about the last one", kinds)
    assert "maintenance and security of all patient records" in got.text


def test_a_chunk_chosen_twice_is_quoted_once(bot: CareerBot) -> None:
    """The sentence with the figure asked for can also be the paragraph naming the topic."""
    got = bot.ask("how much school do you need for this?")
    assert got.text.count("Graduate programs often last") == 1


def test_who_after_an_opener_asks_for_people(bot: CareerBot) -> None:
    got = bot.ask("so who do these managers actually deal with day to day?")
    assert "physicians and surgeons" in got.text and {c.section for c in got.citations} == {"Duties"}


def test_more_information_about_is_no_mention_of_information_managers(bot: CareerBot) -> None:
    got = bot.ask("tell me more about health information managers")
    assert "maintenance and security of all patient records" in got.text
    assert "For more information" not in got.text


def test_an_acronym_the_profile_defines_is_read_as_its_words(bot: CareerBot) -> None:
    """"health IT" is the profile's "health information technology (IT)": advice about it
    quotes what the profile says of it."""
    got = bot.ask("Is it smart to learn about health IT if I want to go into healthcare management?")
    assert "health information technology" in got.text and not got.refused


def test_a_comparison_typed_with_slips_is_split_in_the_words_meant(bot: CareerBot) -> None:
    """ "hw much ... mak vs ... hme" compares pay in two workplaces, as spelt right."""
    got = bot.ask("hw much do they mak in hospitls vs nursing hme")
    assert "$119,450" in got.text and "$83,550" in got.text
    assert {c.section for c in got.citations} == {"Pay"}


def test_a_pronoun_after_the_kind_a_follow_up_names_stands_for_that_kind(bot: CareerBot) -> None:
    history = [("what do clinical managers do?", "Clinical managers set and carry out policies ...")]
    got = bot.ask("and the health information managers, what are they responsible for?", history)
    assert "maintenance and security of all patient records" in got.text
    assert "Clinical managers" not in got.text


def test_a_follow_up_of_a_follow_up_asks_what_the_one_before_carried(bot: CareerBot) -> None:
    history = [("what's the usual pay?", "The median annual wage ... was $101,340 in May 2021."),
               ("is it higher in hospitals?", "Hospitals; state, local, and private: $119,450")]
    got = bot.ask("what about outpatient care centers?", history)
    assert "$99,540" in got.text and not got.refused
