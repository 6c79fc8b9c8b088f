"""Play opendev sessions into a store the way opendev 0.1.8 writes them (OPENDEV_STORE.md).

``snaptui demo`` writes a small store with it, and the tests build every
store they read with it. Byte-for-byte conventions, each from the document:

- ``{id}.json``: pretty JSON, 2-space indent, keys in ``Session`` struct order,
  ``working_directory``/``parent_id``/… omitted when None, ``"messages": []``
  (§1 table, §2). A title is generated only in the written JSON when none was
  set: the first user message, trimmed, cut at the last space before 60 bytes
  plus ``...`` (§2.1).
- ``{id}.jsonl``: one compact ``ChatMessage`` per line, keys in struct order,
  ``\\n``-terminated, rewritten whole at every turn end; every converted
  message and tool call is stamped with the save time, only the prompt keeps
  its submit time (§3).
- ``{id}.debug``: appended live, compact JSON with sorted keys
  ``component, data, elapsed_ms, event, ts``; ``llm_request.data.payload`` is
  the OpenAI-style request, ``llm_response.data`` has ``body``,
  ``input_tokens``, ``output_tokens`` (§4).
- Timestamps ``+00:00`` with 9 fraction digits (§2.3); folder names encode
  ``/`` as ``-``; the ``OPENDEV_PROJECT_PATH`` marker has no trailing newline (§1).

:class:`Sim` plays a session: ``turn()`` appends what a turn logs and saves
(or, for ``end="crash"``/``"crash_waiting"``/``"error"``, does not save) it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

T0_NS = 1_777_021_960_518_273_114  # 2026-04-24T09:12:40.518273114+00:00
DIRECTIVE = "<system-reminder>\nFile not found. Do NOT guess the path.\n</system-reminder>"
STEP_NS = 1_500_000_007  # a model call or a tool run: 1.5 s, with odd nanoseconds to keep all nine digits busy


def ts(ns: int) -> str:
    """chrono's ``to_rfc3339()``: ``+00:00`` and (here) nine fraction digits."""
    seconds, frac = divmod(ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{frac:09d}+00:00"


def ms(ns: int) -> int:
    return ns // 1_000_000


def compact(obj: object, *, sort: bool = False) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=sort)


def pretty(obj: object) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False)


def encode(project_dir: str) -> str:
    """``encode_project_path`` for an existing-or-not path: canonical, ``/`` -> ``-``."""
    return os.path.realpath(project_dir).replace("/", "-")


def project_folder(root: Path, project_dir: str, marker: str | bytes | None = "") -> Path:
    """``{root}/projects/<encoded>/`` with its marker (``""``: the project path itself; None: no marker)."""
    folder = root / "projects" / encode(project_dir)
    folder.mkdir(parents=True, exist_ok=True)
    if marker is not None:
        content = project_dir if marker == "" else marker
        (folder / "OPENDEV_PROJECT_PATH").write_bytes(content if isinstance(content, bytes) else content.encode())
    return folder


def generated_title(first_prompt: str) -> str:
    """``titles.rs``: trimmed; over 60 bytes it is cut at the last space and gets ``...``."""
    text = first_prompt.strip()
    if len(text.encode()) <= 60:
        return text
    cut = text.encode()[:60].decode(errors="ignore")
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    return cut + "..."


@dataclass
class Call:
    """A tool call the model makes: its result, or its error (without the ``Error: `` prefix)."""

    name: str
    args: dict[str, object]
    result: str | None = "ok"
    error: str | None = None


