"""The core knows nothing of Textual; the startup path does not even load pydantic.

Each check runs in a fresh interpreter and looks at ``sys.modules``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "snaptui.format.reader", "snaptui.format.writer", "snaptui.format.model", "snaptui.catalog.scan", "snaptui.catalog.index", "snaptui.actions.trash",
    "snaptui.present.table", "snaptui.catalog.jsonlist", "snaptui.present.viewmodel", "snaptui.present.humanfmt", "snaptui.present.safetext",
    "snaptui.cli.check", "snaptui.settings.config", "snaptui.settings.paths", "snaptui.actions.resume", "snaptui.actions.handoff", "snaptui.actions.shell",
    "snaptui.catalog.seen", "snaptui.catalog.liveness", "snaptui.sources.transcript", "snaptui.actions.demo", "snaptui.cli.main",
    "snaptui.sources.opendev", "snaptui.sources.opendev_roots",
]


def loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("module", CORE)
def test_core_modules_do_not_import_textual(module):
    assert not {"textual", "rich"} & loaded_after(f"import {module}")


def test_scanning_and_listing_do_not_import_textual_or_pydantic(fixture_dir):
    code = (
        "from snaptui.catalog.scan import scan\nfrom snaptui.catalog.jsonlist import json_output\nfrom snaptui.present.table import table\n"
        f"r = scan({str(fixture_dir)!r})\njson_output({str(fixture_dir)!r}, None, everything=True)\n"
        "table(r, everything=True)\n"
    )
    assert not {"textual", "rich", "pydantic"} & loaded_after(code)


def test_the_model_is_pydantic_and_still_no_textual():
    loaded = loaded_after("from snaptui.format.model import Snapshot; Snapshot.new('x', '/p')")
    assert "pydantic" in loaded and "textual" not in loaded
