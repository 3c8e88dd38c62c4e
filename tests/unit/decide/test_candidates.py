"""Which containers and images a prune may remove, from recorded `docker inspect`-shaped dicts."""
import pytest

from guardian.decide.candidates import (KeepRules, choose_containers, choose_images, docker_time, image_last_use,
                                        label_rule, why_kept)

NOW = docker_time("2024-03-10T12:00:00Z")
ZERO = "0001-01-01T00:00:00Z"


def inspect(name, status, finished=ZERO, created="2024-03-01T00:00:00.123456789Z", labels=None,
            image="busybox:latest", **flags):
    state = {"Status": status, "Running": status == "running", "Paused": status == "paused",
             "Restarting": status == "restarting", "Dead": status == "dead", "FinishedAt": finished,
             "StartedAt": ZERO if status == "created" else "2024-03-01T00:00:01Z"}
    state.update(flags)
    return {"Id": name * 8, "Name": "/" + name, "Created": created, "State": state,
            "Config": {"Labels": labels or {}, "Image": image}}


def test_docker_times_with_nanoseconds_and_offsets():
    assert abs(docker_time("2024-03-10T12:00:00.999999999Z") - NOW - 0.999999999) < 1e-6
    assert docker_time("2024-03-10T14:00:00+02:00") == NOW
    assert docker_time(ZERO) is None


def test_never_running_paused_or_restarting():
    rules = KeepRules()
    for status in ("running", "paused", "restarting", "removing"):
        assert why_kept(inspect("a", status), rules, NOW).startswith(status)


def test_exited_dead_and_never_started_are_candidates_oldest_first():
    found, kept = choose_containers([
        inspect("new", "exited", finished="2024-03-10T11:00:00Z"),
        inspect("dead", "dead", finished="2024-03-09T00:00:00Z"),
        inspect("made", "created", created="2024-03-08T00:00:00Z"),
        inspect("up", "running"),
    ], KeepRules(grace=600), NOW)
    assert [c.name for c in found] == ["made", "dead", "new"]
    assert kept == [("up", "running (only exited, dead and never-started containers are removed)")]


def test_grace_counts_from_finished_not_from_created():
    old_but_just_stopped = inspect("a", "exited", created="2020-01-01T00:00:00Z",
                                   finished="2024-03-10T11:59:00Z")
    assert "within the grace period" in why_kept(old_but_just_stopped, KeepRules(grace=3600), NOW)


def test_never_started_counts_from_created():
    assert why_kept(inspect("a", "created", created="2024-03-10T11:30:00Z"), KeepRules(grace=3600), NOW)
    assert why_kept(inspect("a", "created", created="2024-03-10T10:30:00Z"), KeepRules(grace=3600), NOW) is None


def test_keep_label_key_or_key_value_with_globs():
    rules = KeepRules(labels=(label_rule("pool-guardian.keep=true"), label_rule("com.example.*"),
                              label_rule("tier=prod*")))
    assert why_kept(inspect("a", "exited", labels={"pool-guardian.keep": "true"}), rules, NOW)
    assert why_kept(inspect("a", "exited", labels={"com.example.owner": ""}), rules, NOW)
    assert why_kept(inspect("a", "exited", labels={"tier": "production"}), rules, NOW)
    assert why_kept(inspect("a", "exited", labels={"pool-guardian.keep": "false", "tier": "dev"}),
                    rules, NOW) is None


def test_name_and_image_globs():
    rules = KeepRules(names=("db-*",), images=("registry.local/*",))
    assert why_kept(inspect("db-1", "exited"), rules, NOW) == "name matches db-*"
    assert why_kept(inspect("x", "exited", image="registry.local/app:1"), rules, NOW)
    assert why_kept(inspect("x", "exited"), rules, NOW) is None


def test_bad_label_selector_is_one_line():
    try:
        label_rule("=true")
    except ValueError as exc:
        assert str(exc) == "a label selector is key or key=value, got '=true'"
    else:
        raise AssertionError("no error")


