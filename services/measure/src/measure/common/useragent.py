"""User-agent → device class, OS family, browser family (ua-parser). The raw string is
dropped right after."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ua_parser import parse

TABLETS = ("ipad", "tablet", "kindle", "nexus 7", "nexus 9", "nexus 10", "sm-t", "galaxy tab")
_OS = {
    "windows": "windows",
    "mac os x": "macos",
    "macos": "macos",
    "ios": "ios",
    "ipados": "ios",
    "android": "android",
    "linux": "linux",
    "ubuntu": "linux",
    "debian": "linux",
    "fedora": "linux",
    "chrome os": "chromeos",
    "chromeos": "chromeos",
}


@dataclass(frozen=True)
class Client:
    device: str
    os: str
    browser: str


UNKNOWN = Client(device="other", os="unknown", browser="unknown")


def _os_family(family: str) -> str:
    lowered = family.lower()
    if lowered.startswith("windows"):
        return "windows"
    return _OS.get(lowered, "other" if lowered and lowered != "other" else "unknown")


@lru_cache(maxsize=8192)
def classify(user_agent: str | None) -> Client:
    if not user_agent:
        return UNKNOWN
    result = parse(user_agent)
    os_family = _os_family(result.os.family if result.os else "")
    lowered = user_agent.lower()
    device_family = (result.device.family if result.device else "").lower()
    if any(t in lowered or t in device_family for t in TABLETS) or (
        os_family == "android" and "mobile" not in lowered
    ):
        device = "tablet"
    elif "mobi" in lowered or device_family in ("iphone", "ipod") or os_family == "ios":
        device = "mobile"
    elif os_family in ("windows", "macos", "linux", "chromeos"):
        device = "desktop"
    else:
        device = "other"
    browser = (result.user_agent.family if result.user_agent else "") or "unknown"
    return Client(device=device, os=os_family, browser=browser[:40])
