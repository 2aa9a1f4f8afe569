"""srzoo losses."""
