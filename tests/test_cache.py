"""The validated-knowledge cache: served only for the same bytes, never when tampered, never required."""

from __future__ import annotations

from pathlib import Path

import pytest

from backpain_cli.errors import KnowledgeBaseError
from backpain_cli.knowledge import cache, safeyaml
from backpain_cli.knowledge import loader as knowledge

SHIPPED = Path(__file__).resolve().parents[1] / "data" / "treatments.yaml"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("BACKPAIN_CACHE_DIR", str(folder))
    monkeypatch.delenv("BACKPAIN_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def kb_file(tmp_path: Path) -> Path:
    path = tmp_path / "kb.yaml"
    path.write_bytes(SHIPPED.read_bytes())
    return path


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str, name: str) -> object:
        raise AssertionError("parsed although the cache should have served it")

    monkeypatch.setattr(safeyaml, "parse_yaml", refuse)


def test_second_load_is_served_from_the_cache(cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = knowledge.load(kb_file)
    assert len(list(cache_dir.glob("kb-*.bin"))) == 1
    assert oct((cache_dir / "key").stat().st_mode & 0o777) == "0o600"
    _no_parsing(monkeypatch)
    second = knowledge.load(kb_file)
    assert second.treatments == first.treatments and second.path == str(kb_file)


def test_any_change_to_the_file_is_a_miss(cache_dir: Path, kb_file: Path) -> None:
    knowledge.load(kb_file)
    kb_file.write_text(kb_file.read_text(encoding="utf-8").replace("version: 2026.11.1", "version: 2026.11.9"), encoding="utf-8")
    assert knowledge.load(kb_file).version == "2026.11.9"
    broken = kb_file.read_text(encoding="utf-8").replace("tier: surgical", "tier: surgicl", 1)
    kb_file.write_text(broken, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        knowledge.load(kb_file)  # the cached valid version of the old bytes is never served


def test_a_tampered_entry_is_ignored_and_removed(cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge.load(kb_file)
    (entry,) = cache_dir.glob("kb-*.bin")
    blob = bytearray(entry.read_bytes())
    blob[-10] ^= 0xFF
    entry.write_bytes(bytes(blob))
    assert cache.fetch(entry.stem.removeprefix("kb-")) is None
    assert not entry.exists()
    assert knowledge.load(kb_file).version  # parsed afresh


def test_an_entry_signed_with_another_key_is_refused(cache_dir: Path, kb_file: Path) -> None:
    knowledge.load(kb_file)
    (cache_dir / "key").write_text("00" * 32, encoding="ascii")
    (entry,) = cache_dir.glob("kb-*.bin")
    assert cache.fetch(entry.stem.removeprefix("kb-")) is None


def test_invalid_files_are_never_cached(cache_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: '1'\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        knowledge.load(bad)
    assert list(cache_dir.glob("kb-*")) == []


def test_cache_can_be_turned_off_or_unwritable(tmp_path: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPAIN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("BACKPAIN_NO_CACHE", "1")
    knowledge.load(kb_file)
    assert not (tmp_path / "cache").exists()
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x", encoding="utf-8")
    monkeypatch.setenv("BACKPAIN_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.delenv("BACKPAIN_NO_CACHE")
    assert knowledge.load(kb_file).treatments  # works without a cache


def test_old_entries_are_pruned(cache_dir: Path, tmp_path: Path) -> None:
    for n in range(cache.KEEP + 3):
        path = tmp_path / f"kb{n}.yaml"
        path.write_text(SHIPPED.read_text(encoding="utf-8").replace("version: 2026.11.1", f"version: 2026.11.{n + 10}"), encoding="utf-8")
        knowledge.load(path)
    assert len(list(cache_dir.glob("kb-*.bin"))) == cache.KEEP


def test_completion_on_a_warm_cache_reads_only_the_signed_name_list(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("BACKPAIN_KB", "BACKPAIN_NO_CACHE")}
    env.update({"BACKPAIN_CACHE_DIR": str(tmp_path / "cache"), "_BACKPAIN_COMPLETE": "complete_bash"})
    env.update({"COMP_WORDS": "backpain explain epi", "COMP_CWORD": "2"})
    probe = (
        "import sys, runpy\nsys.argv = ['backpain']\ntry:\n    runpy.run_module('backpain_cli', run_name='__main__')\n"
        "except SystemExit:\n    pass\nprint('MODEL' if 'backpain_cli.knowledge.model' in sys.modules else 'NO-MODEL')"
    )
    first = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60, check=False)
    second = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60, check=False)
    assert "epidural-steroid-injection" in first.stdout and "epidural-steroid-injection" in second.stdout
    assert first.stdout.strip().endswith("MODEL")  # a cold cache loads the knowledge base once
    assert second.stdout.strip().endswith("NO-MODEL")
    assert len(list((tmp_path / "cache").glob("names-*.bin"))) == 1
