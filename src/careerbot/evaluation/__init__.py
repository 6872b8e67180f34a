"""Evaluation: question files, scoring, a metric registry, reports, and the runner."""
