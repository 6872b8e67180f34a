"""BM25, rank fusion and spelling correction (core/keywords.py), checked by hand."""

from __future__ import annotations

import math

import pytest

from careerbot.core.keywords import KeywordIndex, fuse, query_terms


def bm25(tf: int, df: int, n: int, length: int, avg: float, k1: float = 1.2, b: float = 0.75) -> float:
    idf = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avg))


def test_bm25_scores_match_a_hand_computed_case() -> None:
    # "salary" and "wages" both map to the concept "pay": doc 0 holds it twice.
    index = KeywordIndex(["The salary and wages of hospitals.", "Hospitals."])
    assert index.n == 2 and index.df("pay") == 1 and index.df("hospital") == 2
    # doc 0 has three terms (pay, pay, hospital), doc 1 one: the average length is 2.
    pay0 = bm25(tf=2, df=1, n=2, length=3, avg=2.0)
    hosp0, hosp1 = bm25(1, 2, 2, 3, 2.0), bm25(1, 2, 2, 1, 2.0)
    assert pay0 == pytest.approx(0.83554, abs=1e-4)
    got = dict(index.search(["pay", "hospital"], k=5))
    assert got[0] == pytest.approx(pay0 + hosp0, rel=1e-5)
    assert got[1] == pytest.approx(hosp1, rel=1e-5)
    assert index.search(["pay"], k=1) == [(0, pytest.approx(pay0, rel=1e-5))]
    assert index.search(["nothing"], k=3) == [] and index.search(["pay"], k=0) == []


def test_fuse_sums_reciprocal_ranks() -> None:
    fused = fuse([[1, 2], [2, 3]], k=60)
    assert fused == {1: pytest.approx(1 / 61), 2: pytest.approx(1 / 62 + 1 / 61), 3: pytest.approx(1 / 62)}
    assert max(fused, key=lambda i: fused[i]) == 2


def test_spelling_is_corrected_against_the_corpus_vocabulary() -> None:
    index = KeywordIndex(["Medical and health services managers plan budgets."])
    assert index.correct("medcal") == "medical"
    assert index.correct("budgts") == "budgets"
    assert index.correct("zzzzzz") == "zzzzzz"  # nothing close: left alone
    assert index.correct("pay") == "pay"  # short and known words are never touched
    assert query_terms("medcal budgts", index) == ["medic", "budget"]


def test_typos_of_english_words_clippings_and_ordinary_words() -> None:
    index = KeywordIndex(["Graduate programs and certification prepare managers for government work."])
    assert index.correct("goverment") == "government"  # frequent on the web, still a typo
    assert index.correct("salery") == "salary"  # corrected to English, not only corpus, words
    assert index.correct("grad") == "graduate"  # a clipping is rarer than its word
    assert index.correct("super") == "super"  # ...a word more frequent than its expansion is not
    for word in ("form", "love", "near", "anyway"):  # ordinary words are wording, not typos
        assert index.correct(word) == word


def test_a_misspelt_form_of_a_word_the_corpus_uses_in_another_form_is_that_family() -> None:
    index = KeywordIndex(["The Commission on Accreditation of programs supervises schools."])
    assert index.correct("acredits") == "accreditation"  # one slip between the stems
    assert query_terms("who acredits programs", index) == query_terms("who accreditation programs", index)
    assert index.correct("texass") in {"texass", "texas"}  # a place's slip is no corpus word
    assert index.correct("qwertyuiop") == "qwertyuiop"


def test_words_written_without_vowels_are_the_corpus_words_they_stand_for() -> None:
    index = KeywordIndex(["Medical and health services managers plan budgets."])
    assert index.correct("hlth") == "health"  # not "hath", one slip away
    assert index.correct("mngrs") == "managers"
    assert index.correct("brrr") == "brrr"  # no corpus word has those consonants


def test_slips_of_function_words_are_those_words() -> None:
    """A letter added, dropped or swapped in a function word ("how manny", "thier") often
    makes a rare word, even a name; it is the function word, never a clipping ("ther" is
    not "therapy"). A changed letter is no slip of one: "a group of docs" keeps "docs"."""
    index = KeywordIndex(["Therapy managers plan budgets."])
    assert index.correct("manny") == "many"
    assert index.correct("thier") == "their"
    assert index.correct("ther") == "the"
    assert index.correct("docs") == "docs"
    assert index.correct("form") == "form"
    # a short word is a function word with a letter dropped, when far more frequent
    assert [index.correct(w) for w in ("hw", "wat", "jus", "wen")] == ["how", "what", "just", "when"]
    assert [index.correct(w) for w in ("hr", "rn", "ur", "ppl")] == ["hr", "rn", "ur", "ppl"]


def test_slips_of_short_words_and_non_words_whose_stem_is_the_profiles() -> None:
    """A four-letter word with a letter dropped is that word when far more frequent ("hme",
    "mak"); a non-word is corrected though the stemmer cuts it to a profile stem
    ("opennings" -> "open", a stem of "open" the profile uses)."""
    index = KeywordIndex(["About 56,600 openings are open each year.", "They make budgets at home."])
    assert [index.correct(w) for w in ("hme", "mak")] == ["home", "make"]
    assert [index.correct(w) for w in ("fun", "bad", "job", "biz")] == ["fun", "bad", "job", "biz"]
    assert index.correct("opennings") == "openings"
    assert index.correct("opening") == "opening"  # a word of its own, of the profile's stem


def test_which_words_can_name_a_thing() -> None:
    from careerbot.core.lexicon import names_a_thing, written_as_names

    assert all(names_a_thing(w) for w in ("bonuses", "age", "retirement", "xyzzyq"))
    assert not any(names_a_thing(w) for w in ("anyway", "talking", "tho"))
    assert written_as_names("How much does a hospital CEO make in Tampa? Thanks") == {"ceo", "tampa"}


def test_figures_in_the_corpus_are_known() -> None:
    index = KeywordIndex(["The median wage was $101,340 in May 2021."])
    assert {"101340", "2021"} <= index.numbers
