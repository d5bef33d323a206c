"""Directory (事業者情報): the organisations a mover deals with and where they serve.

City hall and ward offices, electricity, city gas, water, newspaper, telephone, post: each with
name and kana, contacts, the area it serves (municipality codes, postal-code ranges, or both),
where its data came from and when it was last checked. ``selectors.organisations_for_place`` is
the search (事業者情報検索); ``transfer`` imports and exports the directory as CSV or JSON.
"""
