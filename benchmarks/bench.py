"""Start-up, memory and scale benchmark for the ``backpain`` command line.

Every command is timed as a fresh process with stdout to a pipe, exactly as a shell pipeline or a
shell-completion hook would run it, and compared with a *floor*: a bare ``python -c "import ..."`` of
the libraries that command cannot avoid. Each command and its floor run alternately, round after
round, so a noisy machine slows both alike. The ratio the targets bound is the median, over the
rounds, of each round's command time over its floor time: the two run back to back, so a slow
stretch of the machine slows both and cancels out (on this VM the ratio of the two medians wandered
three times as much from run to run).

Usage (from the repository root, with the project's virtualenv)::

    python benchmarks/bench.py              # 7 rounds (2 of them with the 20,000-treatment runs)
    python benchmarks/bench.py --runs 11    # more rounds: tighter medians
    python benchmarks/bench.py --quick      # 3 rounds, scale up to 2,000 treatments only
    python benchmarks/bench.py --check      # exit 1 if any target fails (for CI)

Standard library only; Unix only (``os.posix_spawn``, ``os.wait4``). Peak memory is each child's
maximum resident set size from ``os.wait4``, taken by a small helper process (see ``_SPAWNER``).

The large knowledge bases are generated into a temporary directory from the shipped file: the
shipped treatments stay as they are and renamed, slimmed copies of them are appended (same rules,
same references). The 200 and 2,000 files are checked with ``backpain kb check`` first; every timed
run must exit 0, and ``list --json`` must list them all. Byte-code caching is left on for the
children (``PYTHONDONTWRITEBYTECODE`` is removed), as for an installed wheel.

The journal (issue 13): every command runs with ``BACKPAIN_JOURNAL`` pointing at a file that does not
exist (no journal, as for most people), except the journal's own pairs. Those use a ten-year daily
journal (3,650 entries, written by ``backpain journal import`` from a generated CSV): ``log`` writes
to a copy of it (each run adds one entry), ``history`` reads it, and ``pathway`` with it is timed
against ``pathway`` with no journal (limit ``JOURNAL_LIMIT``). Their floors add ``import sqlite3``.

The children get a knowledge-base cache folder of their own (``BACKPAIN_CACHE_DIR``), empty at the
start: the untimed warm-up fills it for the shipped file, and the first run on each generated file
is a miss, timed and shown apart ("first run s"); the timed rounds are the repeat runs a person
makes. On code without a cache, every run is a "first run".
"""

from __future__ import annotations

import argparse
import marshal
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHIPPED_KB = REPO / "data" / "treatments.yaml"

TIME_LIMIT = 1.15  # command median / floor median
JOURNAL_LIMIT = 1.2  # pathway with a ten-year journal / pathway with none
JOURNAL_DAYS = 3_650  # entries in the generated journal: one a day for ten years
RSS_LIMIT = 1.2  # command peak RSS / floor peak RSS
SCALE_LIMIT = 11.0  # time(20,000 treatments) / time(2,000 treatments)
SCALE_ABSOLUTE = 1.0  # seconds, at 2,000 treatments
SCALE_SIZES = (200, 2_000, 20_000)
QUICK_SCALE_SIZES = (200, 2_000)
BIG = 20_000  # a run of this size takes a minute or more on a slow machine: it runs in fewer rounds (--big-runs)

FLOORS = {
    "rich": "import typer, yaml, rich.console, rich.table",
    "yaml": "import typer, yaml",
    "help": "import typer.rich_utils",
    "typer": "import typer",
    "journal": "import typer, yaml, sqlite3",
    "journal-rich": "import typer, yaml, rich.console, rich.table, sqlite3",
}

COMPLETE_ENV = {"_BACKPAIN_COMPLETE": "complete_bash", "COMP_WORDS": "backpain explain epi", "COMP_CWORD": "2"}


# --- running one process ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_kib: int
    exit_code: int
    stdout_head: bytes  # the first HEAD_BYTES of stdout
    stdout_bytes: int
    stderr: bytes


HEAD_BYTES = 4096

