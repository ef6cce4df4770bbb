"""Test helpers for services: token minting, migrated databases with per-test rollback."""
