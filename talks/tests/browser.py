"""What the browser, accessibility and HTML-validity tests share.

The tools live outside Python: Debian's chromium, axe-core and the Nu Html
Checker from tools/node_modules (`npm ci --prefix tools`), and Java to run the
checker. `.ci/run` installs all of them. Locally a missing tool skips its tests
with a message saying how to install it; in CI (CI=true) a missing tool fails,
so a broken install step cannot pass as green.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

CHROMIUM = Path(os.environ.get("CONFNOTES_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# The fonts layouts are measured in (see the file): Debian's fonts-liberation.
FONTS_CONF = Path(__file__).with_name("fonts.conf")
PINNED_FONTS = ("Liberation Sans", "Liberation Mono")
NODE_MODULES = Path(settings.BASE_DIR) / "tools" / "node_modules"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCHEMES = ("light", "dark")

# Where screenshots go; CI keeps the folder as an artifact (see README.md).
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"

# axe-core's rule tags for WCAG 2.2 levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(available: bool, what: str, how: str) -> None:
    """Skip (locally) or fail (in CI) when a tool the test needs is missing."""
    if available:
        return
    message = f"{what} is missing: {how}"
    if in_ci():
        pytest.fail(f"{message} (CI must install it; see .ci/run)", pytrace=False)
    pytest.skip(message)


def require_chromium() -> None:
    require(
        CHROMIUM.exists(), f"chromium ({CHROMIUM})", "install it with `apt-get install chromium`"
    )
    for family in PINNED_FONTS:
        require(_font_installed(family), f"the font {family}", "apt-get install fonts-liberation")


def _font_installed(family: str) -> bool:
    if shutil.which("fc-list") is None:
        return False
    listed = subprocess.run(["fc-list", f":family={family}", "family"], capture_output=True)
    return bool(listed.stdout.strip())


def require_axe() -> None:
    require(AXE_JS.exists(), f"axe-core ({AXE_JS})", "run `npm ci --prefix tools`")


def require_vnu() -> str:
    """The path of `java`, once both Java and the Nu Html Checker are present."""
    java = shutil.which("java")
    require(java is not None, "java", "install a JRE, e.g. `apt-get install default-jre-headless`")
    require(VNU_JAR.exists(), f"the Nu Html Checker ({VNU_JAR})", "run `npm ci --prefix tools`")
    return java


def axe_violations(page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page, one readable line per failing node."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate() runs outside the page's Content Security Policy, which
        # would refuse an injected inline script.
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        f"{violation['id']} ({violation['impact']}): {node['target']} {node['failureSummary']}"
        for violation in result["violations"]
        for node in violation["nodes"]
    ]


def log_in_to_the_admin(page, username: str):
    """Make a superuser (Wren Penhallow) and log in as them through the admin's form."""
    from playwright.sync_api import expect

    from talks.tests.factories import make_user

    password = "harbour-lights-42"
    user = make_user(
        username=username,
        first_name="Wren",
        last_name="Penhallow",
        is_staff=True,
        is_superuser=True,
    )
    user.set_password(password)
    user.save()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_contain_text("confnotes")
    return user
