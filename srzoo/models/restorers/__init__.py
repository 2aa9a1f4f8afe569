"""srzoo restorers."""
