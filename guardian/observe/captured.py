"""A command's output as an operator or support hands it over, and JSON that must be whole.

A paste may carry the shell prompt line that ran the command and a markdown code fence around
it: those lines are blanked, not removed, so a problem still names the paste's own line number.
Nothing is repaired: a cut or edited output is refused by its parser with the line it fails at.
"""

import json
import re

from guardian.errors import ParseError

_FENCE = re.compile(r"^\s*```[\w+-]*\s*$")
# '$ ', '# ', '[root@host ~]# ', 'user@host:~$ ': a shell prompt, then perhaps sudo.
_PROMPT = r"^\s*(?:\[[^\]]*\]|[\w.@:~/-]*)[$#]"


def unwrapped(text, what, command):
    """text with a code fence around it, the prompt line that ran `command` (a regex) and a bare
    prompt on the last line blanked. A fence that is opened and not closed is a cut paste."""
    lines = text.splitlines()
    ran = re.compile(_PROMPT + r"?\s*(?:sudo\s+)?" + command)
    fence = None
    for _ in range(2):              # the prompt line may come before the fence or inside it
        top = _first(lines, range(len(lines)))
        if top is None:
            break
        if fence is None and _FENCE.match(lines[top]):
            fence = top
        elif not ran.match(lines[top]):
            break
        lines[top] = ""
    closed = fence is None
    for _ in range(2):              # a bare prompt on the last line, inside the fence or after it
        bottom = _first(lines, reversed(range(len(lines))))
        if bottom is None:
            break
        if not closed and _FENCE.match(lines[bottom]):
            closed = True
        elif not re.match(_PROMPT + r"\s*$", lines[bottom]):
            break
        lines[bottom] = ""
    if not closed:
        raise ParseError("%s: the ``` code fence opened at line %d is not closed (a cut paste?)"
                         % (what, fence + 1))
    return "\n".join(lines)


def _first(lines, indexes):
    return next((index for index in indexes if lines[index].strip()), None)


def load_json(text, what):
    """The JSON value text holds, whole: a cut one is 'truncated JSON at line N' (where the text
    ends), and text that does not start as a JSON object or array is 'not JSON at line N'."""
    stripped = text.lstrip()
    if stripped[:1] not in ("{", "["):
        number = text[:len(text) - len(stripped)].count("\n") + 1
        raise ParseError("%s: not JSON at line %d: %s" % (
            what, number, quoted(stripped.splitlines()[0] if stripped else "")))
    try:
        return json.loads(text)
    except RecursionError:
        raise ParseError("%s: not valid JSON (nested too deeply)" % what)
    except ValueError as error:
        end = len(text.rstrip())
        if getattr(error, "pos", 0) >= end or getattr(error, "msg", "").startswith("Unterminated string"):
            raise ParseError("%s: truncated JSON at line %d" % (what, text[:end].count("\n") + 1))
        raise ParseError("%s: not valid JSON at line %s column %s (%s)" % (
            what, getattr(error, "lineno", "?"), getattr(error, "colno", "?"), getattr(error, "msg", error)))


def quoted(line):
    """A line as a problem quotes it: repr, cut short."""
    text = repr(line.strip())
    return text if len(text) <= 80 else text[:77] + "..."
