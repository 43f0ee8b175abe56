"""Shell completion: fast, and never imports Rich or renders anything."""

from collections.abc import Callable, Iterable

import typer

from backpain_cli.errors import BackpainError


def completion_names(ctx: typer.Context, kind: str) -> list[str]:
    """Names to complete, from the cache's small signed list when it has one: a Tab press should not
    load the whole model. On a miss, the knowledge base is loaded (and the list filed) as usual."""
    from backpain_cli.knowledge import cache, files, paths

    try:
        path = paths.resolve_path(ctx.find_root().params.get("kb"))
        data = files.read_regular(path, paths.KB_MAX_BYTES)  # never a pipe or a device: a Tab press must not hang
    except (BackpainError, files.FileProblem):
        return []
    key = cache.names_key(data)
    names = cache.fetch_names(key)
    if names is None:
        from backpain_cli.knowledge import loader

        try:
            names = loader.completion_names(loader.load(path))
        except BackpainError:
            return []  # a broken knowledge base completes nothing rather than printing an error
        cache.store_names(key, names)
    return list(names.get(kind, []))


def starting(candidates: Iterable[str], incomplete: str) -> list[str]:
    prefix = incomplete.casefold()
    return sorted({c for c in candidates if c.casefold().startswith(prefix)})


def complete_treatment(ctx: typer.Context, incomplete: str) -> list[str]:
    """Treatment ids and single-word aliases (multi-word aliases need quotes, so ids come first)."""
    return starting(completion_names(ctx, "treatments"), incomplete)


def complete_name(ctx: typer.Context, incomplete: str) -> list[str]:
    """What ``explain`` accepts: treatments, and topics (conditions and kinds of care) with their single-word aliases."""
    return starting([*completion_names(ctx, "treatments"), *completion_names(ctx, "topics")], incomplete)


def complete_red_flag(ctx: typer.Context, incomplete: str) -> list[str]:
    return starting(completion_names(ctx, "red_flags"), incomplete)


def complete_tier(ctx: typer.Context, incomplete: str) -> list[str]:
    return starting(completion_names(ctx, "tiers"), incomplete)


def fixed(*choices: str) -> Callable[[str], list[str]]:
    def complete(incomplete: str) -> list[str]:
        return starting(choices, incomplete)

    return complete
