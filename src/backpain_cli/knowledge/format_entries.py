"""The knowledge-base format, part 1: the entries (treatments and tiers) and what they are made of.

Declared with the building blocks of ``spec.py``; ``format.py`` puts the whole file together.
"""

from __future__ import annotations

from typing import Any, cast

from backpain_cli.knowledge import model as m
from backpain_cli.knowledge.spec import (
    Choice,
    ConditionSpec,
    Date,
    Field,
    Flag,
    Ident,
    ListOf,
    Reading,
    Record,
    Ref,
    Text,
    Year,
)

TEXT, IDENT, DATE, FLAG, CONDITION = Text(), Ident(), Date(), Flag(), ConditionSpec()
TEXTS = ListOf(TEXT)
SOURCE_IDS = ListOf(Ref("sources", "source"))
TREATMENT_IDS = ListOf(Ref("treatments", "treatment"))
# What a rule's kind says when its condition holds (exclude, when) or does not (require, after), and
# the status it sets when it names none.
RULE_KINDS: dict[str, m.Status | None] = {"exclude": "not-recommended", "require": "not-yet", "after": "next", "when": None}
# What a person's own experience may turn an option into: never a status that puts it forward.
SIGNAL_STATUSES = ("helped", "tried", "not-needed")
AUDIT_CHECKS = ("harms", "benefit-size", "source-years", "review-date")
# --- small records -----------------------------------------------------------------------------------


def _source(v: dict[str, Any], path: str, r: Reading) -> m.Source:
    if v["year"] is not None and v["undated"] is not None:
        r.fail(f"{path}.undated", "a source with a year is not undated", "remove one of year and undated")
    return m.Source(**v)


SOURCE = Record(
    "source",
    [
        Field("id", IDENT, "a short id the entries cite"),
        Field("label", TEXT, "the short form shown in running text, such as `NICE NG59`"),
        Field("title", TEXT, "the full title"),
        Field("publisher", TEXT, "who published it"),
        Field("year", Year(), "the year of publication", required=False),
        Field("section", TEXT, "the part relied on", required=False),
        Field("url", TEXT, "where to read it", required=False),
        Field("undated", TEXT, "why there is no year (a living web page); `kb audit` accepts it instead of a year", required=False),
    ],
    _source,
)
STATEMENT = Record(
    "statement",
    [
        Field("text", TEXT, "one clinical statement, in plain words"),
        Field("sources", SOURCE_IDS, "the sources behind it"),
        Field("known", FLAG, "`false` when it says a size or a rate is not known (no source gives one)", required=False, default=True),
    ],
    lambda v, path, r: m.Statement(**v),
)
STANCE = Record(
    "guideline view",
    [
        Field("source", Ref("sources", "source"), "the guideline"),
        Field("direction", Choice(m.DIRECTIONS), "which way it points (`restricted`: only for some people)"),
        Field("strength", TEXT, "its strength, in the guideline's own terms"),
        Field("note", TEXT, "what it says, in plain words"),
        Field("section", TEXT, "the recommendation number", required=False),
        Field("verified", Choice(("V", "S", "U")), "how sure we are: read in the guideline (V), in a summary (S), not confirmed (U)"),
    ],
    lambda v, path, r: m.Stance(**v),
)
# A step a person should act on (``now``, or ``helped``: keep it up) is listed on the first screen with a
# short reason, so a rule or signal that sets one must give it, in at most this many characters.
SHORT_MAX = 60
SHORT_NEEDED = ("now", "helped")
SHORT_MEANING = (
    f"the reason in a few words (at most {SHORT_MAX} characters) for the first screen and the plan's first page; "
    f"needed with status {' or '.join(SHORT_NEEDED)}"
)


def _short(v: dict[str, Any], path: str, r: Reading) -> None:
    """A step on the first screen needs its short reason, and it must be short."""
    if v["short"] is None and v["status"] in SHORT_NEEDED:
        r.fail(
            path,
            "missing key 'short'",
            f"a {v['status']} step is listed on the first screen with a reason of at most {SHORT_MAX} characters",
        )
    elif v["short"] is not None and len(v["short"]) > SHORT_MAX:
        r.fail(f"{path}.short", f"is {len(v['short'])} characters long", f"keep it to {SHORT_MAX}; the full reason is shown with --all")


