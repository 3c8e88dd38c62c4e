"""Render the man page pool-guardian(8), the bash completion, the README's command list and
docs/exit-codes.md from guardian.cli.build_parser (the table of guardian/commands/) and
guardian.exit_codes.

All describe the command line. Rendered from the parser, a command or option added to the table or to
a command's module reaches them with `make docs`, and tests/unit/packaging fails until it has: they
cannot drift.

    python packaging/clidocs.py man|completion|readme|exit-codes     (with the project importable, e.g. from .venv)
"""
import argparse
import os
import sys

from guardian import __version__
from guardian.cli import build_parser
from guardian.config import DEFAULT_PATH
from guardian.exit_codes import EXIT_CODES, USUAL
from guardian.report.events import CATALOGUE

GENERATED = ("Rendered from guardian/cli.py and guardian/commands/ by packaging/clidocs.py (make docs); "
             "edit the parser, not this file.")
README = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "README.md")
# How a value is completed, by the metavar the parser gives it (choices are completed as words).
COMPGEN_BY_METAVAR = {"FILE": "-f", "DIR": "-d"}


def commands(parser):
    """(name, help, subparser) for each subcommand, in the parser's order."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in action._choices_actions}
    return [(name, helps.get(name), sub) for name, sub in action.choices.items()]


def options(parser):
    """The options a user may give; hidden ones (help=SUPPRESS) are kept only for old scripts."""
    return [a for a in parser._actions if a.option_strings and not isinstance(a, argparse._HelpAction)
            and a.help != argparse.SUPPRESS]


def own_options(parser, sub):
    """A subcommand's options less those it shares with the top level (--config), described once."""
    shared = [a.option_strings for a in options(parser)]
    return [a for a in options(sub) if a.option_strings not in shared]


def help_text(parser, action):
    """The help as --help shows it: %(default)s expanded, %% a single %."""
    return parser._get_formatter()._expand_help(action) if action.help else ""


def positionals(parser):
    return [a for a in parser._actions
            if not a.option_strings and not isinstance(a, argparse._SubParsersAction)]


def takes_value(action):
    return action.nargs != 0 and not isinstance(action, argparse._VersionAction)


def value_name(action):
    if action.choices:
        return "|".join(action.choices)
    return action.metavar or action.dest.upper()


# --- man page -------------------------------------------------------------------------------------

