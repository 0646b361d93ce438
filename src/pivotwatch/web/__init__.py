"""The web dashboard (`pivotwatch serve`): the same analysis functions, in a browser
(docs/web.md)."""