def _signal(v: dict[str, Any], path: str, r: Reading) -> m.Signal:
    _short(v, path, r)
    return m.Signal(**v)


SIGNAL = Record(
    "signal",
    [
        Field("status", Choice(SIGNAL_STATUSES), "what the option becomes: never a status that puts it forward"),
        Field("reason", TEXT, "what to tell the person"),
        Field("short", TEXT, SHORT_MEANING, required=False),
        Field("sources", SOURCE_IDS, "the sources behind it"),
    ],
    _signal,
)
AUDIT_EXCEPTION = Record(
    "audit exception",
    [Field("check", Choice(AUDIT_CHECKS), "the `kb audit` check it excuses"), Field("reason", TEXT, "why, in plain words")],
    lambda v, path, r: m.AuditException(**v),
)


def _rule(v: dict[str, Any], path: str, r: Reading) -> m.Rule | None:
    kinds = [k for k in RULE_KINDS if v[k] is not None]
    if len(kinds) > 1:
        r.fail(path, f"a rule takes one of exclude/require/after/when, not {' and '.join(kinds)}")
        return None
    kind = kinds[0] if kinds else "always"
    status = v["status"] or RULE_KINDS.get(kind)
    if status is None:
        r.fail(path, "missing key 'status'", "a 'when' rule or an unconditional rule needs a status")
        status = "not-yet"
    guidelines = frozenset(v["guidelines"]) if v["guidelines"] is not None else None
    condition = v[kind] if kind != "always" else None
    _short({**v, "status": status}, path, r)
    return m.Rule(kind, condition, cast(m.Status, status), v["reason"], v["sources"], guidelines, path, v["short"])


class _RuleStatus(Choice):
    """A rule's status: the engine's own statuses are refused with a reason, not just "not allowed"."""

    def read(self, raw: Any, path: str, r: Reading) -> Any:
        if isinstance(raw, str) and raw in m.STATUSES and raw not in self.values:
            r.fail(path, f"'{raw}' is decided by the engine, not by a rule", "use another status")
            return self.fallback
        return super().read(raw, path, r)


RULE = Record(
    "rule",
    [
        *(
            Field(kind, CONDITION, meaning, required=False)
            for kind, meaning in (
                ("exclude", "a safety rule: when it holds, the option is held back (default status `not-recommended`)"),
                ("require", "a safety rule: unless it holds, the option is held back (default `not-yet`)"),
                ("after", "a safety rule: until it holds, the option waits (default `next`)"),
                ("when", "a placement rule: when it holds, the option goes this far (needs `status`)"),
            )
        ),
        Field("status", _RuleStatus(m.RULE_STATUSES), "the status it sets", required=False),
        Field("reason", TEXT, "the reason shown with the step"),
        Field("short", TEXT, SHORT_MEANING, required=False),
        Field("sources", SOURCE_IDS, "the sources behind it"),
        Field("guidelines", ListOf(Ref("guidelines", "guideline")), "the guideline modes it applies in (default: all)", required=False),
    ],
    _rule,
)
RULES = ListOf(RULE)


# --- treatments and tiers ------------------------------------------------------------------------------


def _treatment(v: dict[str, Any], path: str, r: Reading) -> m.Treatment:
    rules = tuple(rule for rule in v["rules"] if rule is not None)
    if rules and (rules[-1].condition is not None or rules[-1].guidelines is not None):
        r.fail(
            f"{path}.rules",
            "the last rule must apply always (no condition, no guidelines)",
            "end with a rule that has only status, reason and sources",
        )
    if v["review_due"] < v["reviewed"]:
        r.fail(f"{path}.review_due", "is before the date it was reviewed")
    article = v["article"]
    return m.Treatment(
        **{k: v[k] for k in ("id", "name", "tier", "care_type", "summary", "how_it_works", "benefits", "benefit_size", "risks")},
        aliases=tuple(a.lower() for a in v["aliases"]),
        expect=m.Expectation(**v["expect"]),
        suitable_for=v["suitable_for"],
        not_suitable_for=v["not_suitable_for"],
        guidelines=v["guidelines"],
        article=None if article is None else m.ArticleClaim(**article),
        access=m.Access(**v["access"]),
        questions=v["questions"],
        sources=v["sources"],
        reviewed=v["reviewed"],
        review_due=v["review_due"],
        rules=rules,
        signals=v["signals"],
        audit_exceptions=v["audit_exceptions"],
    )


