"""Shell integration: ``snaptui init bash|zsh|fish`` and quoting for each shell.

The snippet defines a ``snaptui`` shell function. It runs snaptui with
``SNAPTUI_HANDOFF`` naming a private temp file (from ``mktemp``, mode 0600):
when the person resumes a session, snaptui writes the command there, quoted
for that shell, instead of running it. The function then adds it to history and
evaluates it, so the shell itself changes directory and runs the agent. The
answer never mixes with what the TUI draws. On an interactive start the
snippet runs ``snaptui check --startup`` once, at the first prompt (after the
rest of the rc file), and, when it says so, ``snaptui --startup`` (which opens
the TUI unless another one is open). Without a temp file (a ``TMPDIR`` that
cannot be written) the function runs snaptui as it is. It also
registers tab completion for the function: each shell's completion function
asks ``snaptui __complete`` (:mod:`snaptui.cli.complete`), so completion is
made from the same spec as the parser. Sourcing the snippet twice redefines
the functions and checks only once.
"""

from __future__ import annotations

import os
import sys

from snaptui.base.shellwords import quote

SHELLS = ("bash", "zsh", "fish")


def command_line(cwd: str, argv: list[str], shell: str) -> str:
    """``cd DIR && ARGV...`` for ``shell``, every word quoted."""
    target = cwd if cwd.startswith("/") else "./" + cwd  # never an option to cd
    return f"cd {quote(target, shell)} && " + " ".join(quote(a, shell) for a in argv)


def _self_command() -> list[str]:
    """How this snaptui was started, to call it back from the snippet."""
    script = sys.argv[0] if sys.argv and sys.argv[0] else ""
    if script and os.path.basename(script) != "__main__.py" and os.path.exists(script):
        return [os.path.abspath(script)]
    return [sys.executable, "-m", "snaptui"]


_POSIX = r"""# snaptui shell integration for {shell}. Add to ~/.{rc}:
#   eval "$(snaptui init {shell})"
snaptui() {{
    local __snaptui_file __snaptui_status __snaptui_cmd
    if ! __snaptui_file=$(mktemp "${{TMPDIR:-/tmp}}/snaptui.XXXXXXXXXX" 2>/dev/null); then
        {exe} "$@"  # no temp file to hand a command back through: snaptui runs it itself
        return
    fi
    SNAPTUI_HANDOFF="$__snaptui_file" SNAPTUI_SHELL={shell} {exe} "$@"
    __snaptui_status=$?
    __snaptui_cmd=$(cat -- "$__snaptui_file" 2>/dev/null)
    if [ -n "$__snaptui_cmd" ]; then
        {history}
        command rm -f -- "$__snaptui_file"
        eval "$__snaptui_cmd"
        return
    fi
    command rm -f -- "$__snaptui_file"
    return $__snaptui_status
}}
{completion}
__snaptui_startup() {{
    {unhook}
    [ -z "${{__snaptui_checked-}}" ] || return 0  # once per shell, whatever else edits the hooks
    __snaptui_checked=1
    if {interactive} && [ -t 0 ] && [ -t 1 ] && [ "${{SNAPTUI_DISABLE-}}" != 1 ]; then
        if {exe} check --startup; then
            snaptui --startup
        fi
    fi
}}
if [ -z "${{__snaptui_started-}}" ]; then
    __snaptui_started=1
    # At the first prompt, once the rest of the rc file has run: a session resumed from the
    # startup TUI gets the environment, aliases and history the shell ends up with.
    {hook}
fi
"""

_FISH = r"""# snaptui shell integration for fish. Add to ~/.config/fish/config.fish:
#   snaptui init fish | source
function snaptui --description 'Recover interrupted opendev sessions'
    set -l __snaptui_tmp /tmp
    set -q TMPDIR; and set __snaptui_tmp $TMPDIR
    set -l __snaptui_file (mktemp $__snaptui_tmp/snaptui.XXXXXXXXXX 2>/dev/null)
    if test -z "$__snaptui_file"
        {exe} $argv  # no temp file to hand a command back through: snaptui runs it itself
        return
    end
    SNAPTUI_HANDOFF=$__snaptui_file SNAPTUI_SHELL=fish {exe} $argv
    set -l __snaptui_status $status
    set -l __snaptui_cmd (cat -- $__snaptui_file 2>/dev/null | string collect)
    command rm -f -- $__snaptui_file
    if test -n "$__snaptui_cmd"
        if test (string split -f1 -- . $version) -ge 4 2>/dev/null  # history append: fish 4.0
            builtin history append -- $__snaptui_cmd
        end
        eval $__snaptui_cmd
        return
    end
    return $__snaptui_status
end
function __snaptui_complete
    set -l __snaptui_tokens (commandline -opc)
    set -l __snaptui_cur (commandline -ct)
    set -l __snaptui_out ({exe} __complete fish -- $__snaptui_tokens[2..-1] "$__snaptui_cur" 2>/dev/null)
    switch "$__snaptui_out[1]"
        case dirs
            set -l __snaptui_opt (string match -r -- '^-[^=]*=' "$__snaptui_cur")
            set -l __snaptui_path (string replace -r -- '^-[^=]*=' '' "$__snaptui_cur")
            __fish_complete_directories "$__snaptui_path" | string replace -r -- '^' "$__snaptui_opt"
        case words
            printf '%s\n' $__snaptui_out[2..-1]
    end
end
complete -c snaptui -e
complete -c snaptui -f -k -a '(__snaptui_complete)'
if not set -q __snaptui_started
    set -g __snaptui_started 1
    # At the first prompt, not here: `snaptui init fish | source` runs this with a pipe as stdin.
    function __snaptui_startup --on-event fish_prompt
        functions -e __snaptui_startup
        if status is-interactive; and test -t 0; and test -t 1; and test "$SNAPTUI_DISABLE" != 1
            if {exe} check --startup
                snaptui --startup
            end
        end
    end
end
"""


