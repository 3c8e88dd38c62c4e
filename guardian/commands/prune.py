"""`pool-guardian prune`: remove stopped containers now, and images and leaked mounts when asked
or enabled in the ladder (guardian/commands/oneshot.py runs them)."""
from guardian.commands import add_oneshot_arguments

HELP = "remove stopped containers now (and images, mounts if enabled)"


def add_arguments(p):
    add_oneshot_arguments(p, ("--images", "also prune images"),
                          ("--release-mounts", "also release leaked mounts of dead containers"))


def run(args):
    from guardian.act.mounts import release_mounts
    from guardian.act.prune import prune_containers, prune_images
    from guardian.commands.oneshot import run_oneshot

    def chosen(settings):
        ladder = settings.ladder
        actions = [("prune_containers", prune_containers)]
        if args.release_mounts or ladder.release_mounts.enabled:
            actions.append(("release_mounts", release_mounts))
        if args.images or ladder.prune_images.enabled:
            actions.append(("prune_images", prune_images))
        return actions
    return run_oneshot(args, chosen)
