"""The browser tests skip locally without their tools, but fail in CI."""

import pytest

from talks.tests import browser


def test_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match="chromium is missing: apt-get"):
        browser.require(False, "chromium", "apt-get install chromium")


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_missing_tool_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)

    with pytest.raises(pytest.fail.Exception, match="CI must install it"):
        browser.require(False, "chromium", "apt-get install chromium")


def test_present_tool_neither_skips_nor_fails(monkeypatch):
    monkeypatch.setenv("CI", "true")

    assert browser.require(True, "chromium", "apt-get install chromium") is None
