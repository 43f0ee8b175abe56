"""The knowledge-base format, declared once: validation, ``kb schema`` and the docs' tables come from here.

Each section of data/treatments.yaml is a ``Record`` of ``Field``s (see ``spec.py``), with a plain
meaning for the docs and a ``make`` function that builds the model object and checks what spans
several fields. ``build`` reads a whole parsed file: first the ids that references may name, then
every section, then the checks that span sections (unique names, every fact has a question...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backpain_cli.errors import Problem
from backpain_cli.knowledge import model as m
from backpain_cli.knowledge.conditions import ConditionParser
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.knowledge.format_entries import DATE, SOURCE, TEXT, TIER, TREATMENT
from backpain_cli.knowledge.format_sections import (
    GUIDELINE_MODE,
    LEVEL_INFO,
    MESSAGES,
    QUESTION,
    RED_FLAG,
    RED_FLAG_RULE,
    RISK_GROUP,
    SIGNALS_BY_TYPE,
    STAGE,
    TOPIC,
    WALKABLE,
    Bound,
    NamedConditions,
    guideline_modes,
    messages_record,
)
from backpain_cli.knowledge.lookup import normalise
from backpain_cli.knowledge.spec import (
    Choice,
    Field,
    ListOf,
    MapOf,
    Reading,
    Record,
)

# --- the whole file --------------------------------------------------------------------------------------


def _knowledge(v: dict[str, Any], path: str, r: Reading) -> m.Knowledge:
    treatments = tuple(t for t in v["treatments"] if t is not None)
    topics = _topics(r, v["topics"], treatments, v["tiers"])
    _check_names_unique(r, treatments, topics)
    _check_tier_words_unique(r, v["tiers"])
    levels: dict[str, m.LevelInfo] = {}
    for i, info in enumerate(v["levels"]):
        if info.level in levels:
            r.fail(f"levels[{i}].level", f"level '{info.level}' is listed twice")
        levels[info.level] = info
    for level in m.LEVELS:
        if level not in levels:
            r.fail("levels", f"missing level '{level}'")
    return m.Knowledge(
        version=v["version"],
        reviewed=v["reviewed"],
        review_due=v["review_due"],
        disclaimer=v["disclaimer"],
        warning_signs=v["warning_signs"],
        risk_tool_note=v["risk_tool_note"],
        sources={s.id: s for s in v["sources"] if s is not None},
        tiers=v["tiers"],
        treatments=treatments,
        # Most urgent first, everywhere a list of warning signs is shown (stable: the file's order within a level).
        red_flags=tuple(sorted(v["red_flags"], key=lambda f: m.LEVELS.index(f.level))),
        red_flag_rules=tuple(rule for rule in v["red_flag_rules"] if rule is not None),
        levels=levels,
        stages=_stages(r, v["stages"]),
        risk_groups=_one_each(
            r, v["risk_groups"], "risk_groups", "risk group", FACTS["risk"].values, "list low, medium and high: --risk accepts each of them"
        ),
        questions=_one_each(r, v["questions"], "questions", "question for fact", tuple(FACTS), "", key="fact"),
        walk=_walk(r, v["walk"]),
        conditions=v["conditions"],
        guideline_modes=v["guidelines"],
        signals=v["signals"],
        messages=v["messages"],
        verification=v["verification"],
        topics=topics,
        by_id={t.id: t for t in treatments},
    )


KNOWLEDGE = Record(
    "the file",
    [
        Field("version", TEXT, "the knowledge base's version, shown by `--version`"),
        Field("reviewed", DATE, "when it was last reviewed"),
        Field("review_due", DATE, "when it must be reviewed again"),
        Field("disclaimer", TEXT, "shown once with every piece of advice"),
        Field("warning_signs", TEXT, "the one line on warning signs at the top of a pathway"),
        Field("risk_tool_note", TEXT, "where a risk group comes from (the tool's copyright stays with Keele)"),
        Field(
            "verification",
            Record("verification", [Field(t, TEXT, f"what `{t}` means") for t in ("V", "S", "U")]),
            "what each verification letter means, in plain words",
        ),
        Field(
            "guidelines",
            Record("guideline modes", [Field(g, GUIDELINE_MODE, f"the `{g}` mode") for g in m.GUIDELINES], guideline_modes),
            "the ways to read the guidelines (`--guideline`)",
        ),
        Field(
            "messages",
            Record(
                "messages",
                [Field(k, TEXT, "placeholders: " + (", ".join("`{" + p + "}`" for p in ps) or "none")) for k, ps in MESSAGES.items()],
                messages_record,
            ),
            "the engine's and the walk's sentences",
        ),
        Field(
            "signals",
            Record(
                "signals",
                [
                    Field(result, SIGNALS_BY_TYPE, f"when a person says it {w}")
                    for result, w in (
                        ("helped", "helped enough"),
                        ("some", "helped a little"),
                        ("no-help", "did not help"),
                        ("side-effects", "caused side effects"),
                    )
                ],
            ),
            "what a person says of an option they tried does to it, by care type",
        ),
        Field("sources", ListOf(SOURCE), "every source the file cites"),
        Field("stages", ListOf(STAGE), "acute, subacute and chronic, with their bounds in weeks"),
        Field("risk_groups", ListOf(RISK_GROUP), "the risk groups a clinician may give"),
        Field("questions", ListOf(QUESTION), "one question per fact"),
        Field("walk", ListOf(Choice(WALKABLE)), "the guided walk's questions, in order; warning signs first"),
        Field("levels", ListOf(LEVEL_INFO), "each urgency level's heading and hold reason"),
        Field("tiers", ListOf(TIER), "the tiers, conservative care first, surgery last"),
        Field("red_flags", ListOf(RED_FLAG), "the warning signs"),
        Field("red_flag_rules", ListOf(RED_FLAG_RULE, allow_empty=True), "combinations of signs with an action of their own"),
        Field("conditions", NamedConditions(), "named conditions rules can share"),
        Field(
            "topics",
            ListOf(TOPIC, allow_empty=True),
            "conditions and kinds of care people name (sciatica, tablets): each a short page of its options",
            required=False,
            default=(),
        ),
        Field("treatments", ListOf(TREATMENT), "the options, last in the file"),
    ],
    _knowledge,
)


def build(raw: Any, problems: list[Problem]) -> m.Knowledge | None:
    """Validate a parsed file; the model, or ``None`` with ``problems`` filled in (every one found)."""
    top = raw if isinstance(raw, Mapping) else {}
    vocabularies = {
        "sources": frozenset(_ids(problems, top.get("sources"), "sources", "id")),
        "tiers": frozenset(_ids(problems, top.get("tiers"), "tiers", "id")),
        "treatments": frozenset(_ids(problems, top.get("treatments"), "treatments", "id")),
        "red_flags": frozenset(_ids(problems, top.get("red_flags"), "red_flags", "code")),
        "guidelines": frozenset(m.GUIDELINES),
    }
    named_raw = top.get("conditions")
    parser = ConditionParser(vocabularies, named_raw if isinstance(named_raw, Mapping) else {}, problems)
    knowledge = KNOWLEDGE.read(raw, "", Reading(problems, vocabularies, parser))
    return None if problems or not isinstance(knowledge, m.Knowledge) else knowledge


# --- checks that span a section ----------------------------------------------------------------------


def _ids(problems: list[Problem], raw: Any, path: str, key: str) -> list[str]:
    """First pass over a list: collect ids (for references) and report duplicates."""
    ids: dict[str, None] = {}  # ordered, with constant-time membership: knowledge bases can be large
    if not isinstance(raw, list):
        return []
    for i, item in enumerate(raw):
        if isinstance(item, Mapping) and isinstance(item.get(key), str):
            value = item[key]
            if value in ids:
                problems.append(Problem(f"{path}[{i}].{key}", f"duplicate {key} '{value}'", "each must be unique"))
            ids[value] = None
    return list(ids)


def _check_tier_words_unique(r: Reading, tiers: list[m.Tier]) -> None:
    """Every word that picks a tier (``list --tier``: its id, name or an alias) picks one tier only."""
    seen: dict[str, str] = {}
    for i, tier in enumerate(t for t in tiers if t is not None):
        words = dict.fromkeys(" ".join(w.lower().replace("-", " ").split()) for w in (tier.id, tier.name, *tier.aliases))
        for word in words:
            if word in seen and seen[word] != tier.id:
                r.fail(f"tiers[{i}].aliases", f"'{word}' already names tier '{seen[word]}'", "give each tier its own words")
            seen.setdefault(word, tier.id)


def _check_names_unique(r: Reading, treatments: tuple[m.Treatment, ...], topics: tuple[m.Topic, ...]) -> None:
    """Every id, name and alias must lead to exactly one treatment or topic, or lookups become ambiguous:
    a condition people name ("sciatica") can never also be read as one operation. Topics are read first,
    so a treatment that takes a topic's name is the one told to give it up."""
    owner: dict[str, str] = {}
    topic_ids = {t.id for t in topics}
    entries = [("topics", i, t.id, t.name, t.aliases) for i, t in enumerate(topics)]
    entries += [("treatments", i, t.id, t.name, t.aliases) for i, t in enumerate(treatments)]
    for section, index, ident, name, aliases in entries:
        for kind, value in (("id", ident), ("name", name), *(("alias", a) for a in aliases)):
            key = normalise(value)  # the same folding lookups use, so no two entries can answer one name
            if key in owner and owner[key] != ident:
                taken = owner[key]
                hint = (
                    "make it unique"
                    if taken not in topic_ids
                    else "a condition or a kind of care belongs to its topic, never to one option"
                )
                r.fail(f"{section}[{index}]", f"{kind} '{value}' is already used by '{taken}'", hint)
            owner.setdefault(key, ident)


