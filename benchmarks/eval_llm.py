"""Eval through a generative backend, scoring both verification policies from one run.

    python benchmarks/eval_llm.py evals/questions.jsonl --url http://127.0.0.1:8000/v1

Each question is generated once; the reply is finished both ways (``replace``: any failing
sentence means the extractive answer; ``drop``: failing sentences are removed) and both
are scored with the eval runner's own metrics, beside the extractive default. Prints a
table and writes the numbers as JSON (``--out``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from careerbot import Answer, CareerBot, Settings
from careerbot.core import generative
from careerbot.evaluation.metrics import compute_metrics
from careerbot.evaluation.questions import load_questions
from careerbot.evaluation.runner import run_questions
from careerbot.evaluation.scoring import score

SHOWN = ("fact_recall", "citation_support", "refusal_accuracy", "forbidden_violations",
         "section_hit_at_1", "answer_words_median", "latency_ms_p50", "n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--url", required=True, help="OpenAI-compatible server, e.g. .../v1")
    parser.add_argument("--model", default=None)
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()

    questions = load_questions(args.files)
    extractive = CareerBot(Settings.resolve())
    base = run_questions(extractive, questions, show_progress=False)
    bot = CareerBot(Settings.resolve(llm="openai", llm_url=args.url, llm_model=args.model,
                                     llm_timeout=args.timeout))
    finish = generative.finish
    seen: dict[str, Any] = {}

    def both(reply: str, docs: Any, fallback: Answer, on_fail: str = generative.REPLACE) -> Any:
        start = time.perf_counter()
        dropped, checked = finish(reply, docs, fallback, on_fail=generative.DROP)
        seen["verify_ms"] = (time.perf_counter() - start) * 1000
        seen.update(drop=dropped, checked=checked, reply=reply)
        return finish(reply, docs, fallback, on_fail=generative.REPLACE)

    generative.finish = both  # type: ignore[assignment]
    replace_results, drop_results, records = [], [], []
    for i, q in enumerate(questions, start=1):
        seen.clear()
        start = time.perf_counter()
        answer = bot.ask(q.question, list(q.history) or None)
        ms = (time.perf_counter() - start) * 1000
        drop = seen.get("drop", answer)
        replace_results.append(score(q, answer, ms))
        drop_results.append(score(q, drop, ms))
        checked = seen.get("checked")
        records.append({
            "id": q.id, "ms": round(ms), "refused": answer.refused,
            "generated": "reply" in seen, "passed": bool("reply" in seen and answer.verified),
            "changed": bool(checked and checked.changed),
            "dropped_sentences": len(checked.dropped) if checked else 0,
            "kept_sentences": len(checked.kept) if checked else 0,
            "backend_failed": any("Answered without the LLM" in n for n in answer.notes),
            "verify_ms": round(seen.get("verify_ms", 0.0), 3),
            "reply": seen.get("reply"), "replace": answer.text, "drop": drop.text,
        })
        outcome = "refused" if answer.refused else "passed" if records[-1]["passed"] else "changed"
        print(f"{i:3}/{len(questions)} {q.id:32} {ms:7.0f} ms  {outcome}", flush=True)
    table = {"extractive": compute_metrics(base), "llm replace": compute_metrics(replace_results),
             "llm drop": compute_metrics(drop_results)}
    generated = [r for r in records if r["generated"]]
    counts = {
        "questions": len(records), "generated": len(generated),
        "passed_untouched": sum(r["passed"] for r in generated),
        "changed_by_verifier": sum(r["changed"] for r in generated),
        "no_sentence_kept": sum(r["kept_sentences"] == 0 for r in generated),
        "backend_failed": sum(r["backend_failed"] for r in records),
        "refused_before_generation": sum(r["refused"] and not r["generated"] for r in records),
        "sentences_dropped": sum(r["dropped_sentences"] for r in generated),
        "sentences_kept": sum(r["kept_sentences"] for r in generated),
    }
    print(f"\n{'metric':24}" + "".join(f"{k:>16}" for k in table))
    for name in SHOWN:
        print(f"{name:24}" + "".join(f"{str(m.get(name)):>16}" for m in table.values()))
    print("\n" + json.dumps(counts, indent=1))
    if args.out:
        payload = {"metrics": table, "counts": counts, "per_question": records}
        args.out.write_text(json.dumps(payload, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
