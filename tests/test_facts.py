"""Quick facts and pay by industry: exact values and citations, from whatever corpus is indexed."""

from __future__ import annotations

from pathlib import Path

from careerbot import CareerBot
from careerbot.core.chunking import chunk_document
from careerbot.core.facts import IndustryPay, extract, fact
from careerbot.corpus import load_documents

ROOT = Path(__file__).resolve().parents[1]
CORPUS_FILE = ROOT / "corpus" / "medical-and-health-services-managers.txt"


def words(text: str) -> int:
    return len(text.split())


def facts_of(folder: Path):
    chunks = [c for d in load_documents(folder) for c in chunk_document(d, words)]
    return extract(chunks)


def test_real_index_facts_are_exact_and_cited(bot: CareerBot) -> None:
    _version, chunks = bot.chunks()
    [doc] = extract(chunks)
    text = CORPUS_FILE.read_text()
    values = {f.key: f.value for f in doc.facts}
    assert values == {
        "median_pay": "$101,340 per year (May 2021)",
        "jobs": "480,700 (2021)",
        "growth": "+28%, 2021–2031",
        "openings": "about 56,600",
        "education": "Bachelor's degree",
        "licensure": "All states require licensure for nursing home administrators; "
        "requirements vary by state",
    }
    sections = {f.key: f.section for f in doc.facts}
    assert sections["median_pay"] == "Pay"
    assert sections["growth"] == sections["openings"] == "Job Outlook"
    assert sections["licensure"] == "Licenses, Certifications, and Registrations"
    for f in doc.facts:  # every citation points at the exact sentence in the file
        assert text[f.start : f.end] == f.sentence
    assert doc.pay_by_industry == [
        IndustryPay("Hospitals; state, local, and private", 119450),
        IndustryPay("Government", 117000),
        IndustryPay("Outpatient care centers", 99540),
        IndustryPay("Offices of physicians", 98230),
        IndustryPay("Nursing and residential care facilities", 83550),
    ]
    assert doc.pay_citation is not None and doc.pay_citation.section == "Pay"
    assert text[doc.pay_citation.start : doc.pay_citation.end].endswith("were as follows:")


SYNTHETIC = "\n\n".join([
    "Dental hygienists examine patients for signs of oral diseases.",
    "Work Environment",
    "Dental hygienists held about 214,000 jobs in 2020.",
    "How to Become One",
    "Dental hygienists typically need an associate's degree in dental hygiene. Every "
    "state requires dental hygienists to be licensed; requirements vary by state.",
    "Pay",
    "The median annual wage for dental hygienists was $77,810 in May 2021.",
    "In May 2021, the median annual wages for dental hygienists in the top industries "
    "in which they worked were as follows:",
    "Offices of dentists $78,020\nGovernment 70,570",
    "Job Outlook",
    "Employment of dental hygienists is projected to grow 9 percent from 2021 to "
    "2031, about as fast as the average for all occupations.",
    "About 16,300 openings for dental hygienists are projected each year, on average, "
    "over the decade.",
]) + "\n"


def test_a_different_corpus_gives_different_facts(tmp_path: Path) -> None:
    (tmp_path / "dental-hygienists.txt").write_text(SYNTHETIC)
    [doc] = facts_of(tmp_path)
    assert doc.title == "Dental hygienists"
    assert fact(doc, "median_pay").value == "$77,810 per year (May 2021)"  # type: ignore[union-attr]
    assert fact(doc, "jobs").value == "214,000 (2020)"  # type: ignore[union-attr]
    assert fact(doc, "growth").value == "+9%, 2021–2031"  # type: ignore[union-attr]
    assert fact(doc, "openings").value == "about 16,300"  # type: ignore[union-attr]
    assert fact(doc, "education").value == "Associate's degree"  # type: ignore[union-attr]
    lic = fact(doc, "licensure")
    assert lic is not None and lic.sentence.startswith("Every state requires dental hygienists")
    assert doc.pay_by_industry == [IndustryPay("Offices of dentists", 78020),
                                   IndustryPay("Government", 70570)]


def test_a_corpus_without_those_sentences_gives_no_facts(tmp_path: Path) -> None:
    (tmp_path / "poets.md").write_text("# Poets\n\nPoets write poems. Some read them aloud.\n")
    [doc] = facts_of(tmp_path)
    assert doc.empty and doc.pay_citation is None


def test_declining_occupation_and_several_documents(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(SYNTHETIC)
    (tmp_path / "b.txt").write_text(
        "Switchboard operators connect calls.\n\nJob Outlook\n\n"
        "Employment of switchboard operators is projected to decline 21 percent "
        "from 2021 to 2031.\n"
    )
    a, b = facts_of(tmp_path)
    assert (a.source, b.source) == ("a.txt", "b.txt")
    assert [f.key for f in b.facts] == ["growth"]
    assert b.facts[0].value == "-21%, 2021–2031"