def _topics(
    r: Reading, raw: tuple[dict[str, Any], ...], treatments: tuple[m.Treatment, ...], tiers: tuple[m.Tier, ...]
) -> tuple[m.Topic, ...]:
    """Each topic with its options checked against the treatments' own entries, in pathway order: by
    tier, then as the file lists the treatments (the order of ``list`` and of the pathway itself)."""
    by_id = {t.id: t for t in treatments}
    tier_rank = {tier.id: i for i, tier in enumerate(tiers)}
    order = {t.id: (tier_rank.get(t.tier, len(tier_rank)), i) for i, t in enumerate(treatments)}
    topics = []
    for index, v in enumerate(raw):
        path = f"topics[{index}]"
        against_raw = v["advised_against"]
        against = _unique(r, f"{path}.advised_against.options", against_raw["options"] if against_raw else (), by_id)
        listed = _unique(r, f"{path}.options", v["options"], by_id)
        options: dict[str, str] = {}  # id -> where it came from, for problems
        for i, tid in enumerate(listed):
            if tid in against:
                r.fail(f"{path}.options[{i}]", f"'{tid}' is listed both as an option and as advised against", "keep one")
            else:
                options[tid] = f"{path}.options[{i}]"
        if v["care_type"] is not None:  # every option of the kind: one guidelines only advise against goes with those
            for t in treatments:
                if t.care_type != v["care_type"] or t.id in against or t.id in options:
                    continue
                if _only_against(t) and against_raw is not None:
                    against[t.id] = None
                else:
                    options[t.id] = f"{path}.care_type"
        for tid, where in options.items():
            if _only_against(by_id[tid]):
                r.fail(where, f"guidelines only advise against '{tid}'", "list it under advised_against")
        for tid in against:
            t = by_id[tid]
            limited = {g.direction for g in t.guidelines} & {"against", "restricted"}
            if not limited and all(rule.status != "not-recommended" for rule in t.rules):
                r.fail(
                    f"{path}.advised_against.options",
                    f"'{tid}' is neither advised against nor limited in its own entry",
                    "list it under options, or add the guideline's view to the treatment",
                )
        if not options and not against:
            r.fail(path, "names no options", "add options, a care_type or advised_against")
        in_order = tuple(sorted(options, key=order.__getitem__))
        advised = None
        if against_raw is not None:
            advised = m.TopicAgainst(against_raw["text"], against_raw["sources"], tuple(sorted(against, key=order.__getitem__)))
        aliases = tuple(a.lower() for a in v["aliases"])
        topics.append(m.Topic(v["id"], v["name"], aliases, v["summary"], v["sources"], in_order, advised, v["answers"]))
    return tuple(topics)