# Every command is started by this small helper process, not by the benchmark itself. On Linux a
# child's peak RSS (``ru_maxrss``) can be no lower than the peak of the process that spawned it, so
# the spawner must stay far below the smallest floor: it runs with -I -S, imports only built-in
# modules, reads output in small chunks and never holds it. It times each command itself, from spawn
# to reap. Protocol (marshal on its stdin/stdout): (argv, env, stderr_path, keep_path or "") in,
# (seconds, max_rss, exit_status, stdout_head, stdout_bytes) out.
_SPAWNER = """
import marshal, os, sys, time
inp, out = sys.stdin.buffer, sys.stdout.buffer
while True:
    try:
        argv, env, err_path, keep = marshal.load(inp)
    except EOFError:
        break
    r, w = os.pipe()
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_DUP2, w, 1),
        (os.POSIX_SPAWN_OPEN, 2, err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
    ]
    sink = os.open(keep, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) if keep else -1
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    os.close(w)
    head, size = b"", 0
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        size += len(chunk)
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
        if sink >= 0:
            os.write(sink, chunk)
    os.close(r)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    if sink >= 0:
        os.close(sink)
    marshal.dump((elapsed, usage.ru_maxrss, status, head, size), out)
    out.flush()
""".replace("HEAD", str(HEAD_BYTES))


class Spawner:
    """The helper process above; one for the whole benchmark."""

    def __init__(self, workdir: Path) -> None:
        self.err_path = workdir / "stderr.txt"
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _SPAWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def run(self, argv: Sequence[str], env: dict[str, str], keep: Path | None = None) -> Run:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        program = shutil.which(argv[0]) or argv[0]  # posix_spawn does not search PATH
        marshal.dump(([program, *argv[1:]], env, str(self.err_path), str(keep or "")), self.proc.stdin)
        self.proc.stdin.flush()
        try:
            elapsed, max_rss, status, head, size = marshal.load(self.proc.stdout)
        except EOFError:
            raise SystemExit(f"bench: the spawner stopped while running {' '.join(argv)}") from None
        with self.err_path.open("rb") as err:
            errors = err.read(HEAD_BYTES)
        rss = max_rss // 1024 if sys.platform == "darwin" else max_rss  # bytes on macOS, KiB on Linux
        return Run(elapsed, rss, os.waitstatus_to_exitcode(status), head, size, errors)

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


_spawner: Spawner | None = None


def run_once(argv: Sequence[str], env: dict[str, str], keep: Path | None = None) -> Run:
    """Run ``argv`` once with stdout to a pipe; its wall time and its own peak RSS (see ``_SPAWNER``)."""
    if _spawner is None:
        raise RuntimeError("start the spawner first")
    return _spawner.run(argv, env, keep)


