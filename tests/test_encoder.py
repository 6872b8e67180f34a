"""The ONNX encoder gives sentence-transformers' vectors and answers; answering never imports torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from careerbot import CareerBot
from careerbot.config import Settings
from careerbot.models.embeddings import weights_digest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"
HEAVY = {"torch", "transformers", "sentence_transformers"}


def test_onnx_vectors_match_sentence_transformers(bot: CareerBot, built_home: Path) -> None:
    emb = bot.embeddings
    assert emb.onnx_file == built_home / "models" / f"model-{weights_digest(emb.model_dir)}.onnx"
    assert emb.onnx_file.is_file()  # exported by the first ingest, keyed by the weights
    odd = ["How much do managers in hospitals earn?", "salary?", "word " * 400,
           "Où est la bibliothèque? 日本語 <img src=x>"]
    texts = odd + [c.embed_text for c in bot.chunks()[1]]
    fast = emb.encode(texts)
    reference = emb.model.encode(texts, normalize_embeddings=True)
    assert np.abs(fast - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    for text, ref in zip(odd, reference, strict=False):
        assert np.abs(emb.encode_query(text) - ref).max() < 1e-5


def test_a_fresh_ask_never_imports_torch_or_transformers(built_home: Path) -> None:
    env = {**os.environ, "CAREERBOT_HOME": str(built_home), "CAREERBOT_CORPUS": str(CORPUS)}
    cmd = [sys.executable, "-X", "importtime", "-m", "careerbot.app.cli", "ask", "What is the median pay?"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "$101,340" in done.stdout, done.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "onnxruntime" in imported
    assert not {m for m in imported if m.split(".")[0] in HEAVY}


@pytest.mark.slow
def test_answers_equal_those_of_the_sentence_transformers_path(bot: CareerBot, tmp_path: Path) -> None:
    """Every eval question gets the same answer as with torch embedding passages and questions."""
    reference = CareerBot(Settings(corpus=CORPUS, home=tmp_path / "torch"))
    reference.embeddings.__dict__["_onnx"] = None  # as before the ONNX encoder
    reference.ingest(progress=False)
    questions = [json.loads(line) for line in (REPO / "evals" / "questions.jsonl").open()]
    for q in questions:
        got, want = (b.ask(q["question"], q.get("history")) for b in (bot, reference))
        assert (got.text, got.refused) == (want.text, want.refused), q["id"]
        assert [c.section for c in got.citations] == [c.section for c in want.citations], q["id"]


def test_a_damaged_export_is_made_again(built_home: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from careerbot.models.embeddings import LocalEmbeddings

    good = LocalEmbeddings(Settings().model_dir, built_home / "models")
    emb = LocalEmbeddings(Settings().model_dir, tmp_path / "models")
    emb.onnx_file.parent.mkdir()
    emb.onnx_file.write_bytes(b"not a model")
    vec = emb.encode_query("salary?")
    assert "exporting the embedding model to ONNX" in capsys.readouterr().err
    assert np.abs(vec - good.encode_query("salary?")).max() < 1e-6
