"""The core knows nothing of Textual; the startup path does not even load pydantic.

Each check runs in a fresh interpreter and looks at ``sys.modules``. The
layering itself is kept by import-linter (``lint-imports``, see pyproject.toml).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import snaptui

CORE = sorted(
    m.name for m in pkgutil.walk_packages(snaptui.__path__, "snaptui.")
    if not m.name.startswith("snaptui.tui") and m.name not in ("snaptui.__main__", "snaptui.cli.ui")
)


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_every_layer_is_checked():
    packages = {name.split(".")[1] for name in CORE if name.count(".") >= 1}
    assert {"base", "settings", "format", "sources", "catalog", "present", "actions", "cli"} <= packages


@pytest.mark.parametrize("module", CORE)
def test_core_modules_do_not_import_textual(module):
    assert not {"textual", "rich"} & loaded_after(f"import {module}")


def test_scanning_and_listing_do_not_import_textual_or_pydantic(fixture_dir):
    code = (
        "from snaptui.catalog.scan import scan\nfrom snaptui.catalog.jsonlist import json_output\n"
        "from snaptui.present.table import table\n"
        f"r = scan({str(fixture_dir)!r})\njson_output({str(fixture_dir)!r}, None, everything=True)\n"
        "table(r, everything=True)\n"
    )
    assert not {"textual", "rich", "pydantic"} & loaded_after(code)


def test_the_startup_check_with_nothing_new_loads_almost_nothing(fixture_dir):
    """The check at every shell start, once it has looked: no typing (it imports re),
    json, argparse, platformdirs, pydantic or Textual."""
    import os

    os.utime(fixture_dir, (1_700_000_000, 1_700_000_000))  # settled: its last answer can be reused
    code = f"from snaptui.cli.main import main\nmain(['check', '--quiet', '--dir', {str(fixture_dir)!r}])\n"
    loaded_after(code)  # looks, and remembers its answer
    heavy = {"textual", "rich", "pydantic", "json", "re", "typing", "argparse", "platformdirs"}
    assert not heavy & loaded_after(code)


def test_the_model_is_pydantic_and_still_no_textual():
    loaded = loaded_after("from snaptui.format.model import Snapshot; Snapshot.new('x', '/p')")
    assert "pydantic" in loaded and "textual" not in loaded


def test_no_module_is_over_500_lines():
    """Small modules named for their one job: a long one is a sign two jobs share it."""
    from pathlib import Path

    package = Path(snaptui.__file__).parent
    long = {str(p.relative_to(package)): n for p in package.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 500}
    assert long == {}


def test_completion_loads_almost_nothing_and_never_scans(fixture_dir):
    """Every Tab press runs ``snaptui __complete``: commands, options and session ids (from the
    index alone) with no typing, re, json, argparse, platformdirs, pydantic or Textual, and
    without the catalog's scan or the snapshot reader."""

    from conftest import snaptui_command

    subprocess.run([*snaptui_command(), "list", "--dir", str(fixture_dir)], capture_output=True, check=True)
    reading = {"snaptui.catalog.scan", "snaptui.catalog.survey", "snaptui.catalog.cache", "snaptui.format.reader",
               "snaptui.sources.recovery"}
    for words in (["zsh", "--", "dis"], ["zsh", "--", "purge", "--older-than", ""],
                  ["bash", "--", " \t\n\"'><=;|&(:", "snaptui resume "], ["fish", "--", "discard", ""]):
        out, loaded = completion_loads(fixture_dir, words)
        assert out.splitlines()[1] != ""  # it did complete something
        assert not COMPLETION_HEAVY & {m.split(".")[0] for m in loaded}, words
        assert not reading & loaded, words


COMPLETION_HEAVY = {"textual", "rich", "pydantic", "json", "re", "typing", "argparse", "platformdirs"}


