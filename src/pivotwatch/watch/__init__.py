"""Watching: refresh the sources, re-assess the watched dyads, raise alerts by rules kept as
data, deliver them (docs/watch.md)."""
