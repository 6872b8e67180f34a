"""Conversation beyond one quote: small talk, declines, advice from several sections,
multi-part questions, openers that lean on a missing sentence, brief refusals; and the same
mechanisms on a second profile with no code change."""

from __future__ import annotations

from pathlib import Path

import pytest

from careerbot import CareerBot, Settings
from careerbot.core.adviser import merge, split_parts
from careerbot.core.lexicon import DANGLING, is_common, named_places
from careerbot.evaluation.metrics import compute_metrics
from careerbot.evaluation.questions import load_questions
from careerbot.evaluation.runner import run_questions
from careerbot.result import Answer, Citation

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("message", ["hi", "thanks, that's helpful", "who are you?", "what can you do?",
                                     "cheers mate!", "thx a lot", "hey, how's it going with you?",
                                     "wow, you really know your stuff"])
def test_small_talk_gets_a_friendly_reply_with_answerable_examples(bot: CareerBot, message: str) -> None:
    got = bot.ask(message)
    assert got.kind == "smalltalk" and not got.refused and got.citations == []
    assert "can't answer" not in got.text and "closest sections" not in got.text
    examples = [q for q, _ in bot.suggestions()[:3]]
    assert examples and all(q in got.text for q in examples if "goodbye" not in message)


@pytest.mark.parametrize("message", ["What's 2+2?", "write me a poem about the sea", "I have 2 kids",
                                     "how many moons does jupiter have?", "what is 12 squared",
                                     "who painted the mona lisa", "translate 'good morning' into French",
                                     "can you write my resume for a cashier job?"])
def test_off_topic_is_declined_politely_without_a_quote(bot: CareerBot, message: str) -> None:
    got = bot.ask(message)
    assert got.kind == "decline" and got.refused and got.citations == []
    assert "only help with questions about the Medical and health services managers" in got.text


def test_a_bare_topic_question_leaning_on_the_subject_is_answered(bot: CareerBot) -> None:
    """No passage is close to "Is it growing?" on its own, but it asks for a kind of fact the
    profile holds: an answer, not a decline."""
    assert "28 percent" in bot.ask("Is it growing?").text


def test_misspelt_words_are_corrected_before_the_question_is_embedded(bot: CareerBot) -> None:
    got = bot.ask("do they wrk nigths and wekends?")
    assert "evenings or weekends" in got.text and got.citations[0].section == "Work Schedules"


def test_is_it_a_good_career_composes_pay_outlook_schedule_and_interests(bot: CareerBot) -> None:
    got = bot.ask("Is this a good career?")
    assert got.kind == "answer" and not got.refused
    for fact in ("$101,340", "28 percent", "56,600 openings", "full time", "Helping"):
        assert fact in got.text, fact
    sections = {c.section for c in got.citations}
    assert {"Pay", "Job Outlook", "Personality and Interests"} <= sections
    assert "I am not sure if this career is right for me" not in got.text
    # Job security is asked as whether it is worth it: growth and openings both.
    got = bot.ask("Is there good job security in this field long term?")
    assert "28 percent" in got.text and "56,600" in got.text
    # every figure quoted is in the passage its marker cites
    for c in got.citations:
        assert c.quote in c.passage


def test_how_do_i_become_one_gives_the_path(bot: CareerBot) -> None:
    got = bot.ask("How do I become one?")
    # the jobs careers begin in, after the paragraph "Others" leans on, in reading order
    assert got.text.index("Many employers require") < got.text.index("Others may begin")
    assert "financial clerks" in got.text and "[…] Others" not in got.text
    for fact in ("bachelor's degree", "work experience", "licens"):
        assert fact in " ".join(got.text.replace("’", "'").split()), fact


def test_multi_part_questions_answer_each_part(bot: CareerBot) -> None:
    got = bot.ask("What's the median salary, and how fast is the field growing?")
    assert "$101,340" in got.text and "28 percent" in got.text
    assert [c.n for c in got.citations] == list(range(1, len(got.citations) + 1))
    assert split_parts("What is the pay? And what is the outlook?") == [
        "What is the pay?", "And what is the outlook?"]
    assert split_parts("How much do managers in hospitals earn?") == [
        "How much do managers in hospitals earn?"]


def test_a_part_asking_for_a_list_gets_the_whole_list(bot: CareerBot) -> None:
    """The whole question picks one duty; the part "What are the main duties" gets the
    list, which holds that duty, so the list is what is shown."""
    got = bot.ask("What are the main duties, and who do these managers work with?")
    assert "Create work schedules" in got.text and "Recruit, train, and supervise" in got.text
    assert "physicians and surgeons" in got.text and len(got.citations) == 2