def completion_loads(directory, words: list[str]) -> tuple[str, set[str]]:
    """What ``snaptui --dir DIRECTORY __complete WORDS...`` prints, and the modules it loaded."""
    import os

    code = (
        "import sys\nfrom snaptui.cli.main import main\n"
        f"main(['--dir', {str(directory)!r}, '__complete', *{words!r}])\n"
        "print('LOADED', ' '.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ)).stdout
    printed, _, loaded = out.partition("LOADED ")
    return printed, set(loaded.split())


def test_list_json_reads_snapshots_without_what_orjson_imports_for_its_encoder(fixture_dir):
    """orjson's start imports uuid (platform), dataclasses (inspect, ast, dis), enum, json (re)
    and datetime for its encoder's rare types and its error's base class: ~30 ms of a cold
    ``list --json``, typing (with re, collections) ~11 more. Reading every snapshot (no cache)
    loads none of them; what it prints is the same as with them all loaded."""
    import os

    def run(first: str) -> tuple[set[str], str]:
        code = (
            f"{first}\nimport sys\nfrom snaptui.cli.main import main\n"
            f"main(['list', '--json', '--dir', {str(fixture_dir)!r}])\nsys.stdout.flush()\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)"
        )
        env = dict(os.environ, XDG_CACHE_HOME=str(fixture_dir.parent / f"cache-{len(first)}"))
        got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        return set(got.stderr.split()), got.stdout

    heavy_modules = {"uuid", "dataclasses", "inspect", "platform", "enum", "json", "re", "datetime", "typing",
                     "collections", "functools"}
    light, printed = run("")
    assert "orjson" in light and not heavy_modules & light
    heavy, printed_heavy = run(f"import {', '.join(sorted(heavy_modules))}")
    assert heavy_modules <= heavy and printed == printed_heavy and '"session_id"' in printed
    assert '"cost_usd": ' in printed


def test_orjson_imported_light_still_decodes_and_encodes_and_the_real_modules_come_later():
    code = (
        "from snaptui.base.fastjson import preload\npreload()\nimport sys, orjson\n"
        "assert 'uuid' not in sys.modules and 'dataclasses' not in sys.modules\n"
        "doc = orjson.loads(b'{\"a\": [1, 2.5, null, true, \"x\\\\u00e9\\\\ud83d\\\\ude00\"], \"b\": {}}')\n"
        "print(doc, orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode())\n"
        "try:\n    orjson.loads(b'[1,\\n 2,')\nexcept orjson.JSONDecodeError as exc:\n"
        "    print('refused', isinstance(exc, ValueError), str(exc), exc.msg, exc.pos, exc.lineno, exc.colno)\n"
        "import uuid, dataclasses, json, enum, datetime\n"
        "print(type(uuid.uuid4()).__module__, dataclasses.is_dataclass(dataclasses.make_dataclass('C', ['x'])))\n"
        "print(json.loads('[1]'), json.JSONDecodeError.__module__, type(enum.Enum), datetime.__file__ is not None)\n"
        "class Colour(str, enum.Enum):\n    RED = 'red'\n"
        "print(orjson.dumps([Colour.RED, datetime.datetime(2026, 1, 2, 3, 4, 5)]).decode())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [
        "{'a': [1, 2.5, None, True, 'xé😀'], 'b': {}} {",
        '  "a": [', "    1,", "    2.5,", "    null,", "    true,", '    "xé😀"', "  ],", '  "b": {}', "}",
        "refused True unexpected end of data: line 2 column 4 (char 7) unexpected end of data 7 2 4",
        "uuid True",
        "[1] json.decoder <class 'enum.EnumType'> True",
        '["red","2026-01-02T03:04:05"]',
    ]


def test_orjson_errors_are_caught_as_orjson_s_own():
    """With the light import, orjson.JSONDecodeError is not a json.JSONDecodeError: no module
    that decodes with orjson catches json's (the exact path, which uses json's own parser, does)."""
    from pathlib import Path

    package = Path(snaptui.__file__).parent
    wrong = [str(p.relative_to(package)) for p in package.rglob("*.py")
             if "orjson" in (text := p.read_text()) and "except json.JSONDecodeError" in text]
    assert wrong == []


def test_orjson_is_imported_as_usual_while_another_thread_runs():
    """Another thread could import uuid while the stand-in is in sys.modules: then no stand-in."""
    code = (
        "import threading, sys\nstop = threading.Event()\nt = threading.Thread(target=stop.wait)\nt.start()\n"
        "from snaptui.base.fastjson import preload\npreload()\nprint('orjson' in sys.modules)\n"
        "import orjson\nprint('uuid' in sys.modules, 'dataclasses' in sys.modules)\nstop.set()\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "True", "True"]


def test_completion_of_store_ids_loads_almost_nothing_and_never_reads_the_store(tmp_path, monkeypatch):
    from test_complete import store_with_crashes

    store_with_crashes(tmp_path, monkeypatch)
    out, loaded = completion_loads(tmp_path / "none", ["zsh", "--", "resume", ""])
    assert "aaaa00001111" in out
    assert not COMPLETION_HEAVY & {m.split(".")[0] for m in loaded}
    assert not {"snaptui.sources.opendev", "snaptui.catalog.store_survey", "snaptui.catalog.scan"} & loaded


def test_every_worker_has_a_description_so_textual_never_reprs_its_arguments():
    """Without ``description=``, Textual's @work builds one from repr() of every argument at
    each call: the rows worker's are the 10,000-session catalog and the filter's texts, so
    each filter key waited ~250 ms before its worker even started."""
    import re
    from pathlib import Path

    package = Path(snaptui.__file__).parent
    bare = [f"{p.relative_to(package)}:{s[: m.start()].count(chr(10)) + 1}" for p in sorted(package.rglob("*.py"))
            for s in [p.read_text()] for m in re.finditer(r"@work\([^)]*\)", s) if "description=" not in m.group(0)]
    assert bare == []


def test_reading_the_store_for_list_json_loads_none_of_what_the_snapshots_path_avoids(tmp_path):
    """``list --json``'s store helper (forked from the process that read no typing, re or
    json) reads every kind of store session with snaptui's own modules alone: what it
    imports costs the helper's first milliseconds, on cores the snapshot readers fill."""
    import os

    import opendev_fixtures as fx

    project = str(tmp_path / "proj")
    os.makedirs(project)
    root = tmp_path / "opendev"
    for i, kind in enumerate((fx.finished, fx.died_mid_turn, fx.stopped_with_error, fx.first_turn_never_ended)):
        kind(root, project, sid=f"kind{i:08d}")
    code = (
        "import sys\nfrom snaptui.cli.main import main\nimport snaptui.catalog.answer\n"
        "from snaptui.base.fastjson import preload\npreload()\nbefore = set(sys.modules)\n"
        "from snaptui.catalog.withstore import store_read\n"
        f"_, _, items = store_read(({str(root)!r},), None)\n"
        "print(sum(1 for it in items if not it[2]), len(items))\n"
        "print(' '.join(sorted({m.split('.')[0] for m in set(sys.modules) - before})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    counts, loaded = out.splitlines()
    assert counts == "3 4"
    assert set(loaded.split()) == {"snaptui"}
