"""``skser analyze``: one verdict and a timeline for a voice note of any length."""

import json
import os
import sys

from ..utils import task_of
from ._options import (
    MAX_SECONDS,
    add_progress_options,
    check_min_confidence_option,
    model_help,
)
from ._shared import load_model, save_timeline
from ._speakers import with_speaker_stats

__all__ = ["add_parser", "run"]

# analyze_voice_note's default: speech segments shorter than this are dropped.
MIN_SPEECH = 0.5
# A note longer than this shows its progress (unless --quiet); a shorter one is quick.
LONG_NOTE = 60.0


def add_parser(commands):
    """Add ``analyze`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser("analyze", help="one verdict and a timeline for a long note")
    command.add_argument("model", help=model_help())
    command.add_argument("file", help="the voice note (any length)")
    command.add_argument("--vad", choices=("auto", "energy", "silero", "none"), default="auto",
                         help="voice activity detector: auto (silero where the silero-vad "
                              "package's model file is installed, else energy), energy "
                              "(numpy), silero, or none (default: %(default)s)")
    command.add_argument("--min-confidence", type=float, metavar="P",
                         help="label a window, and the note, 'uncertain' where its top "
                              "probability is under P (0-1) instead of forcing a class")
    command.add_argument("--window", type=float, default=8.0, help="window length, seconds")
    command.add_argument("--aggregation", choices=("mean", "duration", "confidence"),
                         default="mean",
                         help="how window probabilities make the verdict: their mean, or "
                              "weighted by duration or by confidence (default: %(default)s)")
    command.add_argument("--plot", help="write the timeline picture here (.png)")
    command.add_argument("--json", action="store_true", help="JSON instead of a table")
    command.add_argument("--speaker-stats", help="the speaker's enrolled statistics (.json; "
                         "speaker-adapted model)")
    command.add_argument("--speaker", help="which speaker of --speaker-stats")
    add_progress_options(command, verbose=False,
                         shown=f"for notes longer than {LONG_NOTE:.0f} s")
    command.set_defaults(run=run)
    return command


def run(args):
    """Print the verdict and the timeline; exit status 1 when the note holds no speech."""
    from ..voice_note import analyze_voice_note

    if getattr(args, "speaker", None) and not getattr(args, "speaker_stats", None):
        raise ValueError("--speaker picks a speaker of --speaker-stats FILE: pass that too")
    check_min_confidence_option(args)
    if not MIN_SPEECH <= args.window <= MAX_SECONDS:  # NaN too
        raise ValueError(f"--window must be at least {MIN_SPEECH} s (the shortest stretch of "
                         f"speech analyze classifies) and at most {MAX_SECONDS:.0f} s (a "
                         f"day); got {args.window}")
    model = load_model(args.model)
    task = task_of(model)
    if getattr(args, "speaker_stats", None):
        model = with_speaker_stats(model, args.speaker_stats, args.speaker)
    result = analyze_voice_note(
        model, args.file, vad=None if args.vad == "none" else args.vad, window=args.window,
        min_speech=MIN_SPEECH, aggregation=args.aggregation,
        min_confidence=args.min_confidence, verbose=args.verbose and _is_long(args.file),
    )
    if args.json and task.is_dimensional:
        print(_dimensions_json(result, args.file))
    else:
        print(result.to_json(indent=2) if args.json else result.format_table())
    if args.plot:
        path = save_timeline(result, args.plot)
        # With --json, stdout holds the JSON alone.
        print(f"wrote the timeline to {path}", file=sys.stderr if args.json else sys.stdout)
    return 0 if result.has_speech else 1


def _is_long(path):
    """Whether the note lasts more than LONG_NOTE seconds (False where its header is
    unreadable: analyze_voice_note says why)."""
    import soundfile

    path = os.path.expanduser(os.fspath(path))
    if not os.path.isfile(path):  # a named pipe: probing it would block; loading names it
        return False
    try:
        return soundfile.info(path).duration > LONG_NOTE
    except (OSError, RuntimeError, ValueError):  # soundfile.LibsndfileError is a RuntimeError
        return False


def _dimensions_json(result, path):
    """``--json`` for a dimensional model: the path and the dimensions' values first."""
    record = result.to_dict()
    record.pop("source", None)
    names = record["dimensions"]
    head = {"path": os.fspath(path), **{name: record.pop(name) for name in names}}
    return json.dumps({**head, **record}, indent=2)
