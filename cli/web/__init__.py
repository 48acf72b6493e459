"""`story serve`: the archive as a web service (HTML pages, a JSON API, Memento, Atom).

Starlette, Jinja2 and uvicorn are imported only here, so `story --help` never pays for them.
"""
