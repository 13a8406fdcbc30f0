"""The review desk: ward officers settle, in a web page, what the pipeline could not (routing and match doubts).

`wardmerge review` serves it; decisions go to the warehouse (`routing_decision`, `match_decision`) and every run
honours them (assets/review_decisions.py). This package never imports the pipeline or Dagster.
"""

from review_desk.app import DeskConfig, DeskError, create_app

__all__ = ["DeskConfig", "DeskError", "create_app"]