@pytest.mark.parametrize("question", [
    "What do nursing home administrators do?",
    "What degree do you need to become a medical and health services manager?",
])
def test_a_factual_question_near_an_advice_example_stays_short(bot: CareerBot, question: str) -> None:
    """Both are near "how do I become one?", and much nearer to the passage that answers
    them: a short quoted answer, not composed advice."""
    got = bot.ask(question)
    assert got.kind == "answer" and len(got.text.split()) <= 60 and len(got.citations) <= 2


def test_a_later_part_leans_on_the_part_before_it(bot: CareerBot) -> None:
    got = bot.ask("How much do managers in government and in hospitals earn, and what share works in each?")
    assert "Government: $117,000" in got.text and "Government: 8%" in got.text
    assert "Hospitals; state, local, and private: 30%" in got.text


def test_a_comparison_is_answered_side_by_side(bot: CareerBot) -> None:
    got = bot.ask("what's the difference between clinical managers and nursing home administrators?")
    text = " ".join(got.text.split())  # the corpus has non-breaking spaces
    assert "Clinical managers oversee a specific department" in text
    assert "Nursing home administrators manage staff, admissions" in text
    assert {c.section for c in got.citations} == {"Duties"}
    pay = bot.ask("Compare pay in hospitals and in government.")  # a figure: the table's rows
    assert "$119,450" in pay.text and "$117,000" in pay.text and len(pay.citations) == 1


def test_a_percent_sign_asks_for_the_percent_table(bot: CareerBot) -> None:
    history = [("Who employs the most medical and health services managers?",
                "The largest employers ... Hospitals; state, local, and private 30%")]
    got = bot.ask("and what % are in doctors offices?", history)
    assert "Offices of physicians: 12%" in got.text and got.citations[0].section == "Work Environment"


def test_no_answer_opens_on_a_connective(bot: CareerBot) -> None:
    got = bot.ask("What license do some positions require?")
    assert not DANGLING.match(got.text)
    assert got.text.index("A license is typically not required") < got.text.index("However, some positions")


def test_ordinary_words_never_refuse_but_places_do(bot: CareerBot) -> None:
    assert is_common("love") and is_common("pros") and not is_common("dovakelu")
    assert named_places("Is the pay better in New York or Texas?") == ["new york", "texas"]
    got = bot.ask("I love organizing, so how much do these managers earn?")
    assert not got.refused and "$101,340" in got.text
    refused = bot.ask("What is the median pay in Texas?")
    assert refused.kind == "refusal" and "“Texas”" in refused.text
    assert refused.text.count(";") <= 2  # the closest sections, not all of them


def test_what_a_profile_of_this_kind_never_says_is_refused_by_meaning(bot: CareerBot) -> None:
    """Benefits, bonuses, remote work: nearest an example of what such profiles never cover
    (data/gaps.txt), so refused naming the words the profile never uses; a near miss the
    profile answers is not."""
    got = bot.ask("do they get a signing bonus or stock options?")
    assert got.kind == "refusal" and "“signing bonus”, “stock options”" in got.text and not got.citations
    got = bot.ask("are they ever on call during the weekend?")
    assert not got.refused and "on call" in got.text
    for gap in ["Which colleges have the best health administration programs?",
                "Can I get a health administration degree completely online?"]:
        assert bot.ask(gap).kind == "refusal"
    # A gap example near what the user only tells ("I'm 45") makes no gap of the question.
    got = bot.ask("I'm 45 and considering a career change into healthcare management. Is the field "
                  "growing or is it saturated?")
    assert got.kind == "answer" and "28 percent" in got.text


def test_intent_is_read_without_the_occupations_name(bot: CareerBot) -> None:
    """Spelt out, the name outweighs what is asked: "the highest 10 percent of medical and
    health services managers" was nearest "what's the highest job a health services
    manager can reach?" and got career advice. Read as "of them", it is a pay question."""
    got = bot.ask("What did the highest 10 percent of medical and health services managers earn?")
    assert got.kind == "answer" and "$205,620" in got.text and "$60,780" not in got.text
    assert [c.section for c in got.citations] == ["Pay"]
    got = bot.ask("Do medical and health services managers usually get good health insurance and "
                  "retirement benefits?")
    assert got.kind == "refusal" and "“benefits”" in got.text and not got.citations


def test_advice_on_a_trait_told_first_is_composed_not_refused(bot: CareerBot) -> None:
    """No passage comes close to "too much dealing with people" for someone shy, which
    names nothing the profile lacks: the fit advice still answers, from the traits the
    user told, though the question alone ("would this be a good job?") reads as "worth"."""
    got = bot.ask("My son is pretty shy. Would this be a good job for him, or is it too much dealing "
                  "with people?")
    assert got.kind == "answer" and "Communication skills" in got.text and "Interpersonal skills" in got.text
    assert "$101,340" not in got.text  # fit, not is-it-worth-it


