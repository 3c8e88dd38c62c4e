"""Monitoring with the real consumers, in the guest: promtool, node_exporter, NRPE and check_nrpe.

The daemon watches a bare pool while dd fills it; the metrics file it writes must pass
`promtool check metrics`, `prometheus-node-exporter`'s textfile collector must serve it, and the
forecast the daemon publishes must reach `check`. NRPE runs the shipped command definition
(docs/nrpe/pool-guardian.cfg) through sudo with the shipped rule (docs/nrpe/sudoers), as the
nagios user, and check_nrpe must get each state with the plugin's own line.
"""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

from tests.integration.bedlib import REPO, run, sh
from tests.integration.bedlib.guardian import BARE_POOL_CONFIG, EXE
from tests.integration.bedlib.pools import wait_until

MIB = 1 << 20
METRICS_CONFIG = """\
schedule:
  poll_interval: 1s
metrics:
  path: {path}
  forecast_window: 40s
"""
NODE_EXPORTER_PORT = 19100
NRPE_PORT = 15666
CHECK_NRPE = "/usr/lib/nagios/plugins/check_nrpe"


def sample(text, name, pool):
    match = re.search(r'^{}\{{pool="{}"\}} (\S+)$'.format(name, re.escape(pool)), text, re.M)
    return float(match.group(1)) if match else None


def read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def fill(thin, start_mib, count, pause=0.5):
    for i in range(count):
        sh("dd if=/dev/zero of={} bs=1M seek={} count=2 oflag=direct status=none".format(
            thin.path, start_mib + 2 * i))
        time.sleep(pause)


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:{}/metrics".format(port), timeout=10) as answer:
        return answer.read().decode()


