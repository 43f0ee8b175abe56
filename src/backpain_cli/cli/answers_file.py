"""Reading an answers file (``pathway --answers FILE``): YAML, a key per fact, checked like the options.

Here in the command line, not the engine, because it reads a file; what each key may hold comes from
the fact registry, and ``engine.answers.build_profile`` checks the values as it does for options.
"""

from pathlib import Path

from backpain_cli.engine.answers import Answers, answers_from_mapping
from backpain_cli.errors import KnowledgeBaseError, UsageError

MAX_ANSWERS_BYTES = 1024 * 1024  # an answers file is a few lines; refuse anything this large


def load_answers(path: Path) -> Answers:
    """Read an answers file (YAML: a key per fact, as in ``docs/answers.md``), checked like the options."""
    from backpain_cli.knowledge import loader

    name = str(path)
    try:
        raw = loader.parse_yaml(loader.decode(loader.read_bytes(path, limit=MAX_ANSWERS_BYTES), name), name)
    except KnowledgeBaseError as error:
        raise UsageError(f"answers file {error}") from None
    return answers_from_mapping(raw, f"answers file {name}")