def test_a_verb_asked_of_them_is_its_own_question_after_another(bot: CareerBot) -> None:
    """"can they move up?" names health information managers by "they", but asks about
    advancing, not what the question before asked (their duties)."""
    got = bot.ask("can they move up?", [("What does a health information manager do?", "")])
    assert "entire hospital’s information systems" in got.text
    assert [c.section for c in got.citations] == ["Advancement"]
    both = bot.ask("What does a health information manager do, and can they move up?")
    assert "maintenance and security" in both.text and "entire hospital’s information systems" in both.text


def test_that_one_is_what_the_last_answer_named(bot: CareerBot) -> None:
    history = [("who employs the most of them?",
                "The largest employers of medical and health services managers were as follows: "
                "Hospitals; state, local, and private 30%")]
    got = bot.ask("ok and how much does that one pay?", history)
    assert "Hospitals; state, local, and private: $119,450" in got.text and "$101,340" not in got.text


def test_the_figures_of_a_topic_are_all_its_figures(bot: CareerBot) -> None:
    got = bot.ask("I'm a counselor making a handout. What job outlook numbers can I give students?")
    assert "28 percent" in got.text and "56,600" in got.text
    assert {c.section for c in got.citations} == {"Job Outlook"}


def test_a_remark_after_the_question_is_no_part_of_its_own() -> None:
    assert split_parts("what do the top earners pull in?? asking for motivation lol") == [
        "what do the top earners pull in?? asking for motivation lol"]
    assert split_parts("who actually hires these ppl? mostly hospitals or what") == [
        "who actually hires these ppl?", "mostly hospitals or what"]


def test_a_gap_hidden_by_leaving_words_out_is_still_found(bot: CareerBot) -> None:
    """Read without a word no dictionary holds ("spanish"), or as its last sentence alone
    ("like what percentage?"), a question no longer looks like one the profile never
    answers; the reading nearest a gap example decides."""
    got = bot.ask("do i need to speak spanish or another second language to get hired as a "
                  "healthcare manager?")
    assert got.kind == "refusal" and "“language”" in got.text
    got = bot.ask("Are most healthcare managers women or men? like what percentage?")
    assert got.kind == "refusal" and "“women”" in got.text
    got = bot.ask("How many medical and health services manager jobs are there in New York City?")
    assert got.kind == "refusal" and "“New York City”" in got.text


def test_a_labelled_paragraph_is_quoted_with_its_label_and_the_lead_once(bot: CareerBot) -> None:
    """"These managers must be able to communicate" leans on its label ("Communication
    skills"), which leans on the list's lead; the lead is printed once however many
    labelled paragraphs follow."""
    got = bot.ask("Do they need good communication skills?")
    assert "Communication skills. These managers must be able to communicate" in got.text
    assert got.text.count("following specific qualities") == 1
    shy = bot.ask("must they communicate well?")
    assert not shy.text.startswith("These") and "Communication skills" in shy.text


def test_causative_make_is_not_pay(bot: CareerBot) -> None:
    got = bot.ask("I hate working nights. Would this career make me work evenings?")
    assert not got.refused and "evenings or weekends" in got.text and "$" not in got.text


def test_filler_words_do_not_refuse_a_figure_question(bot: CareerBot) -> None:
    got = bot.ask("alright neat, so which industry should I shoot for if pay is what matters?")
    assert not got.refused and "Hospitals" in got.text
    assert bot.ask("How much does the licensing exam cost?").refused


def test_a_quality_the_profile_does_not_rate_is_refused_with_related_facts(bot: CareerBot) -> None:
    """"How stressful?": the profile never rates stress, so the bot says so and offers the
    nearest facts it does give, quoted and cited; a figure-like "how big" is answered."""
    got = bot.ask("How stressful is this job?")
    assert got.kind == "refusal" and got.refused and "does not say how stressful" in got.text
    assert got.citations and got.citations[0].section == "Work Schedules"
    assert "What it does say, in Work Schedules: Some managers work more than 40 hours" in got.text
    missing = bot.ask("What's the unemployment rate for these managers?")
    assert "“unemployment”" in missing.text and not missing.citations  # no figure beside a missing one
    assert not bot.ask("How large is the occupation, in jobs?").refused


def test_tell_me_everything_quotes_a_sections_key_figures(bot: CareerBot) -> None:
    got = bot.ask("Tell me everything you know about salaries.")
    assert got.kind == "answer" and {c.section for c in got.citations} == {"Pay"}
    for figure in ("$101,340", "$60,780", "$205,620", "$119,450"):  # median, range, industries
        assert figure in got.text
    short = bot.ask("and the pay?")  # a bare topic stays a short factual answer
    assert "$101,340" in short.text and len(short.text.split()) <= 60  # the factual budget


