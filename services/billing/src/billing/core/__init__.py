"""Pure computation of billing: no I/O, no database, no HTTP — only numbers and dates.

Money is integer cents; exact intermediate values are `fractions.Fraction`, so every split is
exact before the one rounding step, and every rounding step is explained.
"""
