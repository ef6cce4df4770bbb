"""The synthetic school year has the shape the report describes, and is reproducible."""

from collections import Counter
from datetime import date, datetime

from measure.common.useragent import classify
from measure.demo.generate import DemoProject, hits

PROJECT = DemoProject(site_id="920001", uais=["0920001B", "0750655E"], people=120)


def _sample(first: date, last: date) -> list[dict]:
    return list(hits(PROJECT, first, last))


def test_the_same_arguments_give_the_same_hits_and_unique_event_ids():
    a = _sample(date(2025, 10, 6), date(2025, 10, 12))
    assert a == _sample(date(2025, 10, 6), date(2025, 10, 12))
    assert len({h["event_id"] for h in a}) == len(a) > 100


def test_the_evening_peaks_and_the_night_is_quiet():
    by_hour = Counter(
        datetime.fromisoformat(h["ts"]).hour for h in _sample(date(2025, 11, 3), date(2025, 11, 30))
    )
    peak = max(by_hour, key=by_hour.__getitem__)
    assert 18 <= peak <= 20
    assert by_hour[3] < by_hour[19] / 20


def test_september_ramps_up_to_october_and_holidays_are_low():
    september = len(_sample(date(2025, 9, 1), date(2025, 9, 14)))
    october = len(_sample(date(2025, 10, 6), date(2025, 10, 19)))
    christmas = len(_sample(date(2025, 12, 22), date(2026, 1, 4)))
    assert september < 0.8 * october
    assert christmas < 0.4 * october


def test_profiles_and_devices_mix():
    sample = _sample(date(2025, 10, 6), date(2025, 10, 19))
    profiles = Counter(h["profile"] for h in sample)
    assert profiles.most_common(1)[0][0] == "1"  # pupils first
    devices = Counter(classify(h["user_agent"]).device for h in sample)
    assert devices["mobile"] / len(sample) >= 0.10
    oses = Counter(classify(h["user_agent"]).os for h in sample)
    assert oses.most_common(1)[0][0] == "windows"
