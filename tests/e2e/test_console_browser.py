"""Runs the browser suite (tests/browser, node's test runner + playwright-core driving Debian's
chromium) against the platform started by the e2e fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from e2e_support import ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no chromium at {CHROMIUM}: `apt-get install -y chromium` (.ci/run installs it)",
)
def test_console_in_a_real_browser(stack):
    assert shutil.which("node"), "node is needed for the browser tests"
    out = ROOT / "test-output" / "browser"
    env = {
        **os.environ,
        "GIP_CONSOLE_BASE_URL": stack.gateway_url,
        "GIP_IDP_URL": stack.idp_url,
        "GIP_BROWSER_OUTPUT": str(out),
        "CHROMIUM_PATH": CHROMIUM,
    }
    run = subprocess.run(
        ["node", "--test", "--test-reporter=spec", "tests/browser/"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    print(run.stdout[-6000:])
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-3000:]
    for name in (
        "admin-dashboard",
        "hds-admin-subscriptions",
        "hds-admin-notes",
        "hds-admin-invoices",
        "hds-admin-clients",
        "hds-admin-client-secret",
        "hds-admin-users",
        "hds-admin-contribution",
        "hds-viewer-contribution",
        "admin-members",
        "admin-import",
        "admin-project",
        "admin-allocation-draft",
        "admin-what-if",
        "admin-issued",
        "admin-catalogue",
        "admin-invoices",
        "admin-invoice-paid",
        "admin-open-data",
        "admin-contribution",
        "phone-hds-admin-subscriptions",
        "phone-hds-admin-invoices",
        "phone-hds-admin-notes",
        "phone-hds-admin-clients",
        "phone-hds-admin-contribution",
        "phone-admin-members",
        "phone-admin-allocations",
    ):
        assert (out / f"{name}.png").exists(), name
