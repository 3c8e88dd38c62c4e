"""Act: the ladder's rungs and the actions around them (recover, the low water mark). Each plans
from a snapshot, then changes the host only through host/door's HostDoor, which logs every change
and skips it in a dry run. The rungs are registered here under the config's names."""
from guardian.act import low_water_mark
from guardian.act.trim import fstrim
from guardian.act.grow import grow
from guardian.act.mounts import release_mounts
from guardian.act.prune import prune_containers, prune_images
from guardian.act.recover import recover

# name -> function(snapshot, ctx) -> ActionResult; the names are the config's ladder.order.
RUNGS = {
    "prune_containers": prune_containers,
    "release_mounts": release_mounts,
    "fstrim": fstrim,
    "prune_images": prune_images,
    "grow": grow,
}

__all__ = ["RUNGS", "low_water_mark", "recover"]
