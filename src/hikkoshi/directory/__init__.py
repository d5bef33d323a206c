"""Directory (事業者情報): the organisations a mover deals with and where they serve.

Owns ``Organisation`` (city hall and ward offices, electricity, gas, water, newspaper, telephone,
post: name and kana, where its data came from and when it was checked, its receipt keys),
its ``Contact``s, its ``ServiceArea``s (municipality codes, postal-code ranges, or both) and
``DirectoryRevision`` (tells every web process its memo is stale). ``selectors`` is the search
(事業者情報検索); ``transfer`` imports and exports the directory as CSV or JSON.
"""
