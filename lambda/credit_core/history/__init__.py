"""Client history: the six Kaggle history tables and the per-client features built from them.

``tables`` (file names, columns, dtypes), ``layout`` (checks a folder's files and headers) and
``definitions`` (the features: names, meanings, units, the SQL, its digest, the "no history"
values) are pure Python. ``engine`` runs the SQL with DuckDB and ``dialects`` translates it with
sqlglot; both import their engine lazily, so the scoring Lambda, which only reads precomputed
features from a store, imports neither.
"""
