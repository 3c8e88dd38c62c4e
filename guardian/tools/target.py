"""Which thin device a container's filesystem is: from `docker inspect` while dockerd answers,
from Docker's own files when it does not (the case rescue and resize exist for)."""
from typing import NamedTuple

from guardian.errors import GuardianError
from guardian.host.docker_api import DockerCallError, DockerApi
from guardian.observe.docker_files import parse_graphdriver
from guardian.tools import docker_state


class Target(NamedTuple):
    container: docker_state.ContainerRecord
    device: docker_state.ThinDevice
    docker_name: str        # the dm name Docker activates it under

    @property
    def short_id(self):
        return self.container.id[:12]

    def label(self):
        return "{} ({})".format(self.container.name or self.short_id, self.short_id)


def docker_answers(docker):
    """True when dockerd answers on its socket."""
    try:
        docker.read("ping")
        return True
    except DockerCallError:
        return False


def resolve(app, query, root):
    """The container and its thin device; Docker is asked first, its files when it does not answer."""
    with DockerApi(app.settings, app.host) as docker:
        if docker_answers(docker):
            return _from_inspect(docker.read("inspect_container", query), root)
    return from_files(query, root)


def from_files(query, root):
    record = docker_state.find_container(docker_state.list_containers(root), query)
    if not record.mount_id:
        raise GuardianError("container {}: no layerdb mount-id under {}: is Docker's driver devicemapper?".format(
            record.name or record.id[:12], root))
    return Target(record, docker_state.thin_device(root, record.mount_id),
                  docker_state.docker_device_name(root, record.mount_id))


def _from_inspect(inspect, root):
    graph = parse_graphdriver(inspect)
    state = inspect.get("State") or {}
    name = inspect.get("Name", "").lstrip("/")
    if graph.driver != "devicemapper" or not graph.device_name:
        raise GuardianError("container {}: Docker's storage driver is {}, not devicemapper".format(
            name, graph.driver))
    device_hash = graph.device_name.rsplit("-", 1)[-1]
    record = docker_state.ContainerRecord(inspect["Id"], name, bool(state.get("Running")),
                                    int(state.get("Pid") or 0), device_hash)
    device = docker_state.thin_device(root, device_hash)
    if graph.device_id is not None and graph.device_id != device.device_id:
        raise GuardianError("container {}: docker inspect says device id {}, {} says {}".format(
            name, graph.device_id, device.metadata_path, device.device_id))
    return Target(record, device, graph.device_name)


def refuse_running(target, doing):
    if target.container.running:
        raise GuardianError("container {} is running (pid {}): {} only works on a stopped container".format(
            target.label(), target.container.pid, doing))
