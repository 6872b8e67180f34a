"""The pure core: reading questions, scoring and quoting passages, verifying, facts.

No Chroma, torch, Gradio, LLM client or network here; an import-linter contract checks it.
"""
