"""Each dataset's own rules (its Great Expectations suite), one module per dataset: ``DATASET`` and ``RULES``."""
