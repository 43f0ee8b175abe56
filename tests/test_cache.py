"""The validated-knowledge cache: served only for the same bytes, never when tampered, never required."""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from backpain_cli import cli
from backpain_cli.errors import ExitCode, KnowledgeBaseError, Problem
from backpain_cli.knowledge import cache, conditions, safeyaml
from backpain_cli.knowledge import loader as knowledge
from backpain_cli.knowledge import model as m

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


# --- issue 14: data not code, a safe folder and key, bounded reads, no leaks, keys of one shape -----------


def _parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the YAML parses from now on: one per load that the cache did not serve."""
    calls: list[str] = []
    real = safeyaml.parse_yaml

    def counting(text: str, name: str) -> object:
        calls.append(name)
        return real(text, name)

    monkeypatch.setattr(safeyaml, "parse_yaml", counting)
    return calls


def _key_of(kb_file: Path) -> str:
    return cache.content_key(kb_file.read_bytes())


def _plant(folder: Path, key: str, body: bytes, prefix: str = "kb-") -> Path:
    """An entry signed with the user's own key, as only this program could write it."""
    from _blake2 import blake2b

    secret = bytes.fromhex((folder / "key").read_text(encoding="ascii"))
    tag = blake2b(key.encode() + b"\0" + body, key=secret, digest_size=32).hexdigest().encode()
    entry = folder / f"{prefix}{key}.bin"
    entry.write_bytes(tag + body)
    return entry


def _document(folder: Path, key: str) -> Any:
    return json.loads((folder / f"kb-{key}.bin").read_bytes()[64:])


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner(env={"COLUMNS": "80", "NO_COLOR": "1", "BACKPAIN_KB": None, "TERM": "dumb"}).invoke(cli.app, list(args))
    return result.exit_code, result.stdout + result.stderr


class _Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.mkdir, (str(self.marker),))


def test_a_planted_payload_is_never_run(cache_dir: Path, kb_file: Path, tmp_path: Path) -> None:
    """Even signed with the user's own key, an entry is data: a pickle's __reduce__ never runs."""
    knowledge.load(kb_file)
    marker = tmp_path / "payload-ran"
    planted = [
        pickle.dumps(_Payload(marker)),
        json.dumps(
            {"__reduce__": ["os.mkdir", [str(marker)]], "py/object": "os.mkdir", "py/reduce": [{"py/function": "os.mkdir"}]}
        ).encode(),
        json.dumps([1, {}, {"py/object": "backpain_cli.knowledge.model.Knowledge"}]).encode(),
    ]
    for body in planted:
        _plant(cache_dir, _key_of(kb_file), body)
        assert cache.fetch(_key_of(kb_file)) is None
        assert knowledge.load(kb_file).treatments  # parsed afresh
        assert not marker.exists()


def test_the_cached_model_is_the_validated_model_with_one_object_per_named_condition(cache_dir: Path, kb_file: Path) -> None:
    first = knowledge.load(kb_file)
    second = cache.fetch(_key_of(kb_file))
    assert second == first._replace(path="") and second is not None
    assert all(second.by_id[t.id] is t for t in second.treatments)
    found: dict[str, list[conditions.Named]] = {}

    def walk(item: object) -> None:
        if isinstance(item, conditions.Named):
            found.setdefault(item.name, []).append(item)
        if isinstance(item, conditions.Condition):
            for part in item._parts():
                walk(part)
        elif isinstance(item, tuple | list | frozenset):
            for value in item:
                walk(value)
        elif isinstance(item, dict):
            for value in item.values():
                walk(value)

    walk(second._replace(by_id={}))
    assert found and all(all(n is second.conditions[name] for n in named) for name, named in found.items())
    text = (cache_dir / f"kb-{_key_of(kb_file)}.bin").read_text(encoding="utf-8")
    assert all(
        # written once: "name":["description",[...]] (the same words may also be a question's sentence)
        text.count(json.dumps(n.name) + ":[" + json.dumps(n.description, ensure_ascii=False) + ",") == 1
        for n in second.conditions.values()
        if isinstance(n, conditions.Named)
    )


