"""Chinese product search: analysis (jieba words, pinyin, synonyms), the search document kept
per product, the engine (PostgreSQL full-text search, or the same rules in Python on SQLite),
facets, suggestions and the search log. See docs/search.md."""