def render_manpage(parser=None):
    parser = parser or build_parser()
    out = ['.\\" ' + GENERATED,
           '.TH POOL\\-GUARDIAN 8 "" "pool-guardian {}" "System Administration"'.format(__version__),
           ".SH NAME", "pool\\-guardian \\- " + _roff(_lower_first(parser.description.rstrip("."))),
           ".SH SYNOPSIS"]
    for name, _, sub in commands(parser):
        out.append(".B pool\\-guardian\n\\fB{}\\fR {}".format(_opt(name), _usage(sub)).rstrip())
        out.append(".br")
    out.extend(DESCRIPTION.strip("\n").split("\n"))
    out.extend([".SH OPTIONS", ".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "show the usage and exit"])
    out.extend(_option_items(parser, options(parser)))
    out.append(".SH COMMANDS")
    for name, summary, sub in commands(parser):
        out.extend([".SS " + _opt(name), _roff(summary or "")])
        out.extend(_option_items(sub, positionals(sub) + own_options(parser, sub)))
    out.extend(_exit_status())
    out.extend(_journal())
    out.extend(FILES.format(config=DEFAULT_PATH).strip("\n").split("\n"))
    return "\n".join(out) + "\n"


DESCRIPTION = """
.SH DESCRIPTION
\\fBpool\\-guardian\\fR watches the device\\-mapper thin pool that Docker's devicemapper storage
driver writes to. It warns before the pool fills, and in \\fIenforce\\fR mode it climbs a ladder of
remediations (prune stopped containers, release leaked mounts, fstrim, prune images, grow) one rung
at a time, looking at the pool again after each, until usage is below the low watermark.
.PP
\\fBpool\\-guardian run\\fR is the daemon that \\fBpool\\-guardian.service\\fR starts.
\\fBstatus\\fR, \\fBdiagnose\\fR, \\fBcheck\\fR, \\fBdoctor\\fR, \\fBplan\\fR, \\fBtop\\fR, \\fBcheck\\-config\\fR and \\fBbusy\\fR
without \\fB\\-\\-release\\fR only read. \\fBprune\\fR, \\fBtrim\\fR, \\fBgrow\\fR (without \\fB\\-\\-dry\\-run\\fR),
\\fBrescue\\fR, \\fBresize\\fR and \\fBbusy \\-\\-release\\fR change the host, under the same lock as the
daemon, and write what they did to the journal (\\fBjournalctl \\-t pool\\-guardian\\fR).
.PP
It never removes a running, paused, restarting or labelled container, never kills a process, never
writes to a pool the kernel reports read\\-only, failed, needing a check or in error, never leaves a
pool suspended, and never grows a pool into the backing filesystem's reserve.
"""

FILES = """
.SH FILES
.TP
.I {config}
The configuration; every key is optional. See \\fI/usr/share/doc/pool\\-guardian/config.md\\fR.
.TP
.I /usr/lib/systemd/system/pool\\-guardian.service
The unit; reload (SIGHUP) rereads the configuration and keeps the previous one if it is invalid.
.TP
.I /usr/lib/pool\\-guardian/
The program and the Python libraries it was tested with.
.TP
.I /run/pool\\-guardian/
The daemon's memory of its ladder (\\fImemory.json\\fR, read by \\fBplan\\fR), the lock the daemon and the
commands that change the host share (\\fIact.lock\\fR), and \\fIrescue/\\fR, where \\fBrescue mount\\fR mounts by default.
.TP
.I /usr/lib/systemd/catalog/pool\\-guardian.catalog
The explanation \\fBjournalctl \\-x\\fR shows beside each entry, by MESSAGE_ID.
.SH SEE ALSO
.BR journalctl (1),
.BR systemctl (1),
.BR dmsetup (8),
.BR lvs (8),
.BR fstrim (8),
.BR docker (1)
"""


def _lower_first(text):
    return text[:1].lower() + text[1:]


def _usage(sub):
    parts = []
    for action in options(sub):
        flag = "\\fB{}\\fR".format(_opt(action.option_strings[-1]))
        if takes_value(action):
            flag += " \\fI{}\\fR".format(_roff(value_name(action)))
        parts.append("[" + flag + "]")
    for action in positionals(sub):
        name = "\\fI{}\\fR".format(_roff(value_name(action)))
        parts.append("[" + name + "]" if action.nargs == "?" else name)
    return " ".join(parts)


def _option_items(parser, actions):
    out = []
    for action in actions:
        names = ", ".join("\\fB{}\\fR".format(_opt(s)) for s in action.option_strings)
        if takes_value(action):
            names = (names + " " if names else "") + "\\fI{}\\fR".format(_roff(value_name(action)))
        out.extend([".TP", names, _roff(help_text(parser, action))])
    return out


def _exit_status():
    out = [".SH EXIT STATUS", "Every command but {} exits with:".format(
        ", ".join("\\fB{}\\fR".format(_opt(c)) for c in unusual_commands()))]
    for code, meaning in USUAL:
        out.extend([".TP", str(code), _roff(meaning)])
    out.extend([".PP", "and with its own codes (also in \\fI/usr/share/doc/pool\\-guardian/exit\\-codes.md\\fR):"])
    for command, rows in own_exit_codes():
        out.extend([".TP", "\\fB{}\\fR".format(_opt(command)), ".RS"])
        for code, meaning in rows:
            out.extend([".TP 5", str(code), _roff(meaning)])
        out.append(".RE")
    return out


def unusual_commands():
    return [command for command, rows in EXIT_CODES.items() if not set(USUAL) <= set(rows)]


def own_exit_codes():
    """(command, rows) less the USUAL rows, which are said once; all rows of a command without them."""
    unusual = unusual_commands()
    return [(command, rows if command in unusual else tuple(r for r in rows if r not in USUAL))
            for command, rows in EXIT_CODES.items()]


def _journal():
    example = CATALOGUE["pool.level_changed"].message_id
    out = [".SH JOURNAL",
           "Under systemd each entry has a stable MESSAGE_ID, EVENT=\\fIname\\fR and the event's fields "
           "as upper\\-case journal fields, for example:",
           ".PP", ".nf",
           "journalctl \\-u pool\\-guardian MESSAGE_ID={}".format(example),
           "journalctl \\-u pool\\-guardian POOL_LEVEL=critical",
           ".fi"]
    for name, kind in CATALOGUE.items():
        out.extend([".TP", "\\fB{}\\fR {}".format(_roff(name), kind.message_id), _roff(kind.summary)])
    return out


def _roff(text):
    """Text roff shows as written: backslashes escaped, no line starting as a request."""
    lines = text.replace("\\", "\\e").split("\n")
    return "\n".join("\\&" + line if line.startswith((".", "'")) else line for line in lines)


def _opt(text):
    """Option and command names: roff's \\- is a real minus sign, which man -k and copy-paste keep."""
    return _roff(text).replace("-", "\\-")


# --- bash completion ------------------------------------------------------------------------------

COMPLETION = """\
# bash completion for pool-guardian(8)
# {generated}
_pool_guardian_words()
{{
    mapfile -t COMPREPLY < <(compgen "$@")
}}

_pool_guardian()
{{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}} command= i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${{COMP_WORDS[i]}} in
{skip_values}
            -*) ;;
            *) command=${{COMP_WORDS[i]}}; break ;;
        esac
    done
    case $command/$prev in
{values}
    esac
    case $command in
{words}
    esac
}}
complete -F _pool_guardian pool-guardian
"""


def render_completion(parser=None):
    parser = parser or build_parser()
    global_valued = [s for a in options(parser) if takes_value(a) for s in a.option_strings]
    skip = "            {}) ((i++)) ;;".format("|".join(global_valued)) if global_valued else ""
    values = [_value_arm(command, action) for command, sub in [("", parser)] + _subs(parser)
              for action in options(sub) if takes_value(action)]
    words = ["        '') _pool_guardian_words -W {!r} -- \"$cur\" ;;".format(
        " ".join(_flags(parser) + [name for name, _, _ in commands(parser)]))]
    words.extend(_words_arm(name, sub) for name, sub in _subs(parser))
    return COMPLETION.format(generated=GENERATED, skip_values=skip, values="\n".join(values),
                             words="\n".join(words))


def _subs(parser):
    return [(name, sub) for name, _, sub in commands(parser)]


def _flags(parser):
    return ["--help"] + [s for a in options(parser) for s in a.option_strings]


def _complete_value(action):
    """Shell that completes an action's value; None when there is nothing to offer."""
    if action.choices:
        return '_pool_guardian_words -W {!r} -- "$cur"'.format(" ".join(action.choices))
    flag = COMPGEN_BY_METAVAR.get(action.metavar)
    if flag is None:
        return None
    return 'compopt -o filenames 2>/dev/null; _pool_guardian_words {} -- "$cur"'.format(flag)


def _value_arm(command, action):
    pattern = "|".join("{}/{}".format(command, s) for s in action.option_strings)
    complete = _complete_value(action)
    return "        {}) {}return ;;".format(pattern, complete + "; " if complete else "")


def _words_arm(name, sub):
    flags = '_pool_guardian_words -W {!r} -- "$cur"'.format(" ".join(_flags(sub)))
    values = [_complete_value(a) for a in positionals(sub) if _complete_value(a)]
    if values:
        return "        {}) if [[ $cur == -* ]]; then {}; else {}; fi ;;".format(name, flags, values[0])
    return "        {}) {} ;;".format(name, flags)


# --- README.md's command list ---------------------------------------------------------------------

README_START = "<!-- the commands: rendered from guardian/cli.py by packaging/clidocs.py (make docs) -->\n"
README_END = "<!-- end of the commands -->\n"


def render_readme(parser=None, path=README):
    """README.md with the list between its two markers rendered anew: each command, its arguments
    and its help, in the table's order."""
    with open(path) as handle:
        head, rest = handle.read().split(README_START)
    tail = rest.split(README_END)[1]
    items = ["- `pool-guardian {}`: {}".format(" ".join([name] + [_readme_value(a) for a in positionals(sub)]),
                                              summary) for name, summary, sub in commands(parser or build_parser())]
    return head + README_START + "\n".join(items) + "\n" + README_END + tail


def _readme_value(action):
    return "[{}]".format(value_name(action)) if action.nargs == "?" else value_name(action)


# --- docs/exit-codes.md ---------------------------------------------------------------------------

EXIT_CODES_GENERATED = ("Rendered from guardian/exit_codes.py by packaging/clidocs.py (make docs); "
                        "edit the table, not this file.")
EXIT_CODES_DOC = """\
# Exit codes

<!-- {generated} -->

What each command's exit code means, for scripts, cron jobs and monitoring. Trouble never exits 0:
no pool, a path that is not there and a wrong command line each have their code. A wrong command
line prints one line, `pool-guardian: <what is wrong>`. `check`, a Nagios/Icinga plugin,
`diagnose` and `doctor` exit with the plugin codes 0-3 (OK, WARNING, CRITICAL, UNKNOWN).

`--config FILE` is accepted before or after the command (`pool-guardian check --config FILE`);
given in both places, the one after the command wins.

Every command but {unusual} exits with:

| Exit | Meaning |
|---|---|
{usual}

and with its own codes:

| Command | Exit | Meaning |
|---|---|---|
{rows}
"""


def render_exit_codes():
    usual = ["| {} | {} |".format(code, meaning) for code, meaning in USUAL]
    rows = ["| {} | {} | {} |".format("`{}`".format(command) if index == 0 else "", code, meaning)
            for command, codes in own_exit_codes() for index, (code, meaning) in enumerate(codes)]
    return EXIT_CODES_DOC.format(generated=EXIT_CODES_GENERATED, rows="\n".join(rows), usual="\n".join(usual),
                                 unusual=", ".join("`{}`".format(c) for c in unusual_commands()))


def main(argv):
    renderers = {"man": render_manpage, "completion": render_completion, "readme": render_readme,
                 "exit-codes": render_exit_codes}
    if len(argv) != 2 or argv[1] not in renderers:
        sys.stderr.write("usage: clidocs.py man|completion|readme|exit-codes\n")
        return 2
    sys.stdout.write(renderers[argv[1]]())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