def _field(cls: type, name: str) -> int:
    return cls._fields.index(name)  # type: ignore[attr-defined]


def _treatment(doc: Any, field: str) -> tuple[list[Any], int]:
    return doc[2][_field(m.Knowledge, "treatments")][0], _field(m.Treatment, field)


def _topic(doc: Any, field: str) -> tuple[list[Any], int]:
    return doc[2][_field(m.Knowledge, "topics")][0], _field(m.Topic, field)


def _named(doc: Any, replacement: Any) -> None:
    name = sorted(doc[1])[0]
    doc[1][name][1] = replacement(name)


def _set(path: tuple[list[Any], int], value: Any) -> None:
    path[0][path[1]] = value


MUTATIONS = {
    "a str where a tuple is expected": lambda doc: _set(_treatment(doc, "aliases"), "epi"),
    "a number in a tuple of text": lambda doc: _set(_treatment(doc, "aliases"), [1]),
    "a status not in the Literal": lambda doc: _set(_treatment(doc, "tier"), 5),
    "a date that is not ISO text": lambda doc: doc[2].__setitem__(_field(m.Knowledge, "reviewed"), "yesterday"),
    "a record a field short": lambda doc: _treatment(doc, "id")[0].pop(),
    "a record a field long": lambda doc: _treatment(doc, "id")[0].append("x"),
    "a bool where a year is expected": lambda doc: next(iter(doc[2][_field(m.Knowledge, "sources")].values())).__setitem__(
        _field(m.Source, "year"), True
    ),
    "an unknown condition tag": lambda doc: _named(doc, lambda name: ["xor", [["fact", "pain", "gte", 5]]]),
    "an unknown fact": lambda doc: _named(doc, lambda name: ["fact", "shoe_size", "gte", 5]),
    "an operator the fact does not have": lambda doc: _named(doc, lambda name: ["fact", "pain", "has", 5]),
    "an operand of the wrong type": lambda doc: _named(doc, lambda name: ["fact", "pain", "gte", "five"]),
    "an enum value the fact does not have": lambda doc: _named(doc, lambda name: ["fact", "risk", "is", "extreme"]),
    "a named condition that refers to itself": lambda doc: _named(doc, lambda name: ["ref", name]),
    "a reference to no named condition": lambda doc: _named(doc, lambda name: ["ref", "no-such-condition"]),
    "another format": lambda doc: doc.__setitem__(0, 99),
    "text where a topic's advised-against record is expected": lambda doc: _set(_topic(doc, "advised_against"), "opioids"),
    "a number among a topic's options": lambda doc: _set(_topic(doc, "options"), [3]),
}


@pytest.mark.parametrize("mutation", MUTATIONS.values(), ids=MUTATIONS.keys())
def test_the_decoder_refuses_what_the_model_cannot_hold(cache_dir: Path, kb_file: Path, mutation: Any) -> None:
    expected = knowledge.load(kb_file)
    key = _key_of(kb_file)
    doc = _document(cache_dir, key)
    _plant(cache_dir, key, json.dumps(doc, ensure_ascii=False).encode())
    assert cache.fetch(key) == expected._replace(path="")  # re-signed as it was: still served
    mutation(doc)
    _plant(cache_dir, key, json.dumps(doc, ensure_ascii=False).encode())
    assert cache.fetch(key) is None
    assert knowledge.load(kb_file) == expected


@pytest.mark.parametrize("body", [b"", b"[", b"[4,{},[]] trailing", b"\xff\xfe", b"[1,{},NaN]", b"[" * 100_000, b"\x00" * 10])
def test_a_damaged_body_is_a_miss_not_an_error(cache_dir: Path, kb_file: Path, body: bytes) -> None:
    knowledge.load(kb_file)
    assert _document(cache_dir, _key_of(kb_file))[0] == 1  # what the program writes is JSON data
    _plant(cache_dir, _key_of(kb_file), body)
    assert cache.fetch(_key_of(kb_file)) is None


