"""Shim for ``srzoo degradations``: a grid of GT | degraded LQ (``srzoo degradations --help``)."""

from srzoo.cli import tool_main

if __name__ == "__main__":
    raise SystemExit(tool_main("degradations"))
