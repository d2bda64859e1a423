"""The platform tests' own Dash Pages app (DASH_APP=fixture_app.app:app, with tests/ on sys.path).

Ordinary Dash, as a user writes it, and small: a page with a graph and global callbacks, a page
with a path template, a redirect_from, a 404 page, a favicon and a stylesheet. The platform's tests
never use the example in src/, which the user replaces.
"""