def _only_against(t: m.Treatment) -> bool:
    """Guidelines take a side on it only to advise against it: never an option a topic puts forward."""
    directions = {g.direction for g in t.guidelines}
    return "against" in directions and not directions & {"for", "restricted"}


def _unique(r: Reading, path: str, ids: tuple[str, ...], known: Mapping[str, m.Treatment]) -> dict[str, None]:
    """The known ids of a list, in order; an id listed twice is a problem (an unknown one is reported already)."""
    out: dict[str, None] = {}
    for i, tid in enumerate(ids):
        if tid in out:
            r.fail(f"{path}[{i}]", f"'{tid}' is listed twice")
        elif tid in known:
            out[tid] = None
    return out


def _one_each(
    r: Reading, items: tuple[Any, ...], path: str, what: str, expected: tuple[str, ...], hint: str, *, key: str = "id"
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i, item in enumerate(items):
        name = getattr(item, key)
        if name in out:
            r.fail(f"{path}[{i}].{key}", f"{what} '{name}' is listed twice" if key == "id" else f"fact '{name}' has two questions")
        out[name] = item
    for name in expected:
        if name not in out:
            r.fail(path, f"missing {what} '{name}'", hint)
    return out


def _stages(r: Reading, stages: tuple[m.Stage, ...]) -> tuple[m.Stage, ...]:
    if [s.id for s in stages] != list(FACTS["stage"].values):
        r.fail("stages", "must list acute, subacute and chronic, in that order")
    elif stages[-1].weeks_bound is not None:
        r.fail("stages[2]", "the last stage has no upper bound", "set weeks to null")
    elif any(s.weeks_bound is None for s in stages[:-1]):
        r.fail("stages", "acute and subacute need a bound in weeks", "e.g. weeks: {lt: 4}")
    return stages


def _walk(r: Reading, facts: tuple[str, ...]) -> tuple[str, ...]:
    if facts and facts[0] != "red_flags":
        r.fail("walk[0]", "the walk must ask about warning signs first", "put red_flags first")
    if len(set(facts)) != len(facts):
        r.fail("walk", "a fact is asked twice")
    return facts


def tables() -> list[tuple[str, str]]:
    """(title, Markdown table) for every record of the format, in file order, for docs/knowledge-base.md."""
    seen: dict[str, Record] = {}

    def visit(record: Record) -> None:
        if record.title in seen:
            return
        seen[record.title] = record
        for f in record.fields:
            spec = f.spec
            while isinstance(spec, ListOf | MapOf):
                spec = spec.item if isinstance(spec, ListOf) else spec.value
            if isinstance(spec, Record) and not isinstance(spec, Bound):
                visit(spec)

    visit(KNOWLEDGE)
    return [(title, record.table()) for title, record in seen.items()]
