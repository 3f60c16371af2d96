"""Public satisfaction (公众满意度): citizens' voice, turned into the satisfaction indicators of a city.

- `models`: questionnaires, responses and answers; imported good/bad service ratings and 12345 hotline figures;
  how each value from citizens was estimated.
- `services`: every write (questionnaires, responses, imports, aggregation). Indicator values are written only
  through `assessments.services.values_save`, so they are checked, audited and locked like any other value.
- `selectors`: reads for the pages; `forms`: the staff pages' forms and the public form's parsing.
- `stats`: estimates with 95 % intervals (mean of a 1–5 scale as 0–100, shares with Wilson intervals),
  post-stratification weights and Kish's effective sample size. Plain numpy, no Django; formulas documented there.
- `masking`: personal data (phone and ID card numbers, e-mail addresses) in free text replaced by ***.
- `tables`: reading imported CSV / Excel files of ratings and hotline figures, row by row.
- `sources`: which indicator comes from which source, and the default questions.
"""
