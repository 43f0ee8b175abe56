"""Plain data views: the stable JSON contract. Pure functions; no Rich, no Typer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from backpain_cli.knowledge.model import Knowledge, Source, Statement, Topic, Treatment

if TYPE_CHECKING:  # list and explain never load the engine
    from backpain_cli.engine.pathway import Pathway, Step
    from backpain_cli.knowledge.conditions import Check

JSON_SCHEMA_VERSION = 2


def source(s: Source) -> dict[str, Any]:
    return {
        "id": s.id,
        "label": s.label,
        "title": s.title,
        "publisher": s.publisher,
        "year": s.year,
        "undated": s.undated,
        "section": s.section,
        "url": s.url,
    }


def treatment_summary(kb: Knowledge, t: Treatment) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "tier": t.tier,
        "tier_name": kb.tier(t.tier).name,
        "aliases": list(t.aliases),
        "summary": t.summary,
    }


def statement(s: Statement) -> dict[str, Any]:
    return {"text": s.text, "sources": list(s.sources), "known": s.known}


def treatment_list(kb: Knowledge, tier: str | None = None) -> list[dict[str, Any]]:
    """Every option in pathway order: by tier, then as the knowledge base lists them."""
    return [treatment_summary(kb, t) for group in kb.tiers if tier in (None, group.id) for t in kb.treatments if t.tier == group.id]


def treatment_detail(kb: Knowledge, t: Treatment, today: dt.date) -> dict[str, Any]:
    return {
        **treatment_summary(kb, t),
        "kind": "treatment",
        "care_type": t.care_type,
        "how_it_works": t.how_it_works,
        "what_to_expect": {"time": t.expect.time, "recovery": t.expect.recovery, "onset": t.expect.onset},
        "benefits": [statement(s) for s in t.benefits],
        "benefit_size": [statement(s) for s in t.benefit_size],
        "risks": [statement(s) for s in t.risks],
        "suitable_for": list(t.suitable_for),
        "not_suitable_for": list(t.not_suitable_for),
        "guidelines": [
            {
                "source": g.source,
                "direction": g.direction,
                "strength": g.strength,
                "section": g.section,
                "note": g.note,
                "verified": g.verified,
                "verified_meaning": kb.verification[g.verified],
            }
            for g in t.guidelines
        ],
        "guidelines_disagree": t.disagreement(),
        "article": None if t.article is None else {"claim": t.article.claim, "agrees": t.article.agrees, "note": t.article.note},
        "cost_and_access": {"cost": t.access.cost, "insurance": t.access.insurance, "access": t.access.access},
        "questions": list(t.questions),
        "sources": [source(kb.sources[s]) for s in t.all_sources()],
        "reviewed": t.reviewed.isoformat(),
        "review_due": t.review_due.isoformat(),
        "review_overdue": today > t.review_due,
        "disclaimer": kb.disclaimer,
    }


def topic_detail(kb: Knowledge, topic: Topic) -> dict[str, Any]:
    """A topic (a condition or a kind of care): its options in pathway order, and those advised against."""
    against = topic.advised_against
    return {
        "kind": "topic",
        "id": topic.id,
        "name": topic.name,
        "aliases": list(topic.aliases),
        "summary": topic.summary,
        "sources": [source(kb.sources[s]) for s in topic.sources],
        "options": [treatment_summary(kb, kb.treatment(i)) for i in topic.options],
        "advised_against": None
        if against is None
        else {
            "text": against.text,
            "sources": list(against.sources),
            "options": [treatment_summary(kb, kb.treatment(i)) for i in against.options],
        },
        "answers": list(topic.answers),
        "disclaimer": kb.disclaimer,
    }


def red_flags(kb: Knowledge) -> list[dict[str, Any]]:
    return [
        {
            "code": f.code,
            "sign": f.sign,
            "question": f.question,
            "level": f.level,
            "action": f.action,
            "why": f.why,
            "sources": list(f.sources),
        }
        for f in kb.red_flags
    ]


def sources(kb: Knowledge) -> list[dict[str, Any]]:
    cited = citations(kb)
    return [{**source(s), "cited_by": cited.get(s.id, [])} for s in kb.sources.values()]


def citations(kb: Knowledge, *, for_people: bool = False) -> dict[str, list[str]]:
    """Source id -> the entries that cite it: ids for JSON (treatment ids, ``red-flag:CODE``,
    ``stage:ID``...), or with ``for_people`` the names a person knows ("Massage", "Warning sign: ...")."""
    cited: dict[str, dict[str, None]] = {}

    def add(ids: tuple[str, ...], key: str, name: str) -> None:
        for source_id in ids:
            cited.setdefault(source_id, {})[name if for_people else key] = None

    for t in kb.treatments:
        add(t.all_sources(), t.id, t.name)
    for f in kb.red_flags:
        add(f.sources, f"red-flag:{f.code}", f"Warning sign: {f.sign}")
    for rule in kb.red_flag_rules:
        add(rule.sources, "red-flag-rules", "Warning signs together")
    for stage in kb.stages:
        add(stage.sources, f"stage:{stage.id}", f"How long: {stage.label}")
    for group in kb.risk_groups.values():
        add(group.sources, f"risk:{group.id}", f"Risk group: {group.label}")
    for tier in kb.tiers:
        for tier_rule in tier.rules:
            add(tier_rule.sources, f"tier:{tier.id}", tier.name)
    for result, by_type in kb.signals.items():
        for signal in by_type.values():
            add(signal.sources, f"signal:{result}", "What comes after something you tried")
    for mode in kb.guideline_modes.values():
        add(mode.sources, f"guideline:{mode.id}", f"Following {mode.short}")
    return {k: list(v) for k, v in cited.items()}


def check(c: Check) -> dict[str, Any]:
    out: dict[str, Any] = {"check": c.text, "result": _truth(c.result)}
    if c.answer is not None:
        out["answer"] = c.answer
    if c.children:
        out["checks"] = [check(child) for child in c.children]
    return out


def _truth(value: bool | None) -> str:
    return {True: "met", False: "not met", None: "unknown"}[value]


def step(s: Step) -> dict[str, Any]:
    return {
        "id": s.treatment.id,
        "name": s.treatment.name,
        "tier": s.treatment.tier,
        "order": s.order,
        "status": s.status,
        "reason": s.reason,
        "sources": list(s.sources),
        "decided_by": s.rule_path,
        "missing_answers": list(s.missing),
        "would_change_with": list(s.would_change_with()),
        "avoided": s.avoided,
        "trace": [
            {
                "rule": t.path,
                "kind": t.kind,
                "status": t.status,
                "outcome": t.outcome,
                **({"condition": check(t.check)} if t.check is not None else {}),
            }
            for t in s.trace
        ],
    }


def pathway(kb: Knowledge, p: Pathway) -> dict[str, Any]:
    profile = p.profile
    urgent = None
    if p.urgent is not None:
        urgent = {
            "level": p.urgent.level,
            "message": p.urgent.message,
            "red_flags": list(p.urgent.red_flags),
            "sources": list(p.urgent.sources),
            "actions": [
                {"level": a.level, "message": a.message, "red_flags": list(a.red_flags), "sources": list(a.sources)}
                for a in p.urgent.actions
            ],
        }
    stage = kb.stage(p.stage) if p.stage else None
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "knowledge_base_version": kb.version,
        "stage": p.stage,
        "stage_info": None
        if stage is None
        else {"label": stage.label, "meaning": stage.meaning, "what_we_do": stage.what_we_do, "sources": list(stage.sources)},
        "guideline": p.guideline,
        "guideline_name": kb.guideline_modes[p.guideline].name,
        "answers": {
            name: sorted(value) if isinstance(value, frozenset) else value for name, value in profile.items() if name != "guideline"
        },
        "risk_group": None
        if profile.risk is None
        else {
            "id": profile.risk,
            "label": kb.risk_groups[profile.risk].label,
            "meaning": kb.risk_groups[profile.risk].meaning,
            "sources": list(kb.risk_groups[profile.risk].sources),
        },
        "risk_tool_note": kb.risk_tool_note,
        "urgent": urgent,
        "warning_signs": kb.warning_signs,
        "steps": [step(s) for s in p.steps],
        "disclaimer": kb.disclaimer,
    }