@dataclass
class Sim:
    """One opendev session being played into a project folder."""

    folder: Path
    sid: str
    now_ns: int = T0_NS
    title: str | None = None
    component: str = "react"
    working_directory: str | None = None
    parent_id: str | None = None
    subagent_type: str | None = None
    system_prompt: str = "You are opendev, a coding agent."
    model: str = "gpt-4.1"
    created_ns: int | None = None
    saved: list[dict[str, object]] = field(default_factory=list)
    conversation: list[dict[str, object]] = field(default_factory=list)
    file_changes: list[dict[str, object]] = field(default_factory=list)
    iteration: int = 0
    calls_made: int = 0
    debug: bool = True
    """False: this session logs nothing of its own (a subagent logs into its parent's file)."""
    events: list[tuple[str, str, int]] = field(default_factory=list)
    """``(event, component, ns)`` of every entry logged into this file, for the tests' expectations."""
    saves: list[int] = field(default_factory=list)
    """When each save happened (the transcript's newest stamp)."""

    def __post_init__(self) -> None:
        self.created_ns = self.created_ns or self.now_ns
        self.conversation.append({"content": self.system_prompt, "role": "system"})
        if self.component == "subagent" or self.parent_id is not None:
            self.saved.append(self._message("system", self.system_prompt, self.now_ns))

    # -- the files -------------------------------------------------------------

    @property
    def json_path(self) -> Path:
        return self.folder / f"{self.sid}.json"

    @property
    def jsonl_path(self) -> Path:
        return self.folder / f"{self.sid}.jsonl"

    @property
    def debug_path(self) -> Path:
        return self.folder / f"{self.sid}.debug"

    def tick(self, ns: int = STEP_NS) -> int:
        self.now_ns += ns
        return self.now_ns

    def log(self, event: str, data: dict[str, object], *, component: str | None = None) -> None:
        if not self.debug:
            return
        self.events.append((event, component or self.component, self.now_ns))
        entry = {"component": component or self.component, "data": data,
                 "elapsed_ms": (self.now_ns - (self.created_ns or self.now_ns)) // 1_000_000,
                 "event": event, "ts": ts(self.now_ns)}
        with self.debug_path.open("a", encoding="utf-8") as f:
            f.write(compact(entry, sort=True) + "\n")

    def save(self) -> None:
        """``save_session``: the .json (generated title if none), then the .jsonl, each whole."""
        metadata: dict[str, object] = {}
        if self.subagent_type:
            metadata["subagent_type"] = self.subagent_type
        prompts = [m["content"] for m in self.saved if m["role"] == "user" and not m["metadata"]]
        title = self.title or (generated_title(str(prompts[0])) if prompts else None)
        if title is not None:
            metadata["title"] = title
        doc: dict[str, object] = {"id": self.sid, "created_at": ts(self.created_ns or 0),
                                  "updated_at": ts(self.now_ns), "messages": [], "context_files": []}
        if self.working_directory is not None:
            doc["working_directory"] = self.working_directory
        doc |= {"metadata": metadata, "file_changes": self.file_changes, "channel": "cli", "chat_type": "direct",
                "channel_user_id": "", "delivery_context": {}, "workspace_confirmed": False}
        if self.parent_id is not None:
            doc["parent_id"] = self.parent_id
        doc["subagent_sessions"] = {}
        self.saves.append(self.now_ns)
        self.json_path.write_text(pretty(doc), encoding="utf-8")
        self.jsonl_path.write_text("".join(compact(m) + "\n" for m in self.saved), encoding="utf-8")

    # -- a turn ----------------------------------------------------------------

    @staticmethod
    def _message(role: str, content: str, at_ns: int, metadata: dict[str, object] | None = None,
                 calls: list[dict[str, object]] | None = None) -> dict[str, object]:
        return {"role": role, "content": content, "timestamp": ts(at_ns), "metadata": metadata or {},
                "tool_calls": calls or []}

    def turn(self, prompt: str | list[dict[str, str]], steps: list[list[Call]] | None = None, *,
             reply: str = "Done.", end: str = "done", error: str = "HTTP 529: overloaded",
             directive_after_step: int | None = None, subagent_run: Sim | None = None) -> None:
        """One turn: the prompt, one model call per step (its calls run), then the reply.

        ``end``: ``"done"`` saves; ``"crash"`` stops right after the model
        asked for the last step's calls (they never ran; with no steps, after
        the reply, before the save); ``"crash_waiting"`` stops after the steps
        ran, waiting for the model; ``"error"`` ends there with an ``llm_error``.
        ``subagent_run`` logs a subagent's request and
        response into this file while the first step's calls run.
        """
        steps = steps or []
        submit_ns = self.tick()
        self.conversation.append({"content": prompt, "role": "user"})
        text = prompt if isinstance(prompt, str) else "\n".join(p["text"] for p in prompt)
        done: list[list[tuple[str, Call]]] = []
        for i, step in enumerate(steps):
            self.request()
            ids = self.respond("", step)
            if end == "crash" and i == len(steps) - 1:
                return
            if subagent_run is not None and i == 0:
                subagent_run.request(component="subagent", into=self)
                subagent_run.respond("found it", [], component="subagent", into=self)
            for call_id, call in zip(ids, step, strict=True):
                self.tick()
                out = f"Error: {call.error}" if call.error is not None else call.result
                self.conversation.append({"content": out, "role": "tool", "tool_call_id": call_id})
            done.append(list(zip(ids, step, strict=True)))
            if directive_after_step == i:
                self.conversation.append({"content": DIRECTIVE, "role": "user"})
        self.request()
        if end == "crash_waiting":
            return
        if end == "error":
            self.tick()
            self.log("llm_error", {"error": error, "iteration": self.iteration})
            return
        self.respond(reply, [])
        if end == "crash":
            return
        self._save_turn(text, submit_ns, done, reply, directive_after_step)

    def _save_turn(self, prompt: str, submit_ns: int, done: list[list[tuple[str, Call]]], reply: str,
                   directive_after_step: int | None) -> None:
        save_ns = self.tick()
        self.saved.append(self._message("user", prompt, submit_ns))
        for i, pairs in enumerate(done):
            calls = []
            for call_id, call in pairs:
                tc: dict[str, object] = {"id": call_id, "name": call.name, "parameters": call.args}
                if call.error is None:
                    tc["result"] = call.result
                tc |= {"timestamp": ts(save_ns), "approved": True}
                if call.error is not None:
                    tc["error"] = call.error
                tc["nested_tool_calls"] = []
                calls.append(tc)
                if call.name in ("Edit", "Write", "multi_edit"):
                    self._file_change(str(call.args.get("file_path")), save_ns)
            self.saved.append(self._message("assistant", "", save_ns, calls=calls))
            if directive_after_step == i:
                self.saved.append(self._message("user", DIRECTIVE, save_ns, {"_msg_class": "directive"}))
        self.saved.append(self._message("assistant", reply, save_ns))
        self.save()

    def _file_change(self, path: str, at_ns: int) -> None:
        self.file_changes.append({"id": f"{len(self.file_changes):08x}", "type": "modified", "file_path": path,
                                  "timestamp": ts(at_ns), "lines_added": 1, "lines_removed": 1,
                                  "session_id": self.sid})

    def request(self, *, component: str | None = None, into: Sim | None = None) -> None:
        target = into or self
        self.iteration += 1
        target.tick()
        payload = {"messages": list(self.conversation), "model": self.model, "tool_choice": "auto",
                   "tools": [{"function": {"description": "Edit a file", "name": "Edit",
                                           "parameters": {"type": "object"}}, "type": "function"}]}
        target.log("llm_request", {"iteration": self.iteration, "model": self.model, "payload": payload,
                                   "streaming": True}, component=component)

    def respond(self, text: str, step: list[Call], *, component: str | None = None,
                into: Sim | None = None) -> list[str]:
        target = into or self
        target.tick()
        ids = []
        tool_calls = []
        for call in step:
            self.calls_made += 1
            call_id = f"call_{self.calls_made:02d}"
            ids.append(call_id)
            tool_calls.append({"function": {"arguments": compact(call.args), "name": call.name},
                               "id": call_id, "type": "function"})
        message: dict[str, object] = {"content": text, "role": "assistant"}
        if tool_calls:
            message["tool_calls"] = tool_calls
        body = {"choices": [{"finish_reason": "tool_calls" if tool_calls else "stop", "index": 0,
                             "message": message}],
                "id": f"chatcmpl-{self.iteration}", "model": self.model, "object": "chat.completion",
                "usage": {"completion_tokens": 40 + self.iteration, "prompt_tokens": 1000 * self.iteration,
                          "total_tokens": 1000 * self.iteration + 40 + self.iteration}}
        target.log("llm_response", {"body": body, "input_tokens": 1000 * self.iteration, "iteration": self.iteration,
                                    "latency_ms": 1400, "output_tokens": 40 + self.iteration}, component=component)
        self.conversation.append(message)
        return ids


    def lost_requests(self) -> list[int]:
        """When each main-agent request of the unsaved turn was logged."""
        since = self.saves[-1] if self.saves else 0
        return [ns for ev, comp, ns in self.events if ev == "llm_request" and comp != "subagent" and ns > since]


def new_session(root: Path, project_dir: str, sid: str = "3f9a0c1b7e42", **kw: object) -> Sim:
    return Sim(project_folder(root, project_dir), sid, **kw)  # type: ignore[arg-type]