def test_an_overview_takes_in_the_sections_named_within_its_own(bot: CareerBot) -> None:
    """"Education and Training" opens with one short paragraph; "Education" holds the
    majors. An overview of education quotes both; one of work schedules stays in its section."""
    got = bot.ask("Tell me everything you know about schooling and education for this job.")
    assert {c.section for c in got.citations} >= {"Education and Training", "Education"}
    assert "health administration" in got.text
    hours = bot.ask("Tell me everything about their work schedules.")
    assert {c.section for c in hours.citations} == {"Work Schedules"}


def test_stated_background_neither_refuses_nor_hides_the_path(bot: CareerBot) -> None:
    got = bot.ask("I'm a registered nurse. How could I become a nursing home administrator?")
    assert got.kind == "answer" and not got.refused
    for step in ("bachelor", "state-approved training program", "national licensing exam"):
        assert step in got.text
    texts = " ".join(c.quote for c in got.citations)
    assert "state-approved training program" in texts  # the step is quoted, with its citation


def test_bare_follow_ups_lean_on_history_and_thanks_stays_small_talk(bot: CareerBot) -> None:
    history = [("What is the job outlook?", "Employment ... is projected to grow 28 percent")]
    assert bot.ask("how come?", history=history).kind == "answer"
    thanks = bot.ask("thank you, very useful", history=history)  # "useful" is a profile word
    assert thanks.kind == "smalltalk" and thanks.citations == []


def test_context_clause_is_kept_with_its_question_and_clauses_split() -> None:
    assert split_parts("If I want to earn more, what should I do?") == [
        "If I want to earn more, what should I do?"]
    assert split_parts("how much do they make, what degree do u need, and why is it growing?") == [
        "how much do they make", "what degree do u need", "why is it growing?"]


def test_merge_renumbers_and_cites_a_passage_once() -> None:
    def cite(n: int, start: int) -> Citation:
        return Citation(n, "f.txt", "T", "Pay", "q", start, start + 1, "p", 1.0)

    merged = merge([Answer("A [1]. B [2].", [cite(1, 0), cite(2, 5)]),
                    Answer("C [1]. D [2].", [cite(1, 5), cite(2, 9)])])
    assert merged.text == "A [1]. B [2].\n\nC [2]. D [3]."
    assert [(c.n, c.start) for c in merged.citations] == [(1, 0), (2, 5), (3, 9)]


@pytest.fixture(scope="module")
def orthoptic(tmp_path_factory: pytest.TempPathFactory) -> CareerBot:
    home = tmp_path_factory.mktemp("orthoptic")
    bot = CareerBot(Settings(corpus=DATA / "orthoptic", home=home))
    bot.ingest(progress=False)
    return bot


@pytest.mark.slow
def test_a_second_profile_works_with_no_code_change(orthoptic: CareerBot) -> None:
    questions = load_questions([DATA / "orthoptic-questions.jsonl"])
    m = compute_metrics(run_questions(orthoptic, questions, show_progress=False))
    assert m["forbidden_violations"] == 0 and m["dangling_openers"] == 0
    assert m["fact_recall"] >= 0.65 and m["smalltalk_handled"] >= 0.9  # measured: 0.700, 1.000
    assert m["unanswerable_refused"] >= 0.8  # measured: 0.833
    nights = orthoptic.ask("do they have to work nights or weekends")  # a short paragraph, whole
    assert "regular business hours" in nights.text and "evening or Saturday" in nights.text
    least = orthoptic.ask("which industry pays the least?")  # the lowest row, not the table
    assert "Offices of optometrists: $39,480" in least.text and "$49,860" not in least.text
    got = orthoptic.ask("How much do orthoptic technicians make?")
    assert "$43,870" in got.text and got.citations[0].section == "Pay"


def test_which_state_needs_a_named_place_or_a_rule_for_all_states(bot: CareerBot) -> None:
    """"Which state employs the most?" is not answered by the employers table ("state,
    local, and private"); a rule the profile gives for all states answers its own kind."""
    got = bot.ask("Which state employs the most medical and health services managers?")
    assert got.kind == "refusal" and "by state, city or country" in got.text
    rule = bot.ask("which states require a license for nursing home administrators?")
    assert not rule.refused and "All states require licensure" in rule.text


def test_context_before_the_question_neither_refuses_nor_counts_as_a_claim(bot: CareerBot) -> None:
    """A rare profile word ("public") and a figure ("45k") the user gives about themselves
    first are context: no refusal, and no "does not support the figure" note."""
    got = bot.ask("I'm 22, just graduated with a public health BA and make about 45k right now. "
                  "What's the salary range I could eventually look at in this field?")
    assert not got.refused and "$60,780" in got.text and "$205,620" in got.text
    assert "does not support the figure" not in got.text


