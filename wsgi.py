"""WSGI entry point for gunicorn: ``gunicorn wsgi:app`` (configuration from the environment)."""

from jifen.app import create_app

app = create_app()