def test_metrics_pass_promtool_node_exporter_serves_them_and_check_forecasts(make_thin_pool, guardian, tmp_path):
    pool = make_thin_pool(data_size=256 * MIB)
    thin = pool.create_thin(512 * MIB)
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    prom = str(textfiles / "pool_guardian.prom")
    guardian.write_config(BARE_POOL_CONFIG.format(pool=pool.name) + METRICS_CONFIG.format(path=prom))
    daemon = guardian.start_daemon()
    assert wait_until(lambda: sample(read(prom), "pool_guardian_data_used_bytes", pool.name) is not None, 120), \
        read(daemon.log_path)
    fill(thin, 0, 30)
    # the fill's last samples reach the file at the daemon's next evaluation, not at once
    assert wait_until(lambda: (sample(read(prom), "pool_guardian_data_full_seconds", pool.name) or 0) > 0, 30), \
        read(prom)

    forecast = guardian.cli("check", "--time-warning", "6h", "--time-critical", "1s", check=False)
    assert forecast.returncode == 1 and "full in ~" in forecast.stdout, forecast.stdout   # WARNING: < 6 h
    status = guardian.cli("status").stdout
    # the span its samples really cover, at most the 40 s window
    span = re.search(r"^  forecast full in ~\S+ \S+ at \d+\.\d MiB/s \(last (\d+) s\)$", status, re.M)
    assert span and int(span.group(1)) <= 40, status

    used = pool.status()["data_used_blocks"] * pool.block_bytes
    assert wait_until(lambda: sample(read(prom), "pool_guardian_data_used_bytes", pool.name) == used, 30)
    lint = subprocess.run(["promtool", "check", "metrics"], input=read(prom).encode(), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)
    assert lint.returncode == 0 and lint.stdout == b"", lint.stdout.decode()

    exporter = subprocess.Popen(
        ["prometheus-node-exporter", "--collector.disable-defaults", "--collector.textfile",
         "--collector.textfile.directory=" + str(textfiles),
         "--web.listen-address=127.0.0.1:{}".format(NODE_EXPORTER_PORT)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        served = wait_until(lambda: _try_scrape(NODE_EXPORTER_PORT), 60)
    finally:
        exporter.terminate()
        exporter.wait(30)
    assert served, "node_exporter did not answer on 127.0.0.1:{}".format(NODE_EXPORTER_PORT)
    assert "node_textfile_scrape_error 0" in served
    assert sample(served, "pool_guardian_data_used_bytes", pool.name) == used
    assert sample(served, "pool_guardian_pool_healthy", pool.name) == 1
    for source in ("kernel", "dm_events", "udev"):
        assert 'pool_guardian_source_up{{source="{}"}} 1'.format(source) in served
    assert 'pool_guardian_source_up{source="docker"} 0' in served

    guardian.write_config("mode: [not a mode\n")          # refused on SIGHUP: the old one stays
    daemon.send_signal(signal.SIGHUP)
    assert wait_until(lambda: "pool_guardian_config_last_reload_successful 0" in read(prom), 30), read(prom)
    assert daemon.poll() is None


def _try_scrape(port):
    try:
        text = scrape(port)
    except OSError:
        return None
    return text if "pool_guardian_" in text else None


def test_nrpe_brings_ok_warning_critical_and_unknown_to_check_nrpe(make_thin_pool, tmp_path):
    pool = make_thin_pool(data_size=256 * MIB)
    thin = pool.create_thin(512 * MIB)
    fill(thin, 0, 20, pause=0)                      # 40 MiB: about 16% used
    _install_sudoers()
    shipped = _shipped_command()
    commands = {
        "check_docker_pool": shipped,               # the shipped line as it is: OK (no daemon: no forecast)
        "pool_warning": shipped.replace("--data-warning 75", "--data-warning 10"),
        "pool_critical": shipped.replace("--data-critical 85", "--data-critical 10"),
        "pool_unknown": shipped.replace("--time-warning 6h", "--time-warning soon"),
    }
    nrpe = _start_nrpe(tmp_path, commands)
    try:
        got = {name: _check_nrpe(name) for name in commands}
    finally:
        nrpe.terminate()
        nrpe.wait(30)
    direct = run(shipped.split()[2:], check=False)        # the plugin itself, as root
    assert got["check_docker_pool"] == (0, direct.stdout.strip()), got
    assert direct.stdout.startswith("POOL OK - {}: data ".format(pool.name)) and "no forecast" in direct.stdout
    assert got["pool_warning"][0] == 1 and got["pool_warning"][1].startswith("POOL WARNING - "), got
    assert got["pool_critical"][0] == 2 and got["pool_critical"][1].startswith("POOL CRITICAL - "), got
    assert got["pool_unknown"] == (3, "POOL UNKNOWN - pool-guardian check: argument --time-warning: expected "
                                      "a duration like '10s', '5m' or '1h', got 'soon'"), got
    for code, line in got.values():
        if code != 3:
            assert re.search(r" \| 'data'=\d+\.\d\d%;\S+ 'data_used'=\d+B;", line), line


def _shipped_command():
    """docs/nrpe/pool-guardian.cfg's command, with the checkout's pool-guardian for /usr/bin's."""
    with open(os.path.join(REPO, "docs", "nrpe", "pool-guardian.cfg")) as handle:
        line = [l for l in handle if l.startswith("command[check_docker_pool]=")][0]
    return line.split("=", 1)[1].strip().replace("/usr/bin/pool-guardian", EXE)


def _install_sudoers():
    """docs/nrpe/sudoers for Debian's NRPE user (the guest's /etc is a tmpfs layer)."""
    with open(os.path.join(REPO, "docs", "nrpe", "sudoers")) as handle:
        rule = handle.read().replace("nrpe ALL=", "nagios ALL=").replace("/usr/bin/pool-guardian", EXE)
    path = "/etc/sudoers.d/pool-guardian"
    with open(path, "w") as handle:
        handle.write(rule)
    os.chmod(path, 0o440)
    sh("visudo -cf " + path)


def _start_nrpe(tmp_path, commands):
    config = str(tmp_path / "nrpe.cfg")
    with open(config, "w") as handle:
        handle.write("server_port={}\nserver_address=127.0.0.1\nallowed_hosts=127.0.0.1\n"
                     "nrpe_user=nagios\nnrpe_group=nagios\ndont_blame_nrpe=0\ncommand_timeout=120\n"
                     "connection_timeout=300\n".format(NRPE_PORT))
        handle.writelines("command[{}]={}\n".format(name, line) for name, line in commands.items())
    os.chmod(str(tmp_path), 0o755)
    os.chmod(config, 0o644)
    proc = subprocess.Popen(["/usr/sbin/nrpe", "-c", config, "-f"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    assert wait_until(lambda: _listening(NRPE_PORT), 30), "nrpe is not listening on 127.0.0.1:{}".format(NRPE_PORT)
    return proc


def _listening(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def _check_nrpe(command):
    proc = run([CHECK_NRPE, "-H", "127.0.0.1", "-p", str(NRPE_PORT), "-t", "120", "-c", command],
               check=False, timeout=180)
    return proc.returncode, proc.stdout.strip()