@dataclass
class Series:
    """Repeated runs of one command line."""

    label: str
    argv: list[str]
    env: dict[str, str]
    keep: Path | None = None  # save the first run's stdout here
    runs: list[Run] = field(default_factory=list)

    def add(self) -> Run:
        result = run_once(self.argv, self.env, self.keep if not self.runs else None)
        self.runs.append(result)
        return result

    @property
    def times(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def spread(self) -> tuple[float, float]:
        """The interquartile range (min-max below 4 runs)."""
        times = sorted(self.times)
        if len(times) < 4:
            return times[0], times[-1]
        q1, _, q3 = statistics.quantiles(times, n=4, method="inclusive")
        return q1, q3

    @property
    def rss_mib(self) -> float:
        return statistics.median(r.max_rss_kib for r in self.runs) / 1024

    @property
    def failures(self) -> list[Run]:
        return [r for r in self.runs if r.exit_code != 0]


# --- generating large knowledge bases --------------------------------------------------------------

_FIELD = re.compile(r"^  ([a-z_]+):(?: |$)")
_KEEP_FIRST_ITEM = ("benefits", "benefit_size", "risks", "suitable_for", "not_suitable_for", "guidelines", "questions")
_DROP = ("article",)


def _split_treatments(text: str) -> tuple[str, list[list[str]]]:
    """The file before ``treatments:`` (verbatim), and each treatment's lines."""
    head, marker, body = text.partition("\ntreatments:\n")
    if not marker:
        raise SystemExit(f"bench: {SHIPPED_KB} has no top-level 'treatments:' list (it must be the last key)")
    blocks: list[list[str]] = []
    for line in body.splitlines():
        if line.startswith("- id: "):
            blocks.append([line])
        elif blocks and (line.startswith("  ") or not line.strip()):
            blocks[-1].append(line)
        elif line.strip():
            raise SystemExit(f"bench: unexpected line after the treatments in {SHIPPED_KB}: {line[:60]!r}")
    return head + marker, blocks


def _fields(block: list[str]) -> list[tuple[str, list[str]]]:
    """A treatment's top-level keys, each with all of its lines (nested values and list items)."""
    out: list[tuple[str, list[str]]] = [("id", [block[0]])]
    for line in block[1:]:
        match = _FIELD.match(line)
        if match:
            out.append((match.group(1), [line]))
        else:
            out[-1][1].append(line)
    return out


def _first_item(lines: list[str]) -> list[str]:
    """``key:`` plus the first ``  - `` item of a block list (PyYAML indents list items like their key)."""
    kept = [lines[0]]
    for line in lines[1:]:
        if line.startswith("  - ") and len(kept) > 1:
            break
        kept.append(line)
    return kept


def _copy(block: list[str], k: int) -> list[str]:
    """Copy ``k`` of one treatment: new id, name and alias; first item of long prose lists; no article.

    Rules, stances, sources and conditions stay whole, so every reference stays valid, ``self`` now
    means the copy, and the engine does as much work per copy as per shipped treatment.
    """
    out: list[str] = []
    tid = block[0].removeprefix("- id: ").strip()
    for key, lines in _fields(block):
        if key == "id":
            out.append(f"- id: {tid}-c{k}")
        elif key == "name":
            name = lines[0].removeprefix("  name: ").strip()
            simple = len(lines) == 1 and name[:1] not in "'\"" and ": " not in name
            out.append(f"  name: {name} (copy {k})" if simple else f"  name: {tid} copy {k}")
        elif key == "aliases":
            out += ["  aliases:", f"  - {tid} alt {k}"]
        elif key in _DROP:
            continue
        elif key in _KEEP_FIRST_ITEM:
            out += _first_item(lines)
        else:
            out += lines
    return out


def generate_kb(size: int, path: Path) -> None:
    """Write a valid knowledge base with exactly ``size`` treatments to ``path``."""
    head, blocks = _split_treatments(SHIPPED_KB.read_text(encoding="utf-8"))
    if size < len(blocks):
        raise SystemExit(f"bench: cannot make {size} treatments, the shipped file alone has {len(blocks)}")
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for block in blocks:
            out.write("\n".join(block) + "\n")
        for n in range(size - len(blocks)):
            k, index = divmod(n, len(blocks))
            out.write("\n".join(_copy(blocks[index], k + 1)) + "\n")


# --- the plan --------------------------------------------------------------------------------------


@dataclass
class Pair:
    """A command and its floor, run alternately."""

    name: str
    command: Series
    floor: Series
    note: str = ""
    limit: float = TIME_LIMIT


@dataclass
class Verdict:
    label: str
    measured: str
    limit: str
    ok: bool | None  # None: not measured


def revision() -> str:
    """The checkout measured, e.g. ``b8d93a5-dirty``; figures from a moving working tree are not comparable."""
    try:
        found = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True, check=False)
    except OSError:
        return "unknown revision"
    return found.stdout.strip() or "unknown revision"


def source_fingerprint() -> list[tuple[str, int, int]]:
    """The code and data being measured; if they change mid-run, the figures mix two versions."""
    files = [*sorted((REPO / "src").rglob("*.py")), SHIPPED_KB]
    return [(str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files if f.is_file()]


def backpain_argv() -> list[str]:
    script = Path(sys.executable).with_name("backpain")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "backpain_cli"]


_DROPPED_ENV = ("BACKPAIN_KB", "BACKPAIN_NO_CACHE", "PYTHONDONTWRITEBYTECODE", "PYTHONPROFILEIMPORTTIME")


def base_env(workdir: Path) -> dict[str, str]:
    """The children's environment: byte-code caching on, and a knowledge-base cache of their own.

    The cache folder starts empty, so each knowledge base's first run is a miss (timed separately
    for the generated ones) and the rest are hits, as for a person; the person's own cache is
    neither used nor filled with large generated entries.
    """
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update({"COLUMNS": "100", "LC_ALL": env.get("LC_ALL", "C.UTF-8"), "BACKPAIN_CACHE_DIR": str(workdir / "cache")})
    env["BACKPAIN_JOURNAL"] = str(workdir / "no-journal" / "journal.sqlite3")  # never the person's own; no file: no journal
    return env