def test_a_rare_word_refuses_only_where_it_names_a_thing(bot: CareerBot) -> None:
    """Slang and adjectives are wording however rare ("lowkey", "introverted"); a rare
    word used as a noun or written as a name is a gap ("the AHIMA exam")."""
    top = bot.ask("lowkey wanna know what the top earners pull in")
    assert not top.refused and "$205,620" in top.text
    assert not bot.ask("Would this job suit me if I'm extremely organized but pretty introverted?").refused
    gap = bot.ask("How much does it cost to take the AHIMA certification exam?")
    assert gap.kind == "refusal" and "“cost”" in gap.text


def test_the_most_ranks_and_most_counts(bot: CareerBot) -> None:
    """"the most" is a superlative (the largest employers); "most managers" is a count."""
    from careerbot.core.lexicon import terms

    assert "high" in terms("who hires the most?") and "most" in terms("Most managers work full time.")
    got = bot.ask("who hires the most healthcare managers?")
    assert "Hospitals; state, local, and private: 30%" in got.text


@pytest.mark.parametrize("question", [
    "How do I become one? I am a registered nurse.",
    "I'm a high school senior interested in this field. What should I be doing next?",
    "Is this a good career?",
    "What's the median salary, and how fast is the field growing?",
])
def test_composed_answers_say_each_quote_once_and_quote_no_question(bot: CareerBot, question: str) -> None:
    """Facets and parts often quote the same passage: it is said once. An FAQ's question
    ("How can I decide?") is never part of an answer."""
    import re

    got = bot.ask(question)
    quotes = re.findall(r"\S.*?(?:\[\d+\])+[.!?]?", got.text, re.S)
    assert quotes and len(quotes) == len(set(quotes))
    assert "?" not in got.text
    from careerbot.core.adviser import ADVICE_BUDGET

    assert len(re.sub(r"\[\d+\]", "", got.text).split()) <= ADVICE_BUDGET


def test_a_statement_after_the_question_is_its_context() -> None:
    from careerbot.core.adviser import split_parts

    assert split_parts("How do I become one? I am a registered nurse.") == [
        "How do I become one? I am a registered nurse."]
    assert len(split_parts("what's the median pay? also which industry pays the least")) == 2


def test_merge_keeps_paragraphs_within_a_budget_and_renumbers_what_is_left() -> None:
    from careerbot.core.adviser import merge
    from careerbot.result import Answer, Citation

    def part(text: str, start: int) -> Answer:
        cite = Citation(n=1, source="f.txt", title="T", section="S", start=start, end=start + 5, quote=text,
                        passage=text, score=1.0)
        return Answer(text=f"{text} [1].", citations=[cite])

    long, short = part(" ".join(["word"] * 30), 0), part("Short one", 50)
    got = merge([part("First", 90), long, short], budget=10)
    assert got.text == "First [1].\n\nShort one [2]."
    assert [(c.n, c.start) for c in got.citations] == [(1, 90), (2, 50)]


def test_they_with_no_history_is_the_occupation_and_do_after_do_is_its_duties(bot: CareerBot) -> None:
    from careerbot.core.lexicon import terms

    assert "duty" in terms("what do they actually do all day?")
    assert "duty" not in terms("what do they have to do to get it?")
    assert "duty" in terms("Managers typically do the following:")
    got = bot.ask("sooo what do they actually do all day?? like the day-to-day grind")
    assert got.kind == "answer" and "Prepare and monitor budgets" in got.text


def test_which_of_those_picks_among_what_the_last_answer_listed(bot: CareerBot) -> None:
    employers = ("The largest employers of medical and health services managers were as follows: "
                 "Hospitals; state, local, and private: 30%; Offices of physicians: 12%; Nursing and "
                 "residential care facilities: 9%; Government: 8%; Outpatient care centers: 7%")
    got = bot.ask("ok and which of those pays the least?", [("Who are the biggest employers?", employers)])
    assert "Nursing and residential care facilities: $83,550" in got.text


def test_choosing_between_workplaces_is_answered_with_each_ones_pay(bot: CareerBot) -> None:
    """"A or B?" weighed ("better", "should I") gets the pay of each, under one lead; a
    question of fact ("do they work in offices or hospitals?") is not a choice."""
    from careerbot.core.adviser import compared

    assert compared("do they work in offices or in hospitals?") == []
    # two things to study are no workplaces: no row of the profile's tables names them
    live = bot._live()
    assert compared("should I major in nursing or health administration?", live.names_a_row) == []
    assert len(compared("should I work in a nursing home or a hospital?", live.names_a_row)) == 2
    got = bot.ask("Is it better to work for a hospital or for the government in this field?")
    assert "as follows: Hospitals; state, local, and private: $119,450 [1]; Government: $117,000 [2]." \
        in got.text
    assert got.text.count("as follows") == 1 and [c.n for c in got.citations] == [1, 2]


