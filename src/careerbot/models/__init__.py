"""Models: the local embedding model (passages and questions) and optional chat models."""