def journal_paths(workdir: Path) -> tuple[Path, Path]:
    """The ten-year journal ``history`` and ``pathway`` read, and the copy ``log`` writes to."""
    return workdir / "journal" / "ten-years.sqlite3", workdir / "journal" / "log.sqlite3"


def generate_journal(cli: list[str], env: dict[str, str], workdir: Path) -> None:
    """A ten-year daily journal, imported through ``backpain journal import`` as a person would, and a copy for ``log``."""
    import datetime as dt

    read, write = journal_paths(workdir)
    today = dt.date.today()
    start = today - dt.timedelta(days=JOURNAL_DAYS - 1)
    rows = ["kind,date,score,treatment,result,from,to,note", f"onset,{start - dt.timedelta(days=30)},,,,,,"]
    tried = [
        ("physio", "no-help", 400, 460),
        ("ibuprofen", "some", 900, 1300),
        ("yoga", "helped", 2000, 2200),
        ("cbt", "helped", 3000, None),
    ]
    for name, result, begin, end in tried:
        end_day = start + dt.timedelta(days=end) if end is not None else today
        rows.append(f"tried,{end_day},,{name},{result},{start + dt.timedelta(days=begin)},{'' if end is None else end_day},")
    for day in range(JOURNAL_DAYS - len(rows) + 1):
        note = "a long walk" if day % 30 == 0 else ""
        rows.append(f"pain,{start + dt.timedelta(days=day)},{(day * 7) % 11},,,,,{note}")
    source = workdir / "ten-years.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    read.parent.mkdir(parents=True, exist_ok=True)
    done = run_once([*cli, "journal", "import", str(source)], {**env, "BACKPAIN_JOURNAL": str(read)})
    if done.exit_code != 0 or f"Imported {JOURNAL_DAYS:,} entries" not in done.stdout_head.decode(errors="replace"):
        raise SystemExit(
            f"bench: could not import the generated journal: {(done.stdout_head + done.stderr).decode(errors='replace')[:300]}"
        )
    shutil.copyfile(read, write)
    print(f"  journal: {JOURNAL_DAYS:,} entries, imported in {done.seconds:.2f} s", flush=True)


def build_pairs(cli: list[str], env: dict[str, str]) -> list[Pair]:
    def floor(kind: str) -> Series:
        return Series(f"floor: {FLOORS[kind]}", [sys.executable, "-c", FLOORS[kind]], env)

    pairs: list[Pair] = []
    commands = {"list": ["list"], "explain epidural": ["explain", "epidural"], "pathway --months 4": ["pathway", "--months", "4"]}
    for name, args in commands.items():
        pairs.append(Pair(name, Series(name, cli + args, env), floor("rich")))
    for name, args in commands.items():
        label = f"{name} --json"
        pairs.append(Pair(label, Series(label, [*cli, *args, "--json"], env), floor("yaml")))
    pairs.append(Pair("--help", Series("--help", [*cli, "--help"], env), floor("help")))
    pairs += journal_pairs(cli, env, floor)
    complete_env = {**env, **COMPLETE_ENV}
    pairs.append(Pair("complete 'explain epi'", Series("complete", cli, complete_env), floor("typer")))
    return pairs


def journal_pairs(cli: list[str], env: dict[str, str], floor: Callable[[str], Series]) -> list[Pair]:
    """``log`` and ``history`` against their floors, and ``pathway`` with a ten-year journal against ``pathway`` with none."""
    read, write = journal_paths(Path(env["BACKPAIN_CACHE_DIR"]).parent)
    reads, writes = {**env, "BACKPAIN_JOURNAL": str(read)}, {**env, "BACKPAIN_JOURNAL": str(write)}
    pairs = [
        Pair("log pain 5", Series("log pain 5", [*cli, "log", "pain", "5"], writes), floor("journal")),
        Pair(
            "log tried physio", Series("log tried physio", [*cli, "log", "tried", "physio", "--result", "some"], writes), floor("journal")
        ),
        Pair("history (3,650 entries)", Series("history", [*cli, "history"], reads), floor("journal-rich")),
        Pair("history --json (3,650)", Series("history --json", [*cli, "history", "--json"], reads), floor("journal")),
    ]
    empty = Series("floor: pathway with no journal", [*cli, "pathway"], env)
    pairs.append(Pair("pathway (3,650-entry journal)", Series("pathway, journal", [*cli, "pathway"], reads), empty, limit=JOURNAL_LIMIT))
    return pairs


