"""The chassis as reports serves it: health, readiness over its peers, metrics, errors, request
ids (the tests are gipkit's, run against this service's app)."""

from gipkit.testing.chassis import *  # noqa: F403

SERVICE = "reports"
