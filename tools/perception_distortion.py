"""Shim for ``srzoo pd`` (perception-distortion table and plot; ``srzoo pd --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("pd"))
