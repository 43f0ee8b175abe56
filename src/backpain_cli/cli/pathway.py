"""The pathway and the guided walk: answers in, a pathway out, and a plan saved on request."""

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backpain_cli.cli import output, seams
from backpain_cli.cli.completion import complete_red_flag, complete_treatment, fixed
from backpain_cli.cli.root import app, state_of
from backpain_cli.errors import UsageError, printable
from backpain_cli.knowledge.facts import FACTS
from backpain_cli.views.plan_formats import USUAL_SUFFIXES, either

_SAVE_HELP = f"Also save a printable plan to this file; {either(USUAL_SUFFIXES)} (the suffix picks the format)."

if TYPE_CHECKING:
    from backpain_cli.engine.answers import Answers


@app.command("pathway")
def pathway_command(
    ctx: typer.Context,
    months: Annotated[float | None, typer.Option("--months", metavar="N", help="How many months you have had this pain.")] = None,
    weeks: Annotated[
        float | None, typer.Option("--weeks", metavar="N", help="How many weeks you have had this pain (instead of --months).")
    ] = None,
    leg_pain: Annotated[bool | None, typer.Option("--leg-pain/--no-leg-pain", help="Pain spreads down a leg below the knee.")] = None,
    pain: Annotated[float | None, typer.Option("--pain", metavar="0-10", help="Pain on most days, 0 (none) to 10 (worst).")] = None,
    tried: Annotated[
        list[str] | None,
        typer.Option(
            "--tried",
            metavar="NAME",
            help="Tried and it did not help enough (repeatable; any name 'explain' accepts).",
            autocompletion=complete_treatment,
        ),
    ] = None,
    helped: Annotated[
        list[str] | None,
        typer.Option("--helped", metavar="NAME", help="Tried and it helped enough (repeatable).", autocompletion=complete_treatment),
    ] = None,
    helped_a_little: Annotated[
        list[str] | None,
        typer.Option(
            "--helped-a-little",
            metavar="NAME",
            help="Tried and it helped a little, not enough (repeatable).",
            autocompletion=complete_treatment,
        ),
    ] = None,
    side_effects: Annotated[
        list[str] | None,
        typer.Option(
            "--side-effects",
            metavar="NAME",
            help="Tried and it caused side effects or other problems (repeatable).",
            autocompletion=complete_treatment,
        ),
    ] = None,
    programme_weeks: Annotated[
        float | None,
        typer.Option(
            "--programme-weeks", metavar="N", help="Weeks in all you kept up an exercise programme (physiotherapy, a class, yoga)."
        ),
    ] = None,
    red_flags: Annotated[
        list[str] | None,
        typer.Option(
            "--red-flag",
            metavar="CODE",
            help="A warning sign code from 'backpain red-flags' (repeatable).",
            autocompletion=complete_red_flag,
        ),
    ] = None,
    imaging_match: Annotated[
        bool | None, typer.Option("--imaging-match/--no-imaging-match", help="A scan shows a trapped nerve matching the leg symptoms.")
    ] = None,
    neuropathic: Annotated[
        bool | None, typer.Option("--neuropathic/--no-neuropathic", help="A clinician has called it nerve-type (neuropathic) pain.")
    ] = None,
    claudication: Annotated[
        bool | None, typer.Option("--claudication/--no-claudication", help="Legs hurt on walking and ease on sitting or bending forward.")
    ] = None,
    medial_branch_block: Annotated[
        str | None,
        typer.Option(
            "--medial-branch-block",
            metavar="RESULT",
            help="Result of a diagnostic medial branch block: positive, negative or not-done.",
            autocompletion=fixed(*FACTS["medial_branch_block"].values),
        ),
    ] = None,
    risk: Annotated[
        str | None,
        typer.Option(
            "--risk",
            metavar="GROUP",
            help="Risk group from a clinician (e.g. STarT Back): low, medium or high.",
            autocompletion=fixed(*FACTS["risk"].values),
        ),
    ] = None,
    avoid: Annotated[
        list[str] | None,
        typer.Option(
            "--avoid",
            metavar="KIND",
            help="Rather avoid: medication, injections or surgery (repeatable).",
            autocompletion=fixed(*FACTS["avoid"].values),
        ),
    ] = None,
    guideline: Annotated[
        str | None,
        typer.Option(
            "--guideline",
            metavar="NAME",
            help="Follow one guideline throughout: nice, acp or who (default: all, majority view).",
            autocompletion=fixed(*FACTS["guideline"].values),
        ),
    ] = None,
    answers_file: Annotated[
        str | None,
        typer.Option("--answers", metavar="FILE", help="Read answers from a YAML file (see docs/answers.md); options given too win."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    why: Annotated[bool, typer.Option("--why", help="Show every option with the rule and the checks behind it.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Show every option, the ladder and the full reasons.")] = False,
    interactive: Annotated[bool, typer.Option("--interactive", "-i", help="Answer questions one at a time (needs a terminal).")] = False,
    no_input: Annotated[bool, typer.Option("--no-input", help="Never prompt, even on a terminal.")] = False,
    save: Annotated[
        str | None,
        typer.Option("--save", metavar="FILE", help=_SAVE_HELP),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="With --save: replace the file if it already exists.")] = False,
    no_journal: Annotated[bool, typer.Option("--no-journal", help="Leave your journal out: use only the answers given here.")] = False,
) -> None:
    """Build your personal, stepped pathway: red flags first, conservative care first, surgery last."""
    from backpain_cli.cli.answers_file import load_answers
    from backpain_cli.engine.answers import from_options, merge

    given = from_options(ctx.params)  # every parameter named after a fact is that answer
    layers: list[tuple[str, Answers]] = [("options", given)]  # where answers came from, weakest first (JSON's "from")
    if answers_file is not None:  # taken as text: Typer's Path type fails on a NUL character
        from_file = load_answers(Path(answers_file))
        layers.insert(0, ("answers-file", from_file))
        given = merge(from_file, given)
    pathway_flow(
        ctx,
        given,
        interactive=interactive,
        no_input=no_input,
        as_json=as_json,
        why=why,
        show_all=show_all,
        save=None if save is None else Path(save),
        force=force,
        use_journal=not no_journal,
        layers=layers,
    )


@app.command("walk")
def walk_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the resulting pathway as JSON.")] = False,
    why: Annotated[bool, typer.Option("--why", help="Show every option with the rule and the checks behind it.")] = False,
    show_all: Annotated[bool, typer.Option("--all", help="Show every option, the ladder and the full reasons.")] = False,
    no_journal: Annotated[bool, typer.Option("--no-journal", help="Leave your journal out, and do not offer to add to it.")] = False,
) -> None:
    """A guided walk: answer plain questions one at a time and get your pathway (same as pathway -i)."""
    from backpain_cli.engine.answers import Answers

    pathway_flow(ctx, Answers(), interactive=True, no_input=False, as_json=as_json, why=why, show_all=show_all, use_journal=not no_journal)


