"""The packages import downwards only, in the order docs/design.md reads them ("Where the code is"):
host does the reading and the changing; observe, decide, act and report are the daemon's order of
work; the operator tools use them; app, daemon, commands and cli wire them. A module may import its
own layer and the ones below, never one above, at its top or inside a function.
"""
import ast
import os

GUARDIAN = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "guardian")
# Lowest first. errors and units are the words every layer uses; config reads its file through host.
LAYERS = [
    ("guardian", "errors", "units"),
    ("host",),
    ("config",),
    ("observe",),
    ("decide",),
    ("act",),
    ("report",),
    ("tools",),
    ("app",),
    ("daemon",),
    ("commands", "exit_codes"),
    ("cli", "__main__"),
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def part(module):
    """The top-level part of guardian a dotted module name is in: guardian.act.grow -> act."""
    names = module.split(".")
    return names[1] if len(names) > 1 else "guardian"


def modules():
    """(part, path) of every module under guardian/."""
    for folder, _, files in os.walk(GUARDIAN):
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                relative = os.path.relpath(path, os.path.dirname(GUARDIAN))[:-3].replace(os.sep, ".")
                yield part(relative[:-len(".__init__")] if name == "__init__.py" else relative), path


def imported_parts(path):
    """(line, part) of each guardian import in the file, wherever it stands."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "guardian":
                    yield node.lineno, part(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] == "guardian":
            if node.module == "guardian":       # from guardian import cli, __version__
                for alias in node.names:
                    yield node.lineno, alias.name if alias.name in RANK else "guardian"
            else:
                yield node.lineno, part(node.module)


def test_every_part_of_guardian_has_a_layer():
    assert sorted({where for where, _ in modules()} - set(RANK)) == []


def test_no_module_imports_a_layer_above_its_own():
    upward = ["{}:{} imports guardian.{}".format(os.path.relpath(path, GUARDIAN), line, target)
              for where, path in modules() for line, target in imported_parts(path)
              if RANK[target] > RANK[where]]
    assert upward == []


def test_the_rule_sees_function_level_imports(tmp_path):
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from guardian.app import build_app\n    from guardian import cli\n")
    assert list(imported_parts(str(source))) == [(2, "app"), (3, "cli")]