def build_scale(cli: list[str], env: dict[str, str], kbs: dict[int, Path]) -> dict[tuple[str, int], Series]:
    scale: dict[tuple[str, int], Series] = {}
    for size, path in kbs.items():
        for name, args in (("list --json", ["list", "--json"]), ("pathway --months 4 --json", ["pathway", "--months", "4", "--json"])):
            keep = path.with_suffix(".list.json") if name == "list --json" else None
            scale[(name, size)] = Series(f"{name} @ {size:,}", [*cli, "--kb", str(path), *args], env, keep)
    return scale


def check_generated(cli: list[str], env: dict[str, str], size: int, path: Path) -> None:
    """``backpain kb check`` the smaller files up front (the big one is checked by its own timed runs)."""
    about = f"  {size:>6,} treatments: {path.stat().st_size / 2**20:5.1f} MiB"
    if size >= BIG:
        print(f"{about}, checked by its timed runs (exit code and treatment count)", flush=True)
        return
    result = run_once([*cli, "kb", "check", str(path)], {**env, "BACKPAIN_NO_CACHE": "1"})  # leave the first run a miss
    text = result.stdout_head.decode(errors="replace").strip()
    if result.exit_code != 0 or f"({size} treatments" not in text:
        detail = (text or result.stderr.decode(errors="replace")).splitlines()[:5]
        raise SystemExit(f"bench: the generated {size}-treatment knowledge base is not valid:\n  " + "\n  ".join(detail))
    print(f"{about}, valid (kb check {result.seconds:.1f} s)", flush=True)


def count_treatments(series: Series) -> int | None:
    """How many treatments ``list --json`` printed on its first run (None if it failed).

    Counted in a child process, so that parsing tens of MiB of JSON does not grow this one.
    """
    if not series.runs or series.runs[0].exit_code != 0 or series.keep is None or not series.keep.is_file():
        return None
    code = "import json, sys; print(len(json.load(open(sys.argv[1], encoding='utf-8'))))"
    result = subprocess.run([sys.executable, "-c", code, str(series.keep)], capture_output=True, text=True, check=False)
    return int(result.stdout) if result.returncode == 0 and result.stdout.strip().isdigit() else None


def describe_failures(series: Series) -> str:
    codes = sorted({r.exit_code for r in series.failures})
    return f"{len(series.failures)}/{len(series.runs)} runs exited {'/'.join(map(str, codes))}"


# --- reporting -------------------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds >= 1 else f"{seconds * 1000:.1f}"


def spread(series: Series) -> str:
    low, high = series.spread
    return f"{ms(low)}-{ms(high)}"


def verdict(ok: bool | None) -> str:
    return {True: "PASS", False: "FAIL", None: "-"}[ok]


def table(rows: list[list[str]], header: list[str], right: set[int]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(r) for r in rows)])


def paired_ratios(p: Pair) -> list[float]:
    """Command time over floor time, round by round: each round runs the two back to back."""
    return [c.seconds / f.seconds for c, f in zip(p.command.runs, p.floor.runs, strict=True)]


def report_pairs(pairs: list[Pair]) -> tuple[str, list[Verdict]]:
    rows, verdicts = [], []
    for p in pairs:
        c, f = p.command, p.floor
        ratios = sorted(paired_ratios(p))
        ratio = statistics.median(ratios)
        low, high = (ratios[0], ratios[-1]) if len(ratios) < 4 else statistics.quantiles(ratios, n=4, method="inclusive")[::2]
        rss_ratio = c.rss_mib / f.rss_mib
        broken = bool(c.failures)
        time_ok = ratio <= p.limit and not broken
        mem_ok = rss_ratio <= RSS_LIMIT and not broken
        rows.append(
            [
                p.name,
                ms(c.median),
                spread(c),
                ms(f.median),
                spread(f),
                f"{ratio:.2f}",
                f"{low:.2f}-{high:.2f}",
                verdict(time_ok),
                f"{c.rss_mib:.1f}",
                f"{f.rss_mib:.1f}",
                f"{rss_ratio:.2f}",
                verdict(mem_ok),
            ]
        )
        verdicts.append(Verdict(f"{p.name}: time", f"{ratio:.2f}x", f"<= {p.limit}x", time_ok))
        verdicts.append(Verdict(f"{p.name}: peak RSS", f"{rss_ratio:.2f}x", f"<= {RSS_LIMIT}x", mem_ok))
    header = ["command (stdout to a pipe)", "median ms", "IQR ms", "floor ms", "floor IQR", "ratio", "ratio IQR", "time"]
    header += ["RSS MiB", "floor", "ratio", "mem"]
    text = table(rows, header, right={1, 2, 3, 4, 5, 6, 8, 9, 10})
    floors = "\n".join(
        f"  floor for {', '.join(p.name for p in pairs if p.floor.argv[-1] == code)}: python -c {code!r}" for code in FLOORS.values()
    )
    floors += "".join(f"\n  floor for {p.name}: {p.floor.label}" for p in pairs if p.floor.argv[-1] not in FLOORS.values())
    limits = (
        f"  limits: time ratio <= {TIME_LIMIT} ({JOURNAL_LIMIT} against pathway with no journal), peak RSS ratio <= {RSS_LIMIT}; "
        "time ratio = median over the rounds of (command time / floor time in the same round)"
    )
    return f"{text}\n{floors}\n{limits}", verdicts