def test_advice_the_profile_itself_asks_leads_with_its_answer(bot: CareerBot) -> None:
    """An advice question the profile's FAQ asks in other words gets the FAQ's answer
    first, though it names nothing of the profile ("career", "decide" are fillers)."""
    got = bot.ask("I'm not sure if this career is right for me. How can I decide?")
    assert got.text.startswith("There are many excellent tools") and "Career Personality Profiler" in got.text


def test_a_demonstrative_brings_the_sentence_it_points_back_to(bot: CareerBot) -> None:
    """"In most states, these administrators must ..." is quoted with the sentence that
    says who "these administrators" are."""
    got = bot.ask("is there like some big test or license thing i gotta pass??")
    assert "national licensing exam" in got.text
    who = got.text.index("licensure for nursing home administrators")
    assert who < got.text.index("these administrators")


def test_how_many_counts_and_a_percentage_is_no_count(bot: CareerBot) -> None:
    first = "How many jobs were there in 2021?"
    held = bot.ask(first)
    assert "480,700 jobs" in held.text
    later = bot.ask("and how many jobs will there be in 2031 exactly?", [(first, held.text)])
    assert later.kind == "refusal" and "28 percent" not in later.text
    assert "56,600" in bot.ask("how many openings are there each year?").text


def test_a_figure_for_a_kind_of_manager_the_profile_does_not_break_down_is_refused(bot: CareerBot) -> None:
    """"clinical managers" is a kind of the subject: the pay passage, which gives no pay by
    kind, does not answer it, however often the profile says "clinical"."""
    got = bot.ask("What's the median pay for clinical managers?")
    assert got.kind == "refusal" and "clinical" in got.text
    assert "$119,450" in bot.ask("How much do hospital managers make?").text
    assert "$101,340" in bot.ask("How much do healthcare managers make?").text
    # A kind named by two words, the first of which the answer gives, is that row's.
    got = bot.ask("what do nursing home managers earn compared with hospital ones?")
    assert "Nursing and residential care facilities: $83,550" in got.text


def test_a_choice_is_weighed_with_what_another_section_says(bot: CareerBot) -> None:
    """"a master's right away, or is a bachelor's enough?": Education, and Advancement's
    "top level executive positions usually requires a master's degree"."""
    got = bot.ask("Should I go for a master's right away, or is a bachelor's enough to get started?")
    assert "sometimes preferred by employers" in got.text
    assert "usually requires a master’s degree" in got.text
    assert {c.section for c in got.citations} >= {"Education", "Advancement"}


def test_a_request_about_a_profile_topic_is_still_off_topic(bot: CareerBot) -> None:
    """A poem about hospitals is declined, not answered with a quote about hospitals."""
    assert bot.ask("can you write me a poem about hospitals").kind == "decline"
    assert bot.ask("how much do hospitals pay?").kind == "answer"


def test_a_trait_the_user_tells_is_what_fit_advice_is_about(bot: CareerBot) -> None:
    """"bad with budgets" names what the answer must speak to, though it is said before the
    sentence that asks; a noun said of it ("is that a dealbreaker?") judges it and names
    no gap; "details" asked for stays a filler ("any details on what they do?")."""
    got = bot.ask("I'm kinda bad with budgets, would this job suit me?")
    assert got.kind == "answer" and "budgets [1]" in got.text
    got = bot.ask("honestly I hate budgets... is that a dealbreaker here?")
    assert not got.refused
    got = bot.ask("any details on what they do day to day?")
    assert "pay attention to detail" not in got.text and "typically do the following" in got.text


def test_moving_up_is_advice_on_advancement(bot: CareerBot) -> None:
    """Career progression is an intent of its own (data/intents.txt, "advance"): where
    careers begin, how managers advance and what the top needs, each quoted and cited."""
    got = bot.ask("I work as a medical records tech right now. is there a way to move up into "
                  "management from here?")
    assert got.kind == "answer"
    assert "medical records and health information technicians" in got.text
    assert "advance by moving into higher paying positions" in got.text
    sections = {c.section for c in got.citations}
    assert {"Advancement", "Work Experience in a Related Occupation"} <= sections


def test_a_part_the_profile_cannot_answer_is_said_so(bot: CareerBot) -> None:
    """Each part of a multi-part question is answered; one the profile lacks is named with
    the reason, not dropped. A thing named with digits ("401k") is no figure to check."""
    got = bot.ask("What's the median pay, and do they get a 401k?")
    assert "$101,340" in got.text
    assert "I can't answer “do they get a 401k?”" in got.text and "“401k”" in got.text
    assert "does not support the figure" not in got.text
    assert bot.ask("do they get a 401k?").kind == "refusal"


