"""The adapters' mappings as data (one JSON file per adapter); a package so they ship with it."""
