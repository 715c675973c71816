"""fairscreen: compliance-first pre-employment background screening.

Only what the labour contract needs (Labour Contract Law art. 8), only with the candidate's
signed authorization (PIPL art. 13-17), only from verified sources, shown to the candidate
first, encrypted, destroyed on time, and written into a tamper-evident Merkle ledger.
"""

__version__ = "0.1.0"