def test_an_advice_example_must_be_clearly_nearer_than_any_plain_question() -> None:
    """Examples name topics as well as intents: a message about as near a plain question
    on the topic as an advice example is that question ("What do nursing home
    administrators do?" beside "Do nursing home administrators ever move up ...?")."""
    import numpy as np

    from careerbot.core.intent import nearest

    examples = np.array([[1.0, 0.0], [0.0, 1.0]])
    labels = ["advance", "question"]
    assert nearest(np.array([0.800, 0.795]), labels, examples).label == "question"
    assert nearest(np.array([0.800, 0.700]), labels, examples).label == "advance"
    # An overview ("tell me everything about ...") is no advice of fixed questions.
    assert nearest(np.array([0.800, 0.795]), ["everything", "question"], examples).label == "everything"


def test_chat_words_no_dictionary_holds_do_not_hide_what_is_asked(bot: CareerBot) -> None:
    """"lol" and "gotta" pull the message's embedding away from the advice it asks for;
    without them it is "would it fit me?", not off-topic. Small talk of such words stays."""
    got = bot.ask("do i gotta be a people person for this lol")
    assert got.kind == "answer" and "Interpersonal skills" in got.text
    assert bot.ask("thx lol").kind == "smalltalk"


def test_a_gap_is_found_in_every_sentence_that_asks(bot: CareerBot) -> None:
    """"... women or men? like what percentage?": the first question names what the profile
    never mentions, though the last one only asks for a percentage."""
    got = bot.ask("Are most healthcare managers women or men? like what percentage?")
    assert got.kind == "refusal" and "“women”" in got.text


def test_would_it_fit_me_quotes_what_the_profile_says_of_the_traits_told(bot: CareerBot) -> None:
    """"pretty introverted": no profile word, but the Interpersonal skills paragraph is
    nearest in meaning, quoted with its opening; each sentence once."""
    got = bot.ask("Would this job suit someone who's pretty introverted and hates persuading people?")
    assert "They must be able to motivate and lead staff" in got.text
    assert got.text.count("The Persuading interest area indicates") <= 1
    trait = next(c for c in got.citations if "motivate and lead staff" in c.quote)
    assert " ".join(trait.quote.split()) in " ".join(trait.passage.split())


def test_a_plural_of_an_ordinary_noun_is_ordinary_wording(bot: CareerBot) -> None:
    """wordfreq rates "downsides" rarer than "downside": its lemma decides."""
    from careerbot.core.lexicon import is_common

    assert is_common("downsides") and not is_common("buzzword")
    got = bot.ask("What are the downsides of this job I should think about before committing?")
    assert not got.refused and "more than 40 hours per week" in got.text


def test_words_the_user_sets_aside_or_describes_with_name_no_gap(bot: CareerBot) -> None:
    """A word set against what is asked ("tasks not buzzwords"), the parts of a hyphenated
    modifier ("hands-on experience") and whom a counsellor tells ("students") are wording;
    a word after "do they not get" is still asked about."""
    tasks = bot.ask("what do they even do all day tho?? like actual tasks not buzzwords")
    assert not tasks.refused and "Recruit, train, and supervise staff members" in tasks.text
    first = "and how long is grad school for it?"
    hands = bot.ask("does that include any hands-on experience?", history=[(first, bot.ask(first).text)])
    assert not hands.refused and "up to 1 year of supervised administrative experience" in hands.text
    told = bot.ask("I'm a high school counselor. "
                   "What earnings range can I tell students to expect in this career?")
    assert "$60,780" in told.text and "$205,620" in told.text  # "high school" asks for no top end alone
    assert bot.ask("do they not get bonuses?").refused


def test_slang_for_earnings_is_answered_and_bonuses_still_refused(bot: CareerBot) -> None:
    """Near the gap example about pay after years of experience, slang for pay ("pull in")
    is answered: answerable examples of it sit beside the gap examples (data/gaps.txt)."""
    got = bot.ask("so how much do these hospital admin ppl actually pull in a year?? ballpark is fine")
    assert not got.refused and got.citations and {c.section for c in got.citations} == {"Pay"}
    assert bot.ask("do hospital admins get bonuses each year?").refused


def test_traits_told_when_asking_about_fit_are_no_gap_but_a_place_is(bot: CareerBot) -> None:
    got = bot.ask("do u have to be a people person for this or can a kinda quiet introvert type pull it off")
    assert not got.refused and "Interpersonal skills" in got.text
    assert bot.ask("would I fit this job if I want to live in Texas?").refused


