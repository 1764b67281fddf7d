"""The sinks, one per file: each opens on a path and yields a `Sink` (see `export.sink`)."""
