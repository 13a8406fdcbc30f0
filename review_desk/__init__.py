"""The review desk: ward officers settle, in a web page, what the pipeline could not (routing and match doubts).

`wardmerge review` serves it; decisions go to the warehouse (`routing_decision`, `match_decision`) and every run
honours them (assets/lib/review_decisions.py). This package never imports the pipeline or Dagster.
"""

# The environment variable holding the key that signs officers' sessions (read by pipelines/settings.py).
ENV_SECRET = "WARDMERGE_REVIEW_SECRET"
