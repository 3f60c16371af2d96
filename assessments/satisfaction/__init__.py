"""Public satisfaction (公众满意度): the arithmetic and the parsing behind the satisfaction indicators.

- `stats`: estimates with 95 % intervals (mean of a 1–5 scale as 0–100, shares with Wilson intervals),
  post-stratification weights and Kish's effective sample size. Plain numpy, no Django.
- `masking`: personal data (phone and ID card numbers, e-mail addresses) in free text replaced by ***.
- `tables`: reading imported CSV / Excel files of good/bad ratings and 12345 hotline figures, row by row.
- `sources`: which indicator comes from which source, and the default questions.
- `queries`, `forms`: the Django side (reads for the pages, forms of the staff pages).

The formulas are documented in `stats`.
"""