def report_scale(scale: dict[tuple[str, int], Series], cold: dict[int, Run], sizes: Sequence[int]) -> tuple[str, list[Verdict]]:
    rows, verdicts = [], []
    names = list(dict.fromkeys(name for name, _ in scale))
    for name in names:
        for size in sizes:
            s = scale[(name, size)]
            per = s.median / size * 1e6
            counted = count_treatments(s) if name == "list --json" else None
            state = describe_failures(s) if s.failures else (f"{counted:,} listed" if counted is not None else "ok")
            if name == "list --json" and (counted != size or s.failures):
                verdicts.append(Verdict(f"{name} @ {size:,}: output", state, f"{size:,} listed", False))
            times = f"{min(s.times):.3f}-{max(s.times):.3f}"
            first = cold.get(size) if name == "list --json" else None
            miss = "" if first is None else f"{first.seconds:.3f}" + ("" if first.exit_code == 0 else f" (exit {first.exit_code})")
            rows.append([name, f"{size:,}", str(len(s.runs)), f"{s.median:.3f}", times, f"{per:.0f}", f"{s.rss_mib:.0f}", miss, state])
        small, big = scale.get((name, 2_000)), scale.get((name, BIG))
        if small is not None:
            ok = small.median < SCALE_ABSOLUTE and not small.failures
            verdicts.append(Verdict(f"{name} @ 2,000: time", f"{small.median:.2f} s", f"< {SCALE_ABSOLUTE:.0f} s", ok))
        if small is not None and big is not None:
            growth = big.median / small.median
            ok = growth <= SCALE_LIMIT and not big.failures and not small.failures
            verdicts.append(Verdict(f"{name}: time(20,000)/time(2,000)", f"{growth:.1f}x", f"<= {SCALE_LIMIT:.0f}x", ok))
        else:
            verdicts.append(Verdict(f"{name}: time(20,000)/time(2,000)", "not run (--quick)", f"<= {SCALE_LIMIT:.0f}x", None))
    if 2_000 in cold and BIG in cold:  # for information: the first run after an edit
        growth = cold[BIG].seconds / cold[2_000].seconds
        verdicts.append(Verdict("list --json, first run (miss): time(20,000)/time(2,000)", f"{growth:.1f}x", "info", None))
    if 2_000 in cold:
        verdicts.append(Verdict("list --json @ 2,000, first run (miss): time", f"{cold[2_000].seconds:.2f} s", "info", None))
    header = ["command (--kb generated)", "treatments", "runs", "median s", "min-max s", "us/treatment", "RSS MiB", "first run s", "output"]
    return table(rows, header, right={1, 2, 3, 4, 5, 6, 7}), verdicts


