"""The demo's opendev session store: a few sessions played as opendev writes them.

Beside the demo recovery directory (``<demo>/opendev``), so that ``snaptui
demo`` shows both sources: a session that died right after the model asked
for an edit and a test run, one whose model call failed, one whose project
directory is gone (opendev would delete it at its next start), and a
finished one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from snaptui.actions.opendev_sim import Call, Sim, project_folder

MARKER = ".snaptui-demo"
MIN_NS = 60_000_000_000


def store_dir(recovery: str) -> str:
    """Where the demo's store goes, beside its recovery directory."""
    return os.path.join(os.path.dirname(os.path.abspath(recovery)), "opendev")


def write_store(root: str, projects: str, now_ms: int) -> str:
    """(Re)write the demo store at ``root``, its projects under ``projects``; return ``root``.
    Refuses a non-empty directory that is not a previous demo."""
    if os.path.isdir(root) and os.listdir(root):
        if not os.path.exists(os.path.join(root, MARKER)):
            raise FileExistsError(f"{root} is not empty and not a snaptui demo store")
        shutil.rmtree(root)
    os.makedirs(root, exist_ok=True)
    Path(root, MARKER).write_bytes(b"written by snaptui demo\n")
    now_ns = now_ms * 1_000_000
    store = Path(root)

    def session(project: str, sid: str, ago_min: int, exists: bool = True) -> Sim:
        directory = os.path.join(projects, project)
        if exists:
            os.makedirs(directory, exist_ok=True)
        return Sim(project_folder(store, directory), sid, now_ns=now_ns - ago_min * MIN_NS)

    read = Call("Read", {"file_path": "src/components/LoginForm.tsx"}, result="1\texport function LoginForm() {")
    died = session("storefront", "7c1e9a40d2b3", 14)
    died.turn("Add a 'remember me' checkbox to the login form", [[read]], reply="Added, with a test.")
    died.turn("Also keep the email address when the password is wrong",
              [[read], [Call("Edit", {"file_path": "src/components/LoginForm.tsx", "old_string": "a",
                                      "new_string": "b"}),
                        Call("Bash", {"command": "npm test -- LoginForm"})]], end="crash")

    failed = session("billing-api", "e04b6f1d9a27", 95)
    failed.turn("Add cursor pagination to GET /v1/invoices", [[Call("Read", {"file_path": "api/invoices.py"})]],
                reply="Here is the plan.")
    failed.turn("Go ahead and implement it", [[Call("Edit", {"file_path": "api/invoices.py", "old_string": "x",
                                                              "new_string": "y"})]],
                end="error", error="HTTP 529: the model is overloaded, try again later")

    moved = session("old-prototype", "5ab0c3e8f1d6", 3 * 24 * 60, exists=False)
    moved.turn("Port the prototype to the new router", [[Call("Grep", {"pattern": "createRouter"})]], end="crash")

    done = session("design-tokens", "91d2e7b0c4a5", 26 * 60)
    done.turn("Rename the colour tokens to the new scheme", [[Call("Bash", {"command": "rg -l color-"})]],
              reply="Renamed 48 tokens in 12 files.")

    for sim in (died, failed, moved, done):  # as the session left them: written when it stopped
        for path in (sim.json_path, sim.jsonl_path, sim.debug_path):
            if path.exists():
                os.utime(path, ns=(sim.now_ns, sim.now_ns))
    return root
