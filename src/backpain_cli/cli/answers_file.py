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
    from backpain_cli.knowledge import files, loader

    name = str(path)
    try:
        data = files.read_regular(path, MAX_ANSWERS_BYTES)
    except files.FileProblem as problem:  # its own words: nothing here is about the knowledge base
        raise UsageError(f"answers file {name}: {problem.message} ({problem.suggestion})") from None
    if not data.strip():
        raise UsageError(f"answers file {name}: is empty (write one answer a line, such as 'months: 4'; see docs/answers.md)")
    if b"\x00" in data:
        raise UsageError(f"answers file {name}: is a binary file, not YAML text (check the path)")
    try:
        raw = loader.parse_yaml(loader.decode(data, name), name)
    except KnowledgeBaseError as error:  # decoding and YAML problems: their words are about any YAML file
        raise UsageError(f"answers file {error}") from None
    return answers_from_mapping(raw, f"answers file {name}")
