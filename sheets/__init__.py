"""Reading and writing spreadsheets (CSV, XLSX) safely, for every app.

Not a Django app: a small library the apps share, as ``oscar.core`` is Oscar's. ``reader`` reads
uploads within bounds (size, rows, cell length, an XLSX's uncompressed size) before any value is
decoded; ``writer`` writes every export the store makes, with formula-leading text neutralised.
"""
