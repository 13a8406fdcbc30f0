"""Plain libraries the stages call: no Dagster here, so each is usable (and tested) on its own.

Text and codes (codecs, vietnamese, dates, phones, identity, addresses), reading delivered files (readers),
placing records (routing), the warehouse layer (warehouse), and persons (linkage, person_keys, survivorship,
households).
"""
