"""The versioned Chroma index: embedded folders or a Chroma server, one store in front.

Only this package talks to Chroma.
"""
