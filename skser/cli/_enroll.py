"""``skser enroll``: a speaker's statistics from a few clips, for a speaker-adapted model."""

import os
import warnings

import numpy as np

from ..utils import expand_path
from ._data import check_not_empty
from ._options import model_help
from ._shared import failing_files, failures, load_model
from ._speakers import feature_space, min_clips, read_speakers_csv, read_stats

__all__ = ["add_parser", "run"]


def add_parser(commands):
    """Add ``enroll`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser(
        "enroll", help="a speaker's statistics from a few clips, for a speaker-adapted model"
    )
    command.add_argument("model", help=model_help("a speaker-adapted .joblib pipeline or "
                                                  ".onnx export"))
    command.add_argument("files", nargs="*", help="audio files of the speaker(s)")
    command.add_argument("--out", required=True,
                         help="statistics .json; an existing file is updated with these clips")
    whose = command.add_mutually_exclusive_group()
    whose.add_argument("--speaker", help="the speaker of every file")
    whose.add_argument("--speakers", help="CSV with columns path,speaker")
    whose.add_argument("--data", metavar="PATH",
                       help="your own corpus instead of FILES: a manifest or folder with a "
                            "speaker column (labels unused)")
    command.add_argument("--path-column", default="path",
                         help="--data manifest: the column of audio paths (default: "
                              "%(default)s)")
    command.add_argument("--speaker-column", default="speaker",
                         help="--data: the column of speaker ids (default: %(default)s)")
    command.add_argument("--replace", action="store_true",
                         help="start the file afresh instead of updating it")
    command.set_defaults(run=run)
    return command


def run(args):
    """Speakers' statistics from their clips, saved or updated as JSON."""
    from ..io import AudioLoader
    from ..preprocessing import enroll_speaker, save_speaker_stats

    model = load_model(args.model)
    space, width = feature_space(model)
    if args.data:
        if args.files:
            raise ValueError("--data names the clips to enroll: give no FILES with it")
        from ..datasets import load_audiofolder, load_manifest

        folder = expand_path(args.data)
        check_not_empty(folder, "--data", args.path_column)
        options = dict(label_column=None, speaker_column=args.speaker_column)
        data = (load_audiofolder(folder, **options) if folder.is_dir() else
                load_manifest(folder, path_column=args.path_column, **options))
        args.files, speakers = list(data.filenames), data.speakers
    elif not args.files:
        raise ValueError("give the audio FILES to enroll, or --data with a speaker column")
    elif args.speakers:
        speakers = read_speakers_csv(args.speakers, args.files)
    elif args.speaker:
        speakers = np.full(len(args.files), args.speaker)
    else:
        raise ValueError("say whose clips these are: --speaker ID or --speakers CSV")
    seen = {}
    for file in map(os.fspath, args.files):
        real = os.path.realpath(expand_path(file))
        if real in seen:
            also = "" if seen[real] == file else f" (also as {seen[real]})"
            raise ValueError(f"{file} is given twice{also}: its clip would count twice in "
                             "the speaker's statistics")
        seen[real] = file
    out = expand_path(args.out)
    stats = {}
    if out.exists() and not args.replace:
        stats = read_stats(out, model)
    rate = getattr(model, "sample_rate", 16000)
    files = np.asarray([os.fspath(f) for f in args.files])
    X = AudioLoader(sample_rate=rate).transform(files.tolist())
    for speaker in dict.fromkeys(speakers.tolist()):
        clips = X[speakers == speaker]
        before = stats.get(speaker)
        try:
            stats[speaker] = enroll_speaker(model, clips, stats=before)
        except ValueError:
            failed = failing_files(lambda clip: enroll_speaker(model, clip), clips,
                                   files[speakers == speaker].tolist())
            if not failed:
                raise
            raise ValueError(f"files of speaker {speaker!r} that cannot be enrolled: "
                             f"{failures(failed)}") from None
        start = "" if before is None else f"{before.count} -> "
        print(f"speaker {speaker!r}: {start}{stats[speaker].count} clips")
        if stats[speaker].count < (needed := min_clips(model)):
            warnings.warn(f"speaker {speaker!r} has {stats[speaker].count} clip(s) enrolled; "
                          f"the model uses enrolled statistics from {needed} clips on: "
                          "enroll more before predicting", stacklevel=2)
    save_speaker_stats(stats, out, feature_space=space)
    print(f"wrote the statistics of {len(stats)} speaker(s) ({width} features) to {out}")
    return 0
