"""srzoo discriminators."""
