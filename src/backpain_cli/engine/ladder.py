"""The pathway as a ladder of tiers, as plain data: conservative care at the bottom, surgery at the top.

Shared by the terminal (``backpain_cli.views.ladder_text``) and the printable plan
(``backpain_cli.views.plan``). Pure and light: every text pathway draws the ladder, so this module imports
nothing beyond the model.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from backpain_cli.knowledge.model import PERMISSIVE, STATUS_TABLE, STATUSES, Knowledge, Status

if TYPE_CHECKING:
    from backpain_cli.engine.pathway import Pathway

# --- UI words (everything about treatments comes from the knowledge base) ----------------------------

# Labels and glyphs come from the one status table in the model.
STATUS_LABELS: dict[str, str] = {name: info.label for name, info in STATUS_TABLE.items()}
STATUS_GLYPHS: dict[str, str] = {name: info.glyph for name, info in STATUS_TABLE.items()}
LADDER_TOP = "more invasive: last resort"
LADDER_BOTTOM = "start here: conservative care"
HIGHLIGHTED: tuple[Status, ...] = ("now", "consider")


class LadderRung(NamedTuple):
    """One tier of the pathway as a rung: position 1 is the bottom (the most conservative tier)."""

    tier_id: str
    tier_name: str
    position: int
    statuses: tuple[Status, ...]  # one per step on the rung, most open status first
    counts: tuple[tuple[Status, int], ...]  # how many steps have each status, in STATUSES order; only those present
    highlights: tuple[tuple[Status, tuple[str, ...]], ...]  # names of the "now" and "consider" steps, in pathway order

    @property
    def total(self) -> int:
        return len(self.statuses)

    @property
    def open_count(self) -> int:
        """Steps that are now, consider or next."""
        return sum(1 for s in self.statuses if s in PERMISSIVE)

    @property
    def closed_count(self) -> int:
        return self.total - self.open_count

    @property
    def bar(self) -> str:
        """One glyph per step (see ``STATUS_GLYPHS``), most open first."""
        return "".join(STATUS_GLYPHS[s] for s in self.statuses)

    def summary(self) -> str:
        """The counts in words, e.g. "4 options: 1 now, 2 consider, 1 not recommended"."""
        noun = "option" if self.total == 1 else "options"
        counts = ", ".join(f"{n} {STATUS_LABELS[status].lower()}" for status, n in self.counts)
        return f"{self.total} {noun}: {counts}" if counts else f"{self.total} {noun}"


def ladder_rows(kb: Knowledge, pathway: "Pathway") -> list[LadderRung]:
    """The pathway as rungs in ``kb.tiers`` order: conservative care first (bottom), surgery last (top)."""
    rank = {status: i for i, status in enumerate(STATUSES)}
    rungs: list[LadderRung] = []
    for position, tier in enumerate(kb.tiers, start=1):
        steps = sorted((s for s in pathway.steps if s.treatment.tier == tier.id), key=lambda s: s.order)
        statuses = tuple(sorted((s.status for s in steps), key=rank.__getitem__))
        counts = tuple((status, statuses.count(status)) for status in STATUSES if status in statuses)
        highlights = tuple(
            (status, names) for status in HIGHLIGHTED if (names := tuple(s.treatment.name for s in steps if s.status == status))
        )
        rungs.append(LadderRung(tier.id, tier.name, position, statuses, counts, highlights))
    return rungs


def ladder_legend(rungs: Iterable[LadderRung]) -> list[tuple[Status, str, str]]:
    """(status, glyph, label) for every status on the ladder, in STATUSES order."""
    present = {s for rung in rungs for s in rung.statuses}
    return [(s, STATUS_GLYPHS[s], STATUS_LABELS[s]) for s in STATUSES if s in present]
