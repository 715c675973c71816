"""The pure domain: standard library and itself only (enforced by import-linter).

Time, ids and randomness come in as arguments, never from the clock.
"""