TREATMENT = Record(
    "treatment",
    [
        Field("id", IDENT, "a unique id, used on the command line"),
        Field("name", TEXT, "its name for people"),
        Field("aliases", ListOf(TEXT, allow_empty=True), "other names people type (brands, everyday words); unique across entries"),
        Field("tier", Ref("tiers", "tier"), "the tier it belongs to"),
        Field("care_type", Choice(m.CARE_TYPES), "what `--avoid` covers it, and which default signals apply"),
        Field("summary", TEXT, "one or two plain sentences saying what it is"),
        Field("how_it_works", TEXT, "how it is thought to work"),
        Field(
            "expect",
            Record(
                "expectations",
                [
                    Field(k, TEXT, d)
                    for k, d in (("time", "how long it takes"), ("recovery", "recovery afterwards"), ("onset", "how soon it may help"))
                ],
            ),
            "what to expect",
        ),
        Field("benefits", ListOf(STATEMENT), "what it can do"),
        Field(
            "benefit_size",
            ListOf(STATEMENT),
            "how large the benefit is, against what; or that no source gives a size (`known: false`)",
            required=False,
            default=(),
        ),
        Field(
            "risks",
            ListOf(STATEMENT),
            "its physical harms and side effects, with how often where a source says",
            required=False,
            default=(),
        ),
        Field("suitable_for", TEXTS, "who it is for"),
        Field("not_suitable_for", TEXTS, "who it is not for"),
        Field("guidelines", ListOf(STANCE), "each guideline's view, shown side by side"),
        Field(
            "article",
            Record(
                "article claim",
                [
                    Field("claim", TEXT, "what the article says"),
                    Field("agrees", FLAG, "whether the guidelines agree"),
                    Field("note", TEXT, "what the guidelines say instead"),
                ],
            ),
            "where the popular article this tool grew from says something about it",
            required=False,
        ),
        Field(
            "access",
            Record("access", [Field(k, TEXT, d) for k, d in (("cost", "cost"), ("insurance", "insurance"), ("access", "getting it"))]),
            "cost and access",
        ),
        Field("questions", TEXTS, "questions to ask a specialist"),
        Field("sources", SOURCE_IDS, "the main sources"),
        Field("reviewed", DATE, "when the entry was last checked"),
        Field("review_due", DATE, "when it must be checked again"),
        Field("rules", RULES, "how the pathway decides on it; the last rule applies always"),
        Field(
            "signals",
            Record(
                "own signals",
                [
                    Field(k, SIGNAL, f"when it {w}", required=False)
                    for k, w in (
                        ("helped", "helped enough"),
                        ("some", "helped a little"),
                        ("no-help", "did not help"),
                        ("side-effects", "caused side effects"),
                    )
                ],
                lambda v, path, r: {k: s for k, s in v.items() if s is not None},
            ),
            "its own wording for what a person says of it, over the care type's default",
            required=False,
            default={},
        ),
        Field(
            "audit_exceptions",
            ListOf(AUDIT_EXCEPTION),
            "deliberate gaps `kb audit` accepts, each with its reason",
            required=False,
            default=(),
        ),
    ],
    _treatment,
)


def _tier(v: dict[str, Any], path: str, r: Reading) -> m.Tier:
    rules = tuple(rule for rule in v["rules"] if rule is not None)
    for rule in rules:
        if rule.kind not in ("exclude", "require", "after"):
            r.fail(rule.path, f"a tier rule must be exclude, require or after, not {rule.kind}", "tier rules only hold options back")
    return m.Tier(v["id"], v["name"], v["description"], rules, tuple(a.lower() for a in v["aliases"]))


TIER = Record(
    "tier",
    [
        Field("id", IDENT, "a unique id"),
        Field("name", TEXT, "its name for people"),
        Field("description", TEXT, "what it holds"),
        Field(
            "aliases", ListOf(TEXT, allow_empty=True), "other words people type for it (`list --tier surgery`)", required=False, default=()
        ),
        Field(
            "rules",
            ListOf(RULE, allow_empty=True),
            "gates for every option in it (exclude, require or after only)",
            required=False,
            default=(),
        ),
    ],
    _tier,
)
