"""The baseline: a bare Flask app doing the least a county landing page must do.

ONE indexed query (``tenants.slug`` has a unique index) through SQLAlchemy core on the same
database as Jifen, then ONE small Jinja template. No plugins, sessions, CSRF, i18n or headers.
Served by gunicorn as ``bench.bare_app:app``; reads ``DATABASE_URL`` like Jifen does.
"""

from __future__ import annotations

import os

from flask import Flask, abort, render_template
from sqlalchemy import column, create_engine, select, table

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
tenants = table("tenants", column("slug"), column("name_zh"))


@app.get("/<slug>/")
def landing(slug: str):
    with engine.connect() as conn:
        row = conn.execute(select(tenants.c.slug, tenants.c.name_zh).where(tenants.c.slug == slug)).first()
    if row is None:
        abort(404)
    return render_template("bare.html", tenant=row)
