"""A new user's install: build the wheel, install it into a fresh virtual environment, run it elsewhere."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_and_finds_its_knowledge_base(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(REPO)],
        check=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("backpain_cli-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    listed = subprocess.run(
        [str(env_dir / "bin" / "backpain"), "list"], cwd=elsewhere, capture_output=True, text=True, timeout=60, check=False
    )
    assert listed.returncode == 0, listed.stderr
    assert "Epidural steroid injection" in listed.stdout
    checked = subprocess.run(
        [str(env_dir / "bin" / "backpain"), "kb", "check"], cwd=elsewhere, capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0
    assert "site-packages" in checked.stdout  # the wheel's own copy, not the source tree's
    module = subprocess.run(
        [str(python), "-m", "backpain_cli", "--version"], cwd=elsewhere, capture_output=True, text=True, timeout=60, check=False
    )
    assert module.returncode == 0 and "knowledge base" in module.stdout
