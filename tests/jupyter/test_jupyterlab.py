"""The pipeline notebook run in JupyterLab in headless Chromium: progress bar and preview show.

A real JupyterLab server and a real browser (the Debian chromium that ./dev test installs);
the screenshot is kept in the test's folder (and its path printed) for a person to look at.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

BACKENDS = ("sqlite",)  # the rendering is the same on both; the notebook test covers MariaDB
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "pipeline.ipynb"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lab(server, prefix, tmp_path):
    """JupyterLab on a free port with the notebook, its kernel pointed at the test database."""
    chromium = shutil.which("chromium")
    assert chromium, "the browser tests need chromium: ./dev test installs it (apt-get install chromium)"
    shutil.copy(NOTEBOOK, tmp_path / "pipeline.ipynb")
    settings = tmp_path / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port, token = free_port(), secrets.token_hex(16)
    env = {**os.environ, "DJNB_NB_BACKEND": "sqlite", "DJNB_NB_PATH": server["path"],
           "DJNB_NB_SCHEMA": f"{prefix}_lab", "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
           "PYTHONPATH": str(Path.cwd())}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", f"--port={port}",
         f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path}", "--ServerApp.ip=127.0.0.1"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "lab.log").open("wb"),
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"JupyterLab did not start: {(tmp_path / 'lab.log').read_text()[-2000:]}")
            time.sleep(0.5)
    yield url, token, chromium, tmp_path
    process.terminate()
    process.wait(timeout=30)


def test_the_notebook_renders_in_jupyterlab(lab):
    url, token, chromium, folder = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{url}/lab/tree/pipeline.ipynb?token={token}&reset", timeout=60_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)  # the kernel is up
        for _ in range(5):  # a run requested while the kernel is still connecting can be dropped
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            try:
                page.locator(".jp-InputPrompt", has_text="[1]").first.wait_for(timeout=10_000)
                break
            except Exception:
                continue
        bar = page.locator(".widget-hprogress").first  # ipywidgets 8's IntProgress
        try:
            bar.wait_for(state="visible", timeout=90_000)
        except Exception:
            page.screenshot(path=str(folder / "failed.png"), full_page=True)  # for a person to look at
            raise
        preview = page.locator("table.djnb-preview").first
        preview.wait_for(state="visible", timeout=90_000)
        page.locator(".jp-RenderedHTMLCommon svg").first.wait_for(state="attached", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=90_000)
        progress = page.locator(".jupyter-widgets", has_text="3/3 done, 1 failed").first
        progress.scroll_into_view_if_needed()
        shot = folder / "pipeline-in-jupyterlab.png"
        page.screenshot(path=str(shot), full_page=True)
        assert progress.is_visible() and bar.is_visible() and preview.is_visible()
        box = bar.bounding_box()
        assert box is not None and box["width"] > 50 and box["height"] > 5
        assert "grace" in preview.inner_text()
        assert page.locator(".lm-AccordionPanel, .jupyter-widget-Accordion, .widget-accordion").count() >= 1
        browser.close()
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
