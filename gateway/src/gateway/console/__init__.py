"""The web console: server-rendered pages (Jinja2 + htmx) behind OpenID Connect login."""