# --- main ------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=None, help="rounds per command (default 7, or 3 with --quick)")
    parser.add_argument("--quick", action="store_true", help="3 rounds and no 20,000-treatment knowledge base")
    parser.add_argument("--big-runs", type=int, default=2, help=f"rounds that include the {BIG:,}-treatment runs (default 2)")
    parser.add_argument("--check", action="store_true", help="exit 1 when any target fails")
    parser.add_argument("--no-scale", action="store_true", help="skip the generated knowledge bases")
    parser.add_argument("--keep", type=Path, default=None, help="write the generated knowledge bases here and keep them")
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 3 if args.quick else 7
    if args.runs < 1 or args.big_runs < 1:
        parser.error("--runs and --big-runs must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    cli = backpain_argv()
    started = time.perf_counter()
    print(
        f"backpain benchmark: {' '.join(cli)} at {revision()} (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {args.runs} rounds)"
    )

    sizes = () if args.no_scale else (QUICK_SCALE_SIZES if args.quick else SCALE_SIZES)
    workdir = Path(tempfile.mkdtemp(prefix="backpain-bench-")) if args.keep is None else args.keep
    workdir.mkdir(parents=True, exist_ok=True)
    env = base_env(workdir)
    pairs = build_pairs(cli, env)
    global _spawner
    _spawner = Spawner(workdir)
    before = source_fingerprint()
    try:
        scale, cold = measure(args, cli, env, pairs, sizes, workdir, started)
        verdicts = report(pairs, scale, cold, sizes)  # before cleaning up: it counts the saved list output
        if source_fingerprint() != before:
            print("\n  warning: src/ or data/treatments.yaml changed during the run: these figures mix versions; run again")
    finally:
        _spawner.close()
        _spawner = None
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    failed = [v for v in verdicts if v.ok is False]
    print(f"\n{len(verdicts) - len(failed)} of {len(verdicts)} targets met; total {time.perf_counter() - started:.0f} s")
    return 1 if args.check and failed else 0


def measure(
    args: argparse.Namespace, cli: list[str], env: dict[str, str], pairs: list[Pair], sizes: Sequence[int], workdir: Path, started: float
) -> tuple[dict[tuple[str, int], Series], dict[int, Run]]:
    kbs: dict[int, Path] = {}
    if sizes:
        print("generating knowledge bases:", flush=True)
    for size in sizes:
        kbs[size] = workdir / f"kb-{size}.yaml"
        generate_kb(size, kbs[size])
        check_generated(cli, env, size, kbs[size])
    scale = build_scale(cli, env, kbs)
    generate_journal(cli, env, workdir)

    # One untimed run of each command and floor: byte-compile, warm the page cache, surface errors early.
    for series in [s for p in pairs for s in (p.command, p.floor)]:
        warm = run_once(series.argv, series.env)
        if warm.exit_code != 0:
            print(f"  warning: {series.label} exited {warm.exit_code}: {warm.stderr.decode(errors='replace').strip()[:200]}")

    # The first run on each generated file: a cache miss, so it parses and validates the YAML.
    cold: dict[int, Run] = {}
    for size, path in kbs.items():
        cold[size] = run_once([*cli, "--kb", str(path), "list", "--json"], env)
        print(f"  first run on {size:,} treatments (cache miss): {cold[size].seconds:.2f} s", flush=True)

    print(f"timing {len(pairs)} commands against their floors, alternately, and {len(scale)} scale commands:", flush=True)
    for i in range(args.runs):
        for p in pairs:
            first, second = (p.floor, p.command) if i % 2 == 0 else (p.command, p.floor)
            first.add()
            second.add()
        for (_, size), series in scale.items():
            if size < BIG or i < args.big_runs:
                series.add()
        print(f"  round {i + 1}/{args.runs} done ({time.perf_counter() - started:.0f} s)", flush=True)
    return scale, cold


def report(pairs: list[Pair], scale: dict[tuple[str, int], Series], cold: dict[int, Run], sizes: Sequence[int]) -> list[Verdict]:
    print()
    text, verdicts = report_pairs(pairs)
    print(text)
    completing = next(p for p in pairs if p.name.startswith("complete"))
    completion = completing.command.runs[-1].stdout_head.decode(errors="replace").split()
    shown = ", ".join(completion[:5]) if completion else "none"
    print(f"  completion of 'backpain explain epi' offered: {shown}")
    if scale:
        print()
        scale_text, scale_verdicts = report_scale(scale, cold, sizes)
        print(scale_text)
        verdicts += scale_verdicts

    print()
    print(table([[v.label, v.measured, v.limit, verdict(v.ok)] for v in verdicts], ["target", "measured", "limit", "result"], right={1}))
    for s in [p.command for p in pairs] + list(scale.values()):
        for run in s.failures[:1]:
            print(f"  {s.label}: {describe_failures(s)}; first error: {run.stderr.decode(errors='replace').strip()[:300]}")
    return verdicts


if __name__ == "__main__":
    sys.exit(main())