def test_images_dangling_or_unused_and_old_never_used_ones():
    images = [{"Id": "sha256:dangling", "RepoTags": ["<none>:<none>"], "Created": NOW - 10},
              {"Id": "sha256:old", "RepoTags": ["old:1", "old:latest"], "Created": NOW - 90000},
              {"Id": "sha256:used", "RepoTags": None, "Created": NOW - 90000},
              {"Id": "sha256:young", "RepoTags": ["young:1"], "Created": NOW - 10},
              {"Id": "sha256:kept", "RepoTags": ["keep/me:1"], "Created": NOW - 90000}]
    chosen, kept = choose_images(images, {"sha256:used"}, 86400, ("keep/*",), (), NOW)
    assert [(c.id, c.tags) for c in chosen] == [("sha256:old", ("old:1", "old:latest")),
                                               ("sha256:dangling", ())]
    assert [(c.name, c.why) for c in chosen] == [("old:1", "last used 25.0 h ago"), ("dangling", "dangling")]
    assert kept == [("used", "a container uses it"), ("young:1", "last used 0 min ago, within unused_for"),
                    ("keep/me:1", "name matches keep/*")]
    assert [c.id for c in choose_images(images, {"sha256:used"}, None, (), (), NOW)[0]] == ["sha256:dangling"]


@pytest.mark.parametrize("finished, reason", [
    ("yesterday", "FinishedAt 'yesterday' is not a time: cannot tell how long ago it stopped"),
    ("2024-13-01T00:00:00Z",
     "FinishedAt '2024-13-01T00:00:00Z' is not a time: month must be in 1..12: cannot tell how long ago it stopped"),
    ("2024-02-30T00:00:00Z",
     "FinishedAt '2024-02-30T00:00:00Z' is not a time: day is out of range for month: "
     "cannot tell how long ago it stopped"),
    (1710072000, "FinishedAt 1710072000 is not a time: cannot tell how long ago it stopped"),
    (["2024-03-01T00:00:00Z"], "FinishedAt ['2024-03-01T00:00:00Z'] is not a time: cannot tell how long ago it stopped"),
])
def test_unreadable_finished_at_keeps_the_container_and_says_why(finished, reason):
    old = inspect("a", "exited", created="2020-01-01T00:00:00Z", finished=finished)
    assert why_kept(old, KeepRules(grace=3600), NOW) == reason
    found, kept = choose_containers([old], KeepRules(grace=3600), NOW)
    assert found == [] and kept == [("a", reason)]


def test_unreadable_created_of_a_never_started_container_keeps_it():
    made = inspect("a", "created", created="2024-00-10T00:00:00Z")
    assert why_kept(made, KeepRules(), NOW).startswith("Created '2024-00-10T00:00:00Z' is not a time")


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "yes", "Yes", "1", "on", " on "])
def test_keep_label_takes_the_usual_true_spellings(value):
    rules = KeepRules(labels=(label_rule("pool-guardian.keep=true"),))
    assert why_kept(inspect("a", "exited", labels={"pool-guardian.keep": value}), rules, NOW) == \
        "keep label pool-guardian.keep=true"


@pytest.mark.parametrize("value", ["false", "no", "0", "", "truest"])
def test_keep_label_false_spellings_do_not_keep(value):
    rules = KeepRules(labels=(label_rule("pool-guardian.keep=true"),))
    assert why_kept(inspect("a", "exited", labels={"pool-guardian.keep": value}), rules, NOW) is None


def test_images_go_least_recently_used_first_counting_containers_a_prune_already_took():
    """Docker 20.10's create events and `docker ps -a` entries, shaped as the API returns them."""
    images = [{"Id": "sha256:aaa", "RepoTags": ["app:1"], "Created": NOW - 90000},
              {"Id": "sha256:bbb", "RepoTags": ["base:latest"], "Created": NOW - 90000},
              {"Id": "sha256:ccc", "RepoTags": ["tool:2"], "Created": NOW - 90000}]
    containers = [{"ImageID": "sha256:ccc", "Created": int(NOW - 5000)}]
    events = [{"Type": "container", "Action": "create", "time": int(NOW - 180),
               "Actor": {"ID": "x", "Attributes": {"image": "app:1", "name": "job-17"}}},
              {"Type": "container", "Action": "create", "time": int(NOW - 7200),
               "Actor": {"ID": "y", "Attributes": {"image": "base", "name": "job-3"}}}]
    last = image_last_use(containers, events, images)
    assert last == {"sha256:aaa": NOW - 180, "sha256:bbb": NOW - 7200, "sha256:ccc": NOW - 5000}
    in_use = {"sha256:ccc"}
    chosen, kept = choose_images(images, in_use, 3600, (), (), NOW, last)
    assert [c.id for c in chosen] == ["sha256:bbb"]
    assert kept == [("app:1", "last used 3 min ago, within unused_for"), ("tool:2", "a container uses it")]
    every, _ = choose_images(images, in_use, 60, (), (), NOW, last)
    assert [c.id for c in every] == ["sha256:bbb", "sha256:aaa"]     # least recently used first