def pathway_flow(
    ctx: typer.Context,
    given: "Answers",
    *,
    interactive: bool,
    no_input: bool,
    as_json: bool,
    why: bool,
    show_all: bool = False,
    save: Path | None = None,
    force: bool = False,
    use_journal: bool = True,
    layers: Sequence[tuple[str, "Answers"]] = (),
) -> None:
    from backpain_cli.engine.answers import build_profile, merge
    from backpain_cli.engine.pathway import build_pathway

    if force and save is None:
        raise UsageError("--force only applies with --save FILE")
    if save is not None:
        from backpain_cli.views.plan import check_folder, check_name, plan_format

        check_name(save)
        plan_format(save)  # a bad name, suffix, folder or an existing file fails before any question is asked
        check_folder(save)
        if not force and os.path.lexists(save):
            raise UsageError(f"'{save}' exists; use --force to replace it or choose another name")
    kb = state_of(ctx).knowledge()
    # The journal (issue 13): its answers go under every other answer; None without one or with --no-journal.
    from backpain_cli.cli import journal_pathway

    journal = journal_pathway.read_for_pathway(kb, seams.today()) if use_journal else None
    prompts = None
    walked = None
    if interactive:
        if no_input or not seams.stdin_is_terminal():
            raise UsageError("the guided walk needs a terminal; give your answers as options or with --answers FILE instead")
        from rich.console import Console as PromptConsole

        from backpain_cli.cli.walk import Walk

        prompts = PromptConsole(stderr=True, highlight=False, markup=False, emoji=False)
        walked = Walk(kb, prompts).run()
        given = merge(given, walked)
        layers = (*layers, ("walk", walked))
    given = journal_pathway.with_journal(kb, journal, given)
    result = build_pathway(kb, build_profile(kb, given))
    if as_json:
        from backpain_cli.views import data

        output.print_json({**data.pathway(kb, result), **journal_pathway.json_extras(kb, journal, layers)})
    else:
        from backpain_cli.engine.answers import understood
        from backpain_cli.views import pathway_text

        line = journal_pathway.first_line(journal, seams.today())
        shown = pathway_text.pathway(
            kb, result, why=why, full=show_all, understood=understood(kb, given), walked=prompts is not None, journal_line=line
        )
        output.render(shown)

    def save_to(path: Path, replace: bool) -> None:
        from backpain_cli.views.plan import plan_format, render_plan, save_plan

        fmt, today = plan_format(path), seams.today()
        section = None
        if journal is not None:
            from backpain_cli.views.journal_plan import plan_section

            section = plan_section(kb, journal_pathway.plan_entries(journal), today, fmt)
        save_plan(render_plan(kb, result, fmt=fmt, today=today, journal=section), path, force=replace)

    if save is not None:
        save_to(save, force)
    elif prompts is not None and result.urgent is None:  # with a warning sign the walk ends on its action
        from backpain_cli.cli.walk import offer_to_save

        save = offer_to_save(prompts, save_to)  # a name that cannot be saved to is asked again
    if save is not None:
        where = printable(str(save.resolve()))  # the full path: a person can find the file from anywhere
        sys.stderr.write(f"backpain: saved your plan to {where}\n")  # stderr: stdout stays the pathway (or JSON)
    if walked is not None and prompts is not None and result.urgent is None and use_journal:
        journal_pathway.offer_to_log(prompts, kb, walked, journal, seams.today())
