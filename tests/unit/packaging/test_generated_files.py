"""Files rendered from the code (docs, man page, bash completion) equal a fresh rendering.

Each is committed so that it can be read and reviewed; these tests fail when the code moved on
without it. The fix is always the same: make docs.
"""
import os
import shutil
import subprocess

import pytest

from guardian.cli import build_parser
from guardian.config.reference import render_reference
from guardian.exit_codes import EXIT_CODES
from guardian.report.catalogue import render_catalogue, render_journald_catalog
from guardian.report.events import CATALOGUE

from .conftest import ROOT

COMPLETION = os.path.join(ROOT, "packaging", "pool-guardian.bash-completion")


def committed(*path):
    with open(os.path.join(ROOT, *path)) as handle:
        return handle.read()


@pytest.mark.parametrize("path, render", [
    (("docs", "config.md"), render_reference),
    (("docs", "message-ids.md"), render_catalogue),
    (("packaging", "pool-guardian.catalog"), render_journald_catalog),
])
def test_docs_are_rendered_from_the_code(path, render):
    assert committed(*path) == render(), "run: make docs"


def test_man_page_completion_and_readme_list_are_rendered_from_the_parser(clidocs):
    assert committed("packaging", "pool-guardian.8") == clidocs.render_manpage(), "run: make docs"
    assert committed("packaging", "pool-guardian.bash-completion") == clidocs.render_completion(), \
        "run: make docs"
    assert committed("docs", "exit-codes.md") == clidocs.render_exit_codes(), "run: make docs"
    assert committed("README.md") == clidocs.render_readme(), "run: make docs"


def test_readme_lists_every_command_in_the_tables_order(clidocs):
    listed = clidocs.render_readme().split(clidocs.README_START)[1].split(clidocs.README_END)[0]
    names = [line.split()[2].rstrip("`:") for line in listed.splitlines()]
    assert names == [name for name, _, _ in clidocs.commands(build_parser())] == list(EXIT_CODES)
    assert "- `pool-guardian rescue mount|umount CONTAINER [DIR]`: mount a stopped container's" in listed


def test_config_reference_has_every_option():
    text = render_reference()
    for key in ("mode", "pool.name", "watermarks.data.high", "watermarks.metadata.low", "log.target"):
        assert "| `{}` |".format(key) in text


def test_message_id_catalogue_has_every_event():
    text = render_catalogue()
    for name, kind in CATALOGUE.items():
        assert "| `{}` | `{}` |".format(name, kind.message_id) in text


def test_man_page_documents_every_command_and_option(clidocs):
    page = clidocs.render_manpage()
    for name, _, sub in clidocs.commands(build_parser()):
        assert ".SS " + name.replace("-", "\\-") + "\n" in page
        for action in clidocs.options(sub):
            assert "\\fB{}\\fR".format(action.option_strings[-1].replace("-", "\\-")) in page


def test_every_option_and_positional_has_a_description(clidocs):
    parser = build_parser()
    subs = [sub for _, _, sub in clidocs.commands(parser)]
    for where in [parser] + subs:
        for action in clidocs.options(where) + clidocs.positionals(where):
            assert clidocs.help_text(where, action).strip(), (where.prog, action.dest)
    page = clidocs.render_manpage()
    items = page[page.index(".SH OPTIONS"):page.index(".SH EXIT STATUS")].split("\n")
    for index, line in enumerate(items):
        if line == ".TP":
            assert items[index + 2] and not items[index + 2].startswith("."), items[index + 1]


def test_man_page_shows_no_hidden_option_and_no_doubled_percent(clidocs):
    page = clidocs.render_manpage()
    assert "SUPPRESS" not in page and "%%" not in page
    assert "(default 10%)" in page


def test_man_page_exit_status_lists_every_command_from_the_table(clidocs):
    status = clidocs.render_manpage().split(".SH EXIT STATUS\n")[1].split(".SH ")[0]
    for command, rows in clidocs.own_exit_codes():
        assert ".TP\n\\fB{}\\fR\n.RS\n".format(command.replace("-", "\\-")) in status
        for code, _ in rows:
            assert ".TP 5\n{}\n".format(code) in status
    assert [command for command, _ in clidocs.own_exit_codes()] == list(EXIT_CODES)


def test_man_page_renders_without_warnings(tmp_path):
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed")
    result = subprocess.run(["groff", "-man", "-ww", "-z", os.path.join(ROOT, "packaging", "pool-guardian.8")],
                            stderr=subprocess.PIPE, universal_newlines=True)
    assert result.returncode == 0 and result.stderr == ""


def complete(*words):
    """What bash offers after `pool-guardian WORDS...` (the last word is the one being completed)."""
    script = 'source {}; COMP_WORDS=(pool-guardian {}); COMP_CWORD={}; _pool_guardian; printf "%s\\n" "${{COMPREPLY[@]}}"'
    quoted = " ".join("'{}'".format(w) for w in words)
    out = subprocess.run(["bash", "-c", script.format(COMPLETION, quoted, len(words))], cwd=ROOT,
                         stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    return [line for line in out.splitlines() if line]


def test_completion_offers_commands_options_and_values():
    assert complete("ch") == ["check", "check-config"]
    assert complete("--config", "etc/con") == ["etc/config.yaml"]
    assert complete("--config", "etc/config.yaml", "diagnose", "--j") == ["--json"]
    assert complete("run", "--mode", "") == ["observe", "dry-run", "enforce"]
    assert complete("check", "--data-warning", "") == []
    assert complete("check-config", "etc/con") == ["etc/config.yaml"]
    assert complete("check", "--config", "etc/con") == ["etc/config.yaml"]
    assert complete("status", "--con") == ["--config"]
