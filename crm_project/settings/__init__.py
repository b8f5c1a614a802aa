"""Settings modules: `development` (default for manage.py), `production`, `test`.

Every value that differs between installations comes from the environment; see `.env.example`.
"""
