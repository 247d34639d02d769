"""RQ job functions: top-level, importable by dotted path, plain JSON arguments."""
