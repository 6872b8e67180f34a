"""Unit tests of the eval runner: metrics on hand-made answers, files, bars, runs, artifacts."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from careerbot.errors import BadQuestion, CareerBotError, ConfigError, EvalFileError
from careerbot.evaluation.metrics import (
    METRIC_KEYS,
    check_bars,
    compare,
    compute_metrics,
    load_baseline,
    parse_fail_under,
)
from careerbot.evaluation.questions import EvalQuestion, load_questions
from careerbot.evaluation.report import render_report
from careerbot.evaluation.runner import run_cli, run_questions
from careerbot.evaluation.scoring import QuestionResult, count_words, normalise, score
from careerbot.result import Answer, Citation

ROOT = Path(__file__).resolve().parents[1]
PER_QUESTION_KEYS = [
    "id", "question", "answerable", "expected_facts", "got", "refused", "cited_sections",
    "facts_ok", "support_ok", "section_rank", "forbidden_hits", "latency_ms", "error", "kind",
]


def cite(n: int, section: str, passage: str, quote: str = "") -> Citation:
    return Citation(n=n, source="mhsm.md", title="Medical and Health Services Managers",
                    section=section, quote=quote, start=0, end=len(quote), passage=passage,
                    score=1.0)


def q(id: str = "q1", facts: list[str | list[str]] | None = None, **kw) -> EvalQuestion:
    alts = tuple((f,) if isinstance(f, str) else tuple(f) for f in (facts or []))
    kw.setdefault("answerable", True)
    return EvalQuestion(id=id, question=f"question {id}?", expected_facts=alts, **kw)


PAY = "The median annual wage for medical and health services managers was $101,340 in May 2021."
REFUSAL = Answer(text="I can't answer that from the profile.", refused=True)


# ---------------------------------------------------------------- normalisation and facts


def test_normalise_folds_case_quotes_and_whitespace():
    assert normalise("  Bachelor\u2019s \n\t DEGREE\u00a0in  ") == "bachelor's degree in"
    assert normalise("\u201cquoted\u201d \u2018x\u2019") == "\"quoted\" 'x'"
    # a table row as quoted ("Government: 8%") holds the fact copied from the corpus's row
    assert normalise("Government 8") in normalise("The largest employers: Government: 8% [1]")


def test_fact_alternatives_curly_quotes_and_whitespace_match():
    question = q(facts=[["nursing", "surgery"], "bachelor's degree", "health  services"])
    answer = Answer(text="A Bachelor\u2019s\n degree; SURGERY and Health\tServices [1].",
                    citations=[cite(1, "Duties", "bachelor's degree surgery health services")])
    result = score(question, answer, 5.0)
    assert result.facts_ok is True
    assert result.support_ok is True
    assert result.missing_facts == ()


def test_missing_fact_fails_recall_and_is_named():
    question = q(facts=["$101,340", ["master", "MBA"]])
    result = score(question, Answer(text=PAY + " [1]", citations=[cite(1, "Pay", PAY)]), 1.0)
    assert result.facts_ok is False
    assert result.missing_facts == ("master / MBA",)
    assert "missing: master / MBA" in result.problems()


def test_fact_in_answer_but_not_in_any_cited_passage_fails_support():
    question = q(facts=["$101,340", "2021"])
    answer = Answer(text=PAY + " [1]",
                    citations=[cite(1, "Pay", "Wages vary by industry.", quote="Wages vary.")])
    result = score(question, answer, 1.0)
    assert result.facts_ok is True
    assert result.support_ok is False
    assert result.unsupported_facts == ("$101,340", "2021")


def test_support_counts_the_quote_and_any_citation():
    question = q(facts=["$101,340", "28 percent"])
    answer = Answer(text="$101,340 [1] and 28 percent [2].", citations=[
        cite(1, "Pay", "Other text.", quote="was $101,340 in May"),
        cite(2, "Job Outlook", "Employment is projected to grow 28 percent."),
    ])
    assert score(question, answer, 1.0).support_ok is True


def test_markers_do_not_break_or_fake_facts():
    question = q(facts=["$101,340 in May"], forbidden=["[1]"])
    answer = Answer(text="It was $101,340 [1] in May [2].",
                    citations=[cite(1, "Pay", "$101,340 in May")])
    result = score(question, answer, 1.0)
    assert result.facts_ok is True
    assert result.forbidden_hits == ()


def test_refused_answerable_question_fails_facts_and_support():
    result = score(q(facts=["$101,340"]), REFUSAL, 1.0)
    assert (result.facts_ok, result.support_ok, result.section_rank) == (False, False, None)
    assert result.problems() == ["refused"]


def test_either_way_question_refused_is_not_scored_on_facts():
    result = score(q(facts=["$101,340"], answerable=None), REFUSAL, 1.0)
    assert (result.facts_ok, result.support_ok, result.refusal_ok) == (None, None, None)
    assert result.problems() == []


def test_count_words_ignores_markers():
    assert count_words("Managers plan [1] and direct [2]. They coordinate [1, 3].") == 6
    assert count_words("[1]") == 0


# ---------------------------------------------------------------- metrics


def test_section_rank_uses_citation_order_and_metrics():
    duties_second = Answer(text="x [1] y [2]", citations=[
        cite(1, "Pay", "p"), cite(2, "Duties", "d"), cite(3, "Duties", "d")])
    pay_first = Answer(text="x [1]", citations=[cite(1, " pay ", "p"), cite(2, "Duties", "d")])
    no_hit = Answer(text="x [1]", citations=[cite(1, "Education", "e")])
    results = [
        score(q("a", expected_section="Duties"), duties_second, 1.0),
        score(q("b", expected_section="Pay"), pay_first, 1.0),
        score(q("c", expected_section="Pay"), no_hit, 1.0),
        score(q("d", expected_section="Pay"), REFUSAL, 1.0),  # refused: not scored
        score(q("e"), pay_first, 1.0),  # no expected_section: not scored
    ]
    assert [r.section_rank for r in results] == [2, 1, 0, None, None]
    m = compute_metrics(results)
    assert m["section_hit_at_1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["section_hit_at_k"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["mrr"] == pytest.approx((1 / 2 + 1 + 0) / 3, abs=1e-4)


def test_fact_recall_and_citation_support_over_answerable_questions():
    supported = Answer(text=PAY + " [1]", citations=[cite(1, "Pay", PAY)])
    unsupported = Answer(text=PAY + " [1]", citations=[cite(1, "Pay", "Nothing here.")])
    results = [
        score(q("a", ["$101,340"]), supported, 1.0),
        score(q("b", ["$101,340"]), unsupported, 1.0),
        score(q("c", ["$119,450"]), supported, 1.0),
        score(q("d", ["$101,340"]), REFUSAL, 1.0),
        score(q("e", answerable=False), REFUSAL, 1.0),  # not in recall/support
        score(q("f", ["$101,340"], answerable=None), supported, 1.0),  # either way: excluded
    ]
    m = compute_metrics(results)
    assert m["fact_recall"] == 0.5  # a, b of a-d
    assert m["citation_support"] == 0.25  # a of a-d


def test_refusal_table_cells_and_rates():
    answered = Answer(text="an answer [1]", citations=[cite(1, "Pay", "an answer")])
    results = [
        score(q("a1"), answered, 1.0),
        score(q("a2"), answered, 1.0),
        score(q("a3"), REFUSAL, 1.0),
        score(q("u1", answerable=False), REFUSAL, 1.0),
        score(q("u2", answerable=False), REFUSAL, 1.0),
        score(q("u3", answerable=False), answered, 1.0),
        score(q("u4", answerable=False), None, 1.0, error="BadQuestion: empty"),
        score(q("x1", answerable=None), REFUSAL, 1.0),  # excluded from the table
    ]
    m = compute_metrics(results)
    assert m["refusal_table"] == {
        "answerable": {"answered": 2, "refused": 1},
        "unanswerable": {"answered": 1, "refused": 2},
    }
    assert m["refusal_accuracy"] == pytest.approx(4 / 7, abs=1e-4)  # a1 a2 u1 u2 right
    assert m["unanswerable_refused"] == 0.5
    assert m["answerable_refused"] == pytest.approx(1 / 3, abs=1e-4)
    assert [r.question.id for r in results if r.refusal_ok is False] == ["a3", "u3", "u4"]


def test_forbidden_violations_count_questions_not_strings():
    results = [
        score(q("a", forbidden=["$50,000", "50,000"]),
              Answer(text="Not $50,000: it is $101,340."), 1.0),
        score(q("b", forbidden=["Bachelor\u2019s"]), Answer(text="a BACHELOR'S degree"), 1.0),
        score(q("c", forbidden=["90 percent"]), Answer(text="28 percent"), 1.0),
    ]
    assert [r.forbidden_hits for r in results] == [("$50,000", "50,000"), ("Bachelor\u2019s",), ()]
    assert compute_metrics(results)["forbidden_violations"] == 2


def test_answer_words_median_latency_and_n():
    results = [
        score(q("a", answerable=None), Answer(text="one two [1] three"), 10.0),
        score(q("b", answerable=None), Answer(text="one [1] two three four five [2]"), 20.0),
        score(q("c", answerable=None), REFUSAL, 30.0),  # refused: no words counted
        score(q("d", answerable=None), None, 40.0, error="RuntimeError: boom"),
    ]
    m = compute_metrics(results)
    assert m["answer_words_median"] == 4  # median of 3 and 5
    assert m["latency_ms_p50"] == 25.0
    assert m["latency_ms_p95"] == 38.5
    assert m["n"] == 4
    assert list(m) == list(METRIC_KEYS)


def test_empty_denominators_are_none():
    m = compute_metrics([score(q("a", answerable=None), REFUSAL, 1.0)])
    for key in ("fact_recall", "citation_support", "section_hit_at_1", "section_hit_at_k", "mrr",
                "refusal_accuracy", "unanswerable_refused", "answerable_refused",
                "answer_words_median"):
        assert m[key] is None, key


# ---------------------------------------------------------------- question files


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = ('{"id": "g1", "question": "Pay?", "expected_facts": ["$101,340", ["MBA", "master"]], '
        '"expected_section": "Pay", "answerable": true, "forbidden": ["$1"], '
        '"history": [["hi", "hello"]]}')


def test_load_questions_parses_every_field(tmp_path):
    second_line = '{"id": "g2", "question": "?", "expected_facts": []}'
    path = write(tmp_path, "q.jsonl", GOOD, "", second_line)
    first, second = load_questions([path])
    assert first == EvalQuestion(
        id="g1", question="Pay?", expected_facts=(("$101,340",), ("MBA", "master")),
        expected_section="Pay", answerable=True, forbidden=("$1",), history=(("hi", "hello"),),
        origin=f"{path}:1",
    )
    assert second.answerable is None
    assert second.origin == f"{path}:3"


def test_small_talk_is_neither_answerable_nor_unanswerable(tmp_path):
    """A writer may mark "hi" unanswerable; a friendly reply is no failure to refuse."""
    line = ('{"id": "s", "question": "hi", "expected_facts": [], "answerable": false, '
            '"expected_kind": "smalltalk"}')
    (hi,) = load_questions([write(tmp_path, "q.jsonl", line)])
    assert hi.answerable is None
    reply = Answer(text="Hello! Ask me about pay.", kind="smalltalk")
    m = compute_metrics([score(hi, reply, 1.0)])
    assert m["unanswerable_refused"] is None and m["smalltalk_handled"] == 1.0


@pytest.mark.parametrize("name", ["questions.jsonl", "smoke.jsonl", "blind.jsonl", "blind2.jsonl",
                                  "blind3.jsonl", "blind4.jsonl", "dev.jsonl", "dev2.jsonl",
                                  "dev3.jsonl", "paraphrases.jsonl"])
def test_shipped_question_files_are_valid(name):
    questions = load_questions([ROOT / "evals" / name])
    assert questions and all(isinstance(x, EvalQuestion) for x in questions)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('{"id": "x", "question": "?", "expected_facts": [}', "not valid JSON"),
        ('["id", "question"]', "expected a JSON object"),
        ('{"id": "x", "expected_facts": []}', "missing required key 'question'"),
        ('{"id": "x", "question": "?"}', "missing required key 'expected_facts'"),
        ('{"id": 3, "question": "?", "expected_facts": []}', "'id' must be a non-empty string"),
        ('{"id": "x", "question": "?", "expected_facts": "a"}', "'expected_facts' must be a list"),
        ('{"id": "x", "question": "?", "expected_facts": [1]}', "'expected_facts' item 1"),
        ('{"id": "x", "question": "?", "expected_facts": [[]]}', "'expected_facts' item 1"),
        ('{"id": "x", "question": "?", "expected_facts": [], "answerable": "yes"}',
         "'answerable' must be true, false or absent"),
        ('{"id": "x", "question": "?", "expected_facts": [], "forbidden": "a"}', "'forbidden'"),
        ('{"id": "x", "question": "?", "expected_facts": [], "history": [["a"]]}', "'history'"),
        ('{"id": "x", "question": "?", "expected_facts": [], "expected_section": 1}',
         "'expected_section'"),
        ('{"id": "x", "question": "?", "expected_facts": [], "expected_section": ""}',
         "'expected_section' must be a non-empty string, got an empty string (leave the key out"),
        ('{"id": "x", "question": "?", "expected_facts": [], "expect_section": "Pay"}',
         "unknown key(s) 'expect_section'"),
        ('{"id": "x", "question": "?", "expected_facts": ["a"], "answerable": false}',
         "cannot have expected_facts"),
    ],
)
def test_malformed_line_names_file_line_and_problem(tmp_path, line, problem):
    path = write(tmp_path, "bad.jsonl", GOOD, line)
    with pytest.raises(EvalFileError) as info:
        load_questions([path])
    message = str(info.value)
    assert message.startswith(f"{path}:2: ")
    assert problem in message
    assert isinstance(info.value, CareerBotError)


def test_duplicate_id_names_both_places(tmp_path):
    one = write(tmp_path, "one.jsonl", GOOD)
    two = write(tmp_path, "two.jsonl", '{"id": "g2", "question": "?", "expected_facts": []}', GOOD)
    with pytest.raises(EvalFileError, match=f"^{two}:2: id 'g1' is already used at {one}:1"):
        load_questions([one, two])


def test_missing_empty_and_non_utf8_files(tmp_path):
    with pytest.raises(EvalFileError, match="No question files given"):
        load_questions([])
    with pytest.raises(EvalFileError, match="cannot read"):
        load_questions([tmp_path / "nope.jsonl"])
    with pytest.raises(EvalFileError, match="holds no questions"):
        load_questions([write(tmp_path, "empty.jsonl", "", "  ")])
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(GOOD.encode() + b'\n{"id": "\xe9"}\n')
    with pytest.raises(EvalFileError, match=f"^{bad}:2: not UTF-8"):
        load_questions([bad])


# ---------------------------------------------------------------- bars and baseline


def test_parse_fail_under():
    bars = parse_fail_under(["fact_recall=0.9", " forbidden_violations = 0", "latency_ms_p95=500"])
    assert [(b.name, b.value, b.is_maximum) for b in bars] == [
        ("fact_recall", 0.9, False), ("forbidden_violations", 0.0, True),
        ("latency_ms_p95", 500.0, True),
    ]
    for spec in ["fact_recall", "recall=0.9", "refusal_table=1", "fact_recall=high"]:
        with pytest.raises(ConfigError, match="--fail-under"):
            parse_fail_under([spec])


def test_check_bars_minimum_maximum_and_missing():
    metrics = {"fact_recall": 0.85, "forbidden_violations": 1, "mrr": None, "n": 10}
    assert check_bars(parse_fail_under(["fact_recall=0.85", "n=10"]), metrics) == []
    assert check_bars(parse_fail_under(["fact_recall=0.9"]), metrics) == [
        "fact_recall is 0.85, under the bar 0.9"]
    assert check_bars(parse_fail_under(["forbidden_violations=1"]), metrics) == []
    assert check_bars(parse_fail_under(["forbidden_violations=0"]), metrics) == [
        "forbidden_violations is 1, over the maximum 0"]
    assert check_bars(parse_fail_under(["mrr=0.1"]), metrics) == [
        "mrr has no value, so the bar 0.1 is not met"]


def test_answer_length_bar_is_a_maximum():
    assert check_bars(parse_fail_under(["answer_words_median=60"]), {"answer_words_median": 25}) == []
    assert check_bars(parse_fail_under(["answer_words_median=60"]), {"answer_words_median": 75}) == [
        "answer_words_median is 75, over the maximum 60"]


def test_compare_with_baseline(tmp_path):
    rows = {r[0]: r[1:] for r in compare({"fact_recall": 0.8, "n": 10, "mrr": None},
                                          {"fact_recall": 0.75, "n": 12, "mrr": 0.5})}
    assert rows["fact_recall"] == (0.8, 0.75, 0.05)
    assert rows["n"] == (10, 12, -2)
    assert rows["mrr"] == (None, 0.5, None)
    assert rows["latency_ms_p50"] == (None, None, None)
    with pytest.raises(EvalFileError, match="baseline"):
        load_baseline(write(tmp_path, "b.json", "[1, 2]"))
    with pytest.raises(EvalFileError, match="baseline"):
        load_baseline(tmp_path / "missing.json")


# ---------------------------------------------------------------- runs


class FakeBot:
    """Answers from a table of question -> Answer or exception; records every call."""

    def __init__(self, replies: dict[str, Answer | Exception]) -> None:
        self.replies = replies
        self.calls: list[tuple[str, list[tuple[str, str]] | None]] = []

    def ask(self, question: str, history: list[tuple[str, str]] | None = None) -> Answer:
        self.calls.append((question, history))
        reply = self.replies[question]
        if isinstance(reply, Exception):
            raise reply
        return reply


QUESTIONS = [
    {"id": "pay", "question": "Pay?", "expected_facts": ["$101,340"], "expected_section": "Pay",
     "answerable": True, "forbidden": ["$50,000"]},
    {"id": "boom", "question": "Boom?", "expected_facts": ["x"], "answerable": True},
    {"id": "rn", "question": "Nurses?", "expected_facts": [], "answerable": False,
     "history": [["Pay?", "$101,340 [1]"]]},
    {"id": "unsup", "question": "Unsupported?", "expected_facts": ["$101,340"],
     "expected_section": "Pay", "answerable": True},
]


def fake_bot() -> FakeBot:
    return FakeBot({
        "Pay?": Answer(text=PAY + " [1]", citations=[cite(1, "Pay", PAY)]),
        "Boom?": BadQuestion("That question is empty; type a question."),
        "Nurses?": REFUSAL,
        "Unsupported?": Answer(text=PAY + " [1]", citations=[cite(1, "Duties", "Other.")],
                               verified=False),
    })


@pytest.fixture
def qfile(tmp_path: Path) -> Path:
    return write(tmp_path, "q.jsonl", *(json.dumps(x) for x in QUESTIONS))


def test_run_records_an_error_and_goes_on(qfile):
    bot = fake_bot()
    results = run_questions(bot, load_questions([qfile]), show_progress=False)
    assert [c[0] for c in bot.calls] == ["Pay?", "Boom?", "Nurses?", "Unsupported?"]
    assert bot.calls[0][1] is None
    assert bot.calls[2][1] == [("Pay?", "$101,340 [1]")]
    boom = results[1]
    assert boom.error == "BadQuestion: That question is empty; type a question."
    assert (boom.facts_ok, boom.refusal_ok, boom.got) == (False, False, "")
    assert boom.problems()[0].startswith("error: BadQuestion")
    assert all(r.latency_ms >= 0 for r in results)
    m = compute_metrics(results)
    assert (m["fact_recall"], m["citation_support"], m["n"]) == (pytest.approx(2 / 3, abs=1e-4),
                                                                 pytest.approx(1 / 3, abs=1e-4), 4)
    assert (m["section_hit_at_1"], m["mrr"]) == (0.5, 0.5)


def test_run_cli_json_output_has_exactly_the_keys(qfile):
    buf = io.StringIO()
    code = run_cli([qfile], fake_bot(), json_out=True, console=Console(file=buf),
                   show_progress=False)
    assert code == 0
    data = json.loads(buf.getvalue())
    assert list(data) == [*METRIC_KEYS, "per_question"]
    assert [list(r) for r in data["per_question"]] == [PER_QUESTION_KEYS] * 4
    assert data["per_question"][1]["error"].startswith("BadQuestion")
    assert data["per_question"][3]["section_rank"] == 0


def test_run_cli_fail_under_sets_exit_code(qfile, capsys):
    buf = io.StringIO()
    code = run_cli([qfile], fake_bot(), json_out=True, fail_under=["fact_recall=0.9"],
                   console=Console(file=buf), show_progress=False)
    assert code == 1
    json.loads(buf.getvalue())  # stdout stays pure JSON; the failure goes to stderr
    assert "fact_recall is 0.6667, under the bar 0.9" in capsys.readouterr().err


def test_run_cli_validates_everything_before_building_the_bot(qfile, tmp_path):
    built = []

    def factory() -> FakeBot:
        built.append(True)
        return fake_bot()

    bad = write(tmp_path, "bad.jsonl", "{oops")
    with pytest.raises(EvalFileError, match=f"{bad}:1"):
        run_cli([qfile, bad], factory, show_progress=False)
    with pytest.raises(ConfigError):
        run_cli([qfile], factory, fail_under=["nope=1"], show_progress=False)
    assert built == []
    assert run_cli([qfile], factory, console=Console(file=io.StringIO()),
                   show_progress=False) == 0
    assert built == [True]


def test_terminal_report_tables(qfile, tmp_path):
    base = write(tmp_path, "base.json", json.dumps({"fact_recall": 0.5, "n": 4}))
    buf = io.StringIO()
    run_cli([qfile], fake_bot(), baseline=base, console=Console(file=buf, width=250),
            show_progress=False)
    text = buf.getvalue()
    for expected in ("Metrics", "baseline", "+0.167", "Refusals", "unanswerable",
                     "Failing questions (2 of 4)", "boom", "unsup", "not in cited passages",
                     "error: BadQuestion", "Duties"):
        assert expected in text, expected
    assert "Nurses?" not in text  # rn passed


def test_render_report_without_failures():
    buf = io.StringIO()
    results = [score(q("a", ["x"]), Answer(text="x [1]", citations=[cite(1, "Pay", "x")]), 1.0)]
    render_report(Console(file=buf, width=200), compute_metrics(results), results)
    assert "No failing questions." in buf.getvalue()
    assert "diff" not in buf.getvalue()


def test_out_dir_artifacts(qfile, tmp_path):
    out = tmp_path / "run"
    base = write(tmp_path, "base.json", json.dumps({"fact_recall": 0.5, "mrr": 0.25}))
    code = run_cli([qfile], fake_bot(), out_dir=out, baseline=base,
                   console=Console(file=io.StringIO()), show_progress=False)
    assert code == 0
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary) == list(METRIC_KEYS)
    lines = (out / "per_question.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["pay", "boom", "rn", "unsup"]
    report = (out / "report.md").read_text()
    assert "| fact_recall | 0.667 | 0.500 | +0.167 |" in report
    assert "1 of 3 answers were changed by verification" in report and "`unsup`" in report
    assert "![Fact recall and citation support by section](by_section.png)" in report
    png = (out / "by_section.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    # the summary works as the next run's baseline
    assert load_baseline(out / "summary.json") == summary


def test_question_result_record_shape():
    result = score(q("a", ["x", ["y", "z"]]), Answer(text="x y"), 1.23456)
    assert isinstance(result, QuestionResult)
    record = result.record()
    assert list(record) == PER_QUESTION_KEYS
    assert record["expected_facts"] == ["x", ["y", "z"]]
    assert record["latency_ms"] == 1.2