_BASH_COMPLETION = r"""__snaptui_complete() {{
    local __snaptui_kind= __snaptui_line
    COMPREPLY=()
    while IFS= read -r __snaptui_line; do
        if [ -z "$__snaptui_kind" ]; then
            __snaptui_kind=$__snaptui_line
        else
            COMPREPLY+=("$__snaptui_line")
        fi
    done < <({exe} __complete bash -- "$COMP_WORDBREAKS" "${{COMP_LINE:0:COMP_POINT}}" 2>/dev/null)
    if [ "$__snaptui_kind" = dirs ]; then
        compopt -o dirnames 2>/dev/null
    fi
}}
complete -o nosort -F __snaptui_complete snaptui 2>/dev/null || complete -F __snaptui_complete snaptui"""

_ZSH_COMPLETION = r"""_snaptui() {{
    local -a __snaptui_out __snaptui_vals __snaptui_shown
    local __snaptui_line
    __snaptui_out=("${{(@f)$({exe} __complete zsh -- "${{(@Q)words[2,CURRENT-1]}}" "${{(Q)PREFIX}}" 2>/dev/null)}}")
    case ${{__snaptui_out[1]-}} in
        dirs)
            [[ $PREFIX == -*=* ]] && compset -P '*='
            _files -/ ;;
        words)
            for __snaptui_line in "${{(@)__snaptui_out[2,-1]}}"; do
                __snaptui_vals+=("${{__snaptui_line%%$'\t'*}}")
                __snaptui_shown+=("${{__snaptui_line/$'\t'/  -- }}")
            done
            (( ${{#__snaptui_vals}} )) && compadd -V snaptui -l -d __snaptui_shown -- "${{__snaptui_vals[@]}}" ;;
    esac
}}
if (( $+functions[compdef] )); then
    compdef _snaptui snaptui
else  # compinit comes later in ~/.zshrc: register at the first prompt
    __snaptui_compdef() {{
        (( $+functions[compdef] )) && compdef _snaptui snaptui
        precmd_functions=(${{precmd_functions:#__snaptui_compdef}})
    }}
    precmd_functions+=(__snaptui_compdef)
fi"""


def snippet(shell: str, *, directory: str | None = None) -> str:
    """The integration code for ``shell`` (with ``directory``: always that recovery directory)."""
    words = _self_command() + (["--dir", directory] if directory else [])
    exe = " ".join(quote(word, shell) for word in words)
    if shell == "fish":
        return _FISH.format(exe=exe)
    if shell == "zsh":
        return _POSIX.format(shell="zsh", rc="zshrc", exe=exe, history='print -rs -- "$__snaptui_cmd"',
                             interactive="[[ -o interactive ]]", completion=_ZSH_COMPLETION.format(exe=exe),
                             hook="precmd_functions+=(__snaptui_startup)",
                             unhook="precmd_functions=(${precmd_functions:#__snaptui_startup})")
    return _POSIX.format(shell="bash", rc="bashrc", exe=exe, history=_BASH_HISTORY,
                         interactive='[[ $- == *i* ]]', completion=_BASH_COMPLETION.format(exe=exe),
                         hook=_BASH_HOOK, unhook=_BASH_UNHOOK)


_BASH_HISTORY = r"""local __snaptui_typed
        __snaptui_typed=$(HISTTIMEFORMAT= builtin history 1 2>/dev/null)
        __snaptui_typed=${__snaptui_typed#*[0-9][ *] }
        # "history -s" replaces the last entry: only when that is this very "snaptui ..." line
        # (not a longer line it was part of, nor an older one: the startup check ran it, or
        # HISTCONTROL kept the typed line out, so the last entry does not hold its last word)
        if [[ " $* " == *" --startup "* ]]; then  # nothing was typed: appended, the last entry kept
            [[ $__snaptui_cmd == *$'\n'* ]] || builtin history -r -- "$__snaptui_file"  # (the command, one line)
        elif [[ $__snaptui_typed == snaptui* && $__snaptui_typed != *[\;\&\|$'\n']* \
              && ( $# -eq 0 && $__snaptui_typed == snaptui || $# -gt 0 && $__snaptui_typed == *"${!#}"* ) ]]; then
            builtin history -s -- "$__snaptui_cmd"
        fi"""

_BASH_HOOK = """if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
        PROMPT_COMMAND=(__snaptui_startup "${PROMPT_COMMAND[@]}")
    else
        PROMPT_COMMAND="__snaptui_startup${PROMPT_COMMAND:+;$PROMPT_COMMAND}"
    fi"""
"""bash runs ``PROMPT_COMMAND`` (a string, or from bash 5.1 an array) before each prompt
(``${var@a}``, its attributes, needs bash 4.4: 2016)."""
_BASH_UNHOOK = """if [[ ${PROMPT_COMMAND@a} == *a* ]]; then
        local __snaptui_i
        for __snaptui_i in "${!PROMPT_COMMAND[@]}"; do
            [[ ${PROMPT_COMMAND[__snaptui_i]} == __snaptui_startup ]] && unset "PROMPT_COMMAND[__snaptui_i]"
        done
    else  # wherever it is: a hook added after it ("direnv hook bash", last in the rc) goes before it
        PROMPT_COMMAND=${PROMPT_COMMAND//__snaptui_startup;/}
        PROMPT_COMMAND=${PROMPT_COMMAND//;__snaptui_startup/}
        [[ $PROMPT_COMMAND == __snaptui_startup ]] && PROMPT_COMMAND=
    fi"""
