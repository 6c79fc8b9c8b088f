"""snaptui: a terminal UI to recover interrupted opendev coding-agent sessions.

The package is split so that the startup path stays cheap: nothing imported by
``snaptui.cli`` at module level pulls in Textual or pydantic.
"""

__version__ = "0.1.0"
