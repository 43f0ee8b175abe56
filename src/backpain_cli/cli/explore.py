"""Commands for exploring the options: list, explain, compare, search, red-flags and sources."""

from typing import Annotated

import typer

from backpain_cli.cli import output, seams
from backpain_cli.cli.completion import complete_name, complete_tier, complete_treatment
from backpain_cli.cli.root import app, state_of


@app.command("list")
def list_command(
    ctx: typer.Context,
    tier: Annotated[
        str | None,
        typer.Option(
            "--tier", metavar="TIER", help="Only one tier: its number, name or a word such as surgery.", autocompletion=complete_tier
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (an array of options).")] = False,
) -> None:
    """List every option, grouped by tier, in pathway order."""
    kb = state_of(ctx).knowledge()
    if tier is not None:
        found = kb.tier_called(tier)
        if found is None:
            from backpain_cli.errors import UsageError

            names = "; ".join(f"{n} {t.name}" for n, t in enumerate(kb.tiers, start=1))
            raise UsageError(f"no tier called '{tier[:60]}'; give its number or name: {names}")
        tier = found.id
    if as_json:
        from backpain_cli.views import data

        output.print_json(data.treatment_list(kb, tier))
        return
    from backpain_cli.views import text

    output.render(text.treatment_list(kb, tier))


@app.command("explain")
def explain_command(
    ctx: typer.Context,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="A name or any other word for it, e.g. epidural, ibuprofen, physio; or a condition such as sciatica for its options.",
            autocompletion=complete_name,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Explain one option: what it is, benefits, risks, what each guideline says, questions to ask.

    A condition or a kind of care (sciatica, slipped disc, tablets, surgery) shows a short page of its
    options, from first steps to last resort.
    """
    from backpain_cli.knowledge.lookup import NameIndex

    kb = state_of(ctx).knowledge()
    index = NameIndex.build(kb)
    found = index.find(name)
    if index.is_topic(found):
        topic = kb.topic(found)
        if as_json:
            from backpain_cli.views import data

            output.print_json(data.topic_detail(kb, topic))
            return
        from backpain_cli.views.topic_text import explain_topic

        output.render(explain_topic(kb, topic))
        return
    treatment = kb.treatment(found)
    today = seams.today()
    if as_json:
        from backpain_cli.views import data

        output.print_json(data.treatment_detail(kb, treatment, today))
        return
    from backpain_cli.views import text

    output.render(text.explain(kb, treatment, today))


@app.command("compare")
def compare_command(
    ctx: typer.Context,
    names: Annotated[
        list[str],
        typer.Argument(
            metavar="NAME...",
            help="Two or more ids, names or aliases, e.g. epidural physio 'spinal cord stimulator'.",
            autocompletion=complete_treatment,
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare options side by side: what each is, how well it works, risks, time, guidelines, cost, who it is for."""
    from backpain_cli.engine.compare import compare
    from backpain_cli.knowledge.lookup import NameIndex

    kb = state_of(ctx).knowledge()
    index = NameIndex.build(kb)
    comparison = compare(kb, [kb.treatment(index.resolve(name)) for name in names])
    if as_json:
        from backpain_cli.engine.compare import comparison_json

        output.print_json(comparison_json(comparison))
        return
    from backpain_cli.views.compare_text import render_comparison

    output.render(render_comparison(kb, comparison))


@app.command("search")
def search_command(
    ctx: typer.Context,
    text: Annotated[
        str,
        typer.Argument(
            metavar="WORDS", help="Words to look for in names, summaries, benefits, risks and guideline notes; typos are forgiven."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (an array of hits, best first).")] = False,
    limit: Annotated[int, typer.Option("--limit", metavar="N", help="Show at most this many options.")] = 10,
) -> None:
    """Search every option's text, best matches first, with the matching words highlighted.

    A condition or a kind of care (sciatica, slipped disc, tablets) lists its options in pathway order:
    first steps first, surgery last.
    """
    from backpain_cli.engine.search import SearchIndex

    kb = state_of(ctx).knowledge()
    index = SearchIndex.build(kb)
    hits = index.search(text, limit)
    if as_json:
        from backpain_cli.engine.search import search_json

        output.print_json(search_json(hits))
        return
    from backpain_cli.views.search_text import render_hits

    output.render(render_hits(kb, text, hits, index.topics_named(text)))


@app.command("red-flags")
def red_flags_command(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List the warning signs that need a medical check first, with what to do about each."""
    kb = state_of(ctx).knowledge()
    if as_json:
        from backpain_cli.views import data

        output.print_json(data.red_flags(kb))
        return
    from backpain_cli.views import text

    output.render(text.red_flags(kb))


@app.command("sources")
def sources_command(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """List every source with title, year, section and URL, and which entries cite it."""
    from backpain_cli.views import data

    kb = state_of(ctx).knowledge()
    if as_json:
        output.print_json(data.sources(kb))
        return
    from backpain_cli.views import text

    output.render(text.sources(kb, data.citations(kb, for_people=True)))
