"""gipkit — the chassis shared by the gip-mesure services.

It never imports a service: services import it.
"""