def test_advice_ends_with_what_the_profile_says_of_what_the_user_told(bot: CareerBot) -> None:
    """What the user tells before asking ("I like working with budgets") is named by a
    passage ("Prepare and monitor budgets ..."): quoted after the advice, within its budget."""
    got = bot.ask("I'm really detail oriented and I like working with budgets. Would I do well in this job?")
    assert "Prepare and monitor budgets" in got.text and "Detail oriented" in got.text
    quoted = [c.quote for c in got.citations]
    assert len(quoted) == len(set(quoted))


def test_a_question_after_a_greeting_or_a_condition_opens_a_part() -> None:
    """A first piece asks when a question word follows a greeting or, with an inverted
    verb, a condition; a relative clause after a comma, or a premise, asks nothing."""
    assert split_parts("hi! what do these managers do, and who hires the most of them?") == [
        "hi! what do these managers do", "who hires the most of them?"]
    assert split_parts("If I want the most, where should I work and how far should I go in school?") == [
        "If I want the most, where should I work", "how far should I go in school?"]
    assert len(split_parts("Since the median pay is $50,000, is it worth it?")) == 1
    assert len(split_parts("She hides her salary, which is annoying, so what is the median wage?")) == 1


def test_a_part_is_opened_after_and_with_an_adverb() -> None:
    assert split_parts("why is demand going up, and roughly how many openings per year?") == [
        "why is demand going up", "how many openings per year?"]


def test_a_question_reads_as_about_the_profile_by_meaning_alone(bot: CareerBot) -> None:
    """No word of the profile, but near a question it answers: searched as about the
    occupation, not declined; off-topic stays declined."""
    got = bot.ask("is this a big field or kind of a niche thing? like how many people actually do this")
    assert "480,700" in got.text and got.citations[0].section == "Work Environment"
    assert bot.ask("how tall is the eiffel tower").kind == "decline"


def test_what_leans_on_a_thing_the_profile_never_mentions_is_refused_with_it(bot: CareerBot) -> None:
    got = bot.ask("what is the FACHE credential and how long does it take to earn?")
    assert got.refused and "FACHE" in got.text and not got.citations


def test_the_users_own_occupation_and_amounts_they_give_are_no_gaps(bot: CareerBot) -> None:
    got = bot.ask("I'm a physical therapist and wondering if I could end up managing a whole rehab "
                  "department one day")
    assert not got.refused and "Clinical managers oversee a specific department" in " ".join(got.text.split())
    got = bot.ask("ok so if the middle is around 100k, what does the bottom end of the pay look like")
    assert not got.refused and "$60,780" in got.text and "$205,620" not in got.text


def test_is_that_the_same_thing_asks_for_the_other_names(bot: CareerBot) -> None:
    got = bot.ask("i keep seeing 'healthcare administrator' on job boards, is that the same thing as a "
                  "medical and health services manager?")
    assert "also called healthcare executives or healthcare administrators" in " ".join(got.text.split())


def test_this_job_names_the_occupation_unless_jobs_are_counted(bot: CareerBot) -> None:
    """"for this job" weighs as context, so the skills answer "what skills do you need for
    this job?", not a duty that says "work"; "how many people have this job?" counts jobs."""
    assert "Analytical skills" in bot.ask("what skills do you need for this job").text
    assert "480,700" in bot.ask("how many people have this job?").text


def test_a_question_the_profile_never_answers_is_refused_though_it_uses_its_words(bot: CareerBot) -> None:
    # Every word is one the profile uses; by meaning each is a question it never answers.
    for question, asked in [
        ("what's the top college for a master's degree in health administration?", "what's the top college"),
        ("what percentage of these managers work part time?", "what percentage of these managers work"),
        ("what careers are similar to this one?", "what careers are similar to this one"),
    ]:
        answer = bot.ask(question)
        assert answer.kind == "refusal" and not answer.citations, question
        assert f"it does not say {asked}" in answer.text, answer.text
    # A near question it does answer is still answered.
    answer = bot.ask("what share of these managers work in hospitals?")
    assert answer.kind == "answer" and "30%" in answer.text


def test_more_examples_of_what_such_profiles_never_answer_refuse_by_meaning(bot: CareerBot) -> None:
    # The second writer's gap examples (data/gaps.txt, round 13): a rating the profile never
    # gives is refused, naming the word it never uses ...
    answer = bot.ask("what's the job satisfaction score for health services managers?")
    assert answer.kind == "refusal" and "satisfaction" in answer.text
    # ... while the answerable near misses beside them keep their answers.
    answer = bot.ask("do nursing home administrators need a license?")
    assert answer.kind == "answer" and "All states require licensure" in answer.text
