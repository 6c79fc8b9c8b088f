"""The demo's opendev session store: a few sessions played as opendev writes them.

Beside the demo recovery directory (``<demo>/opendev``), so that ``snaptui
demo`` shows both sources: a session that died right after the model asked
for an edit and a test run, one whose model call failed, one whose project
directory is gone (opendev would delete it at its next start), and a
finished one.

The first died while its edits ran: the login form and its test were
edited (opendev's checkpoints hold both as they were before the turn), so
``D`` shows a real diff and ``B`` can roll it back. The files' times are
the session's own, so the demo reads the same whenever it is written.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from snaptui.actions.opendev_sim import Call, Sim, project_folder
from snaptui.actions.relocate import DEMO_MARKER
from snaptui.sources.checkpoints import path_hash

MARKER = DEMO_MARKER
MIN_NS = 60_000_000_000
FORM = "src/components/LoginForm.tsx"
FORM_TEST = "src/components/LoginForm.test.tsx"


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

    read = Call("Read", {"file_path": FORM}, result="1\timport { useState } from \"react\";")
    died = session("storefront", "7c1e9a40d2b3", 14)
    died.turn("Add a 'remember me' checkbox to the login form", [[read]], reply="Added, with a test.")
    died.turn("Also keep the email address when the password is wrong",
              [[read], [Call("Edit", {"file_path": FORM, "old_string": "a", "new_string": "b"}),
                        Call("Edit", {"file_path": FORM_TEST, "old_string": "a", "new_string": "b"}),
                        Call("Bash", {"command": "npm test -- LoginForm"})]], end="crash")
    _edited_then_died(died, store, os.path.join(projects, "storefront"))

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


def _edited_then_died(sim: Sim, store: Path, project: str) -> None:
    """The lost turn's edits, as opendev makes them: each file copied to
    ``{data}/file-history/{session_id}/{path_hash}@v1`` (through a temp file, mode
    kept, written then), then changed. No manifest: it is written only when a turn
    ends, and the first turn edited nothing. A file the demo did not write is left
    alone (then the demo shows no diff for it)."""
    checkpoints = store / "file-history" / sim.sid
    copied_ns = sim.now_ns + 400_000_000  # the tools ran right after the model asked for them
    for i, (rel, before, after) in enumerate(((FORM, _FORM_BEFORE, _FORM_AFTER),
                                               (FORM_TEST, _TEST_BEFORE, _TEST_AFTER))):
        path = Path(project, rel)
        if path.exists() and path.read_bytes() not in (before, after):
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(before)
        os.utime(path, ns=(sim.now_ns - 20 * MIN_NS, sim.now_ns - 20 * MIN_NS))  # from the turn before
        checkpoints.mkdir(parents=True, exist_ok=True)
        when = copied_ns + i * 900_000_000
        temp = checkpoints / f".{sim.sid}-{i}.tmp"
        shutil.copyfile(path, temp)
        shutil.copymode(path, temp)
        os.utime(temp, ns=(when, when))
        temp.rename(checkpoints / f"{path_hash(os.path.join(project, rel))}@v1")
        path.write_bytes(after)
        os.utime(path, ns=(when + 100_000_000, when + 100_000_000))


_FORM_BEFORE = b"""import { useState } from "react";
import { signIn } from "../api/auth";

export function LoginForm({ onSuccess }: { onSuccess: () => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    try {
      await signIn(email, password, { remember });
      onSuccess();
    } catch {
      setError("Wrong email or password");
      setEmail("");
      setPassword("");
    }
  }

  return (
    <form onSubmit={submit}>
      <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      <label>
        <input type="checkbox" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
        Remember me
      </label>
      {error && <p role="alert">{error}</p>}
      <button type="submit">Sign in</button>
    </form>
  );
}
"""
_FORM_AFTER = (_FORM_BEFORE
               .replace(b'import { useState } from "react";', b'import { useRef, useState } from "react";')
               .replace(b"  const [error, setError] = useState<string | null>(null);\n",
                        b"  const [error, setError] = useState<string | null>(null);\n"
                        b"  const passwordInput = useRef<HTMLInputElement>(null);\n")
               .replace(b'      setEmail("");\n      setPassword("");\n',
                        b'      setPassword("");\n      passwordInput.current?.focus();\n')
               .replace(b'<input type="password" value={password}',
                        b'<input ref={passwordInput} type="password" value={password}'))

_TEST_BEFORE = b"""import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { LoginForm } from "./LoginForm";

test("remember me is off by default", () => {
  render(<LoginForm onSuccess={() => {}} />);
  expect(screen.getByLabelText("Remember me")).not.toBeChecked();
});
"""
_TEST_AFTER = _TEST_BEFORE + b"""
test("a wrong password keeps the email", async () => {
  render(<LoginForm onSuccess={() => {}} />);
  await userEvent.type(screen.getByRole("textbox"), "ann@example.com");
  await userEvent.click(screen.getByText("Sign in"));
  expect(await screen.findByRole("alert")).toHaveTextContent("Wrong email or password");
  expect(screen.getByRole("textbox")).toHaveValue("ann@example.com");
});
"""