# Another local user: a folder or key they could write to, or that is theirs, or a link, is never used.


def _assert_not_used(cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch, folder: Path | None = None) -> None:
    folder = folder or cache_dir
    before = sorted(p.name for p in folder.iterdir())
    parses = _parses(monkeypatch)
    assert knowledge.load(kb_file).treatments
    assert len(parses) == 1  # not served from the cache
    code, out = _cli("--kb", str(kb_file), "list", "--json")
    assert code == 0, out  # and the run still succeeds
    assert sorted(p.name for p in folder.iterdir()) == before  # nor written to


@pytest.mark.parametrize("mode", [0o770, 0o730, 0o707, 0o777, 0o1777], ids=oct)
def test_a_cache_folder_others_can_write_to_is_never_used(
    cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch, mode: int
) -> None:
    knowledge.load(kb_file)
    cache_dir.chmod(mode)
    _assert_not_used(cache_dir, kb_file, monkeypatch)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a folder to another user")
def test_a_cache_folder_or_key_owned_by_someone_else_is_never_used(cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge.load(kb_file)
    os.chown(cache_dir / "key", 65534, 65534)
    _assert_not_used(cache_dir, kb_file, monkeypatch)
    os.chown(cache_dir / "key", 0, 0)
    os.chown(cache_dir, 65534, 65534)
    _assert_not_used(cache_dir, kb_file, monkeypatch)


def test_a_symlinked_cache_folder_is_never_used(cache_dir: Path, kb_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge.load(kb_file)
    link = tmp_path / "link"
    link.symlink_to(cache_dir)
    monkeypatch.setenv("BACKPAIN_CACHE_DIR", str(link))
    _assert_not_used(cache_dir, kb_file, monkeypatch)


@pytest.mark.parametrize("unsafe", ["symlink", "group-writable", "world-writable"])
def test_a_symlinked_or_writable_key_is_never_used(
    cache_dir: Path, kb_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unsafe: str
) -> None:
    knowledge.load(kb_file)
    key = cache_dir / "key"
    if unsafe == "symlink":
        elsewhere = tmp_path / "elsewhere-key"
        elsewhere.write_bytes(key.read_bytes())
        elsewhere.chmod(0o600)
        key.unlink()
        key.symlink_to(elsewhere)
    else:
        key.chmod(0o620 if unsafe == "group-writable" else 0o602)
    _assert_not_used(cache_dir, kb_file, monkeypatch)
    assert key.is_symlink() == (unsafe == "symlink")  # left as it was


@pytest.mark.parametrize(
    "bad",
    ["", "abcd", "ab" * 31, "ab" * 33, "ab" * 65, "zz" * 32, "ab" * 32 + "\n", " " + "ab" * 31 + " "],
    ids=["empty", "short", "31 bytes", "33 bytes", "65 bytes (over BLAKE2b's limit)", "not hex", "a newline", "spaces"],
)
def test_a_key_of_the_wrong_length_or_not_hex_is_never_used(cache_dir: Path, kb_file: Path, bad: str) -> None:
    knowledge.load(kb_file)
    (cache_dir / "key").write_text(bad, encoding="ascii")
    assert cache.fetch(_key_of(kb_file)) is None  # never an error, whatever the key holds
    code, out = _cli("--kb", str(kb_file), "list", "--json")
    assert code == 0, out
    entry = (cache_dir / f"kb-{_key_of(kb_file)}.bin").read_bytes()
    from _blake2 import blake2b

    try:
        weak = bytes.fromhex(bad)
    except ValueError:
        weak = None
    if weak is not None and len(weak) <= 64:  # the new entry is never signed with what the bad key holds
        assert entry[:64] != blake2b(_key_of(kb_file).encode() + b"\0" + entry[64:], key=weak, digest_size=32).hexdigest().encode()
    new_key = (cache_dir / "key").read_text(encoding="ascii")
    assert len(new_key) == 64 and int(new_key, 16) >= 0  # a damaged key of the user's own is replaced
    assert cache.fetch(_key_of(kb_file)) is not None


# Special files: never read, never waited on.

_LOAD_IN_A_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # far below what reading the planted file would take
from pathlib import Path
from backpain_cli.knowledge import loader
print(len(loader.load(Path(sys.argv[1])).treatments))
"""


def _load_in_a_child(cache_dir: Path, kb_file: Path) -> None:
    env = {**os.environ, "BACKPAIN_CACHE_DIR": str(cache_dir)}
    env.pop("BACKPAIN_NO_CACHE", None)
    try:
        result = subprocess.run([sys.executable, "-c", _LOAD_IN_A_CHILD, str(kb_file)], capture_output=True, text=True, env=env, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("the run hung on a special file in the cache")
    assert result.returncode == 0, result.stderr[-2000:]
    assert int(result.stdout) > 0


@pytest.mark.parametrize("what", ["entry", "key"])
@pytest.mark.parametrize("kind", ["fifo", "oversized", "/dev/zero", "folder"])
def test_special_files_are_never_read(cache_dir: Path, kb_file: Path, what: str, kind: str) -> None:
    knowledge.load(kb_file)
    path = cache_dir / "key" if what == "key" else cache_dir / f"kb-{_key_of(kb_file)}.bin"
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path, 0o600)
    elif kind == "oversized":
        with path.open("wb") as sparse:
            sparse.truncate(5 << 30)  # sparse: costs no disk
        path.chmod(0o600)
    elif kind == "/dev/zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir(mode=0o700)
    _load_in_a_child(cache_dir, kb_file)
    if what == "key" and kind != "oversized":  # a damaged regular key of the user's own is replaced; nothing else is
        assert cache.fetch(_key_of(kb_file)) is None


def test_a_relative_xdg_cache_home_is_ignored(kb_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKPAIN_CACHE_DIR")
    monkeypatch.delenv("BACKPAIN_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative-cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    knowledge.load(kb_file)
    assert not (tmp_path / "relative-cache").exists()
    assert cache.directory() == tmp_path / "home" / ".cache" / "backpain"
    folder = tmp_path / "home" / ".cache" / "backpain"
    assert len(list(folder.glob("kb-*.bin"))) == 1
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # created private, its files too
    assert {stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()} == {0o600}
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.directory() == tmp_path / "xdg" / "backpain"


def test_pruning_removes_only_what_the_program_wrote(cache_dir: Path, kb_file: Path) -> None:
    model = knowledge.load(kb_file)
    hour_ago = time.time() - 2 * 3600
    kept = ["kb-firmware-v1.bin", "names-firmware.bin", "notes.txt", f"kb-{'A' * 64}.bin", ".tmp-other.txt", f".tmp-{'0' * 32}.part"]
    stale = [f".tmp-{'1' * 32}.part", ".tmp-ab_cd123.part"]
    for name in kept + stale:
        (cache_dir / name).write_text("x", encoding="utf-8")
        if name != kept[-1]:  # a fresh temporary file: another run's write in progress
            os.utime(cache_dir / name, (hour_ago, hour_ago))
    for n in range(cache.KEEP + 3):
        cache.store(f"{n:064x}", model)
    names = {p.name for p in cache_dir.iterdir()}
    assert set(kept) <= names and not set(stale) & names
    assert len([n for n in names if n.startswith("kb-") and len(n) == 71 and n != f"kb-{'A' * 64}.bin"]) == cache.KEEP


def _no_temporary_files(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_failed_write_leaves_no_temporary_file(cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir.mkdir(mode=0o700)
    (cache_dir / f"kb-{_key_of(kb_file)}.bin").mkdir()  # a folder where the entry should be
    assert knowledge.load(kb_file).treatments
    assert cache.fetch(_key_of(kb_file)) is None
    _no_temporary_files(cache_dir)

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    kb_file.write_text(kb_file.read_text(encoding="utf-8").replace("version: 2026.11.1", "version: 2026.11.2"), encoding="utf-8")
    monkeypatch.setattr(os, "replace", disk_full)
    assert knowledge.load(kb_file).version == "2026.11.2"
    _no_temporary_files(cache_dir)
    monkeypatch.undo()
    monkeypatch.setenv("BACKPAIN_CACHE_DIR", str(cache_dir))
    (cache_dir / "key").unlink()
    monkeypatch.setattr(os, "fsync", disk_full)  # the key cannot be flushed: no key, no entry
    assert knowledge.load(kb_file).treatments
    _no_temporary_files(cache_dir)
    assert not (cache_dir / "key").exists()


def test_an_entry_name_of_another_shape_is_a_miss(cache_dir: Path, kb_file: Path) -> None:
    model = knowledge.load(kb_file)
    body = (cache_dir / f"kb-{_key_of(kb_file)}.bin").read_bytes()[64:]
    for odd in ["ab" * 31, "AB" * 32, "ab" * 33]:
        _plant(cache_dir, odd, body)  # signed with the user's key, under a name of another shape
        assert cache.fetch(odd) is None
    before = sorted(cache_dir.iterdir())
    for odd in ["x" * 300, "../" + _key_of(kb_file), "", _key_of(kb_file) + "/.."]:
        assert cache.fetch(odd) is None and cache.fetch_names(odd) is None
        cache.store(odd, model)
        cache.store_names(odd, {"treatments": ["x"]})
    assert sorted(cache_dir.iterdir()) == before  # nothing stored under an odd name


def test_kb_check_validates_afresh(cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge.load(kb_file)  # a cached, valid model of these very bytes

    def stricter(raw: object, problems: list[Problem]) -> None:
        problems.append(Problem("treatments", "planted by the test: a stricter validator"))

    from backpain_cli.knowledge import format as kb_format

    monkeypatch.setattr(kb_format, "build", stricter)  # the loader imports it when it validates
    code, out = _cli("kb", "check", str(kb_file))
    assert code == ExitCode.KNOWLEDGE_BASE and "planted by the test" in out
    code, out = _cli("--kb", str(kb_file), "list", "--json")
    assert code == 0, out  # every other command still reads the cache


def test_a_change_to_the_code_is_a_miss(cache_dir: Path, kb_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    knowledge.load(kb_file)
    assert {"model.py", "facts.py", "conditions.py", "loader.py", "safeyaml.py", "cache.py", "format.py"} <= set(cache.sources())
    parses = _parses(monkeypatch)
    monkeypatch.setattr(cache, "code_digest", lambda: "0" * 64)
    knowledge.load(kb_file)
    assert len(parses) == 1
    monkeypatch.setattr(cache, "code_digest", lambda: "")  # sources that cannot be read: no cache at all
    knowledge.load(kb_file)
    assert len(parses) == 2


def test_every_module_validation_runs_is_in_the_key(kb_file: Path) -> None:
    """The key covers the code that validated: each module a fresh validation imports from this
    package (the format, its checks, the model) is one whose source the digest reads."""
    script = (
        "import sys; from pathlib import Path; from backpain_cli.knowledge import loader; "
        f"loader.load(Path({str(kb_file)!r}), use_cache=False); "
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith('backpain_cli.'))))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    used = [line for line in run.stdout.split() if line.startswith("backpain_cli.knowledge.")]
    assert "backpain_cli.knowledge.format_entries" in used  # the validator really ran
    assert {f"{name.split('.')[-1]}.py" for name in used} <= set(cache.sources())
    assert not [m for m in run.stdout.split() if m.split(".")[1] in ("engine", "views", "cli")]  # validation stays in its layer
