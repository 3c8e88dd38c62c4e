"""Act: the only code with side effects. Each rung of the ladder is registered here by name."""
from guardian.act import low_water_mark

# Filled in as the actions land: name -> function(snapshot, ctx) -> ActionResult.
RUNGS = {}

__all__ = ["RUNGS", "low_water_mark"]
