"""``skser distill``: a fitted model teaches a Wav2Small student on unlabeled audio."""

import math
import os
from pathlib import Path

from ..utils import check_params, task_of
from ._data import check_not_empty
from ._options import MAX_SECONDS, MAX_SEED, add_progress_options, model_help, whole_number
from ._shared import failing_files, failures, load_model, save

__all__ = ["add_parser", "run"]

# Unlabeled files are read up to this long; training crops are shorter.
MAX_DURATION = 8.0


def add_parser(commands):
    """Add the ``distill`` sub-command to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser(
        "distill", help="train a tiny Wav2Small student on a model's outputs for unlabeled audio"
    )
    command.add_argument("teacher", help=model_help("the teacher: a .joblib pipeline or an "
                                                     ".onnx export"))
    command.add_argument("--unlabeled", nargs="+", required=True,
                         help="audio files, folders (searched recursively) or manifests "
                              "(.csv, .tsv, .jsonl, .parquet: their --path-column); labels "
                              "unused")
    command.add_argument("--validation", nargs="*",
                         help="audio of OTHER speakers, as --unlabeled: early stopping on "
                              "agreement with the teacher (without it the student trains "
                              "for --epochs)")
    command.add_argument("--path-column", default="path",
                         help="the audio path column of a manifest (default: %(default)s)")
    command.add_argument("--out", required=True, help="student.joblib to write")
    command.add_argument("--epochs", type=whole_number(1), default=30,
                         help="at most this many epochs")
    command.add_argument("--views", type=int, default=4, help="views per clip")
    command.add_argument("--crop", type=float, default=2.0, help="training crops, seconds")
    command.add_argument("--temperature", type=float, default=2.0,
                         help="distillation temperature on the teacher's probabilities")
    command.add_argument("--no-augment", action="store_true",
                         help="views are plain random crops")
    command.add_argument("--seed", type=whole_number(0, MAX_SEED), default=0,
                         help="seeds crops, augmentation, student")
    add_progress_options(command)
    command.set_defaults(run=run)
    return command


MANIFESTS = (".csv", ".tsv", ".jsonl", ".parquet")


def _audio_files(paths, option, path_column="path"):
    """The audio files that ``paths`` name: files, folders (recursively) and manifests."""
    from ..datasets import find_audio, load_manifest

    files = []
    for path in (Path(os.path.expanduser(p)) for p in paths or []):
        if path.is_dir():
            files.extend(find_audio(path))
        elif path.is_file() and path.suffix.lower() in MANIFESTS:
            check_not_empty(path, option, path_column)
            files.extend(load_manifest(path, path_column=path_column,
                                       label_column=None).filenames)
        elif path.is_file():
            files.append(path)
        else:
            raise FileNotFoundError(f"{option}: no such file or folder: {path}")
    if paths and not files:
        raise ValueError(f"{option}: no .wav or .flac files in {', '.join(map(str, paths))}")
    return [os.fspath(f) for f in files]


def _check_options(args):
    """The options distill itself would check only after reading the audio."""
    if args.views < 1:
        raise ValueError(f"--views must be at least 1, got {args.views}")
    if not (math.isfinite(args.temperature) and args.temperature > 0):
        raise ValueError(f"--temperature must be a positive number, got {args.temperature}")
    if args.crop > MAX_SECONDS:  # (NaN and the rest: the student's crop_duration says)
        raise ValueError(f"--crop must be at most {MAX_SECONDS:.0f} s (the student's "
                         f"crop_duration; longer overflows in samples), got {args.crop}")


def _check_student(student, teacher):
    from ..io import SAMPLE_RATE

    try:
        check_params(student)
    except ValueError as exc:
        raise ValueError(f"--crop or --epochs: {exc}") from None
    from ..distillation import teacher_min_samples

    minimum = teacher_min_samples(teacher)
    if student.crop_duration is not None and student.crop_duration * SAMPLE_RATE < minimum:
        raise ValueError(f"--crop {student.crop_duration} s is shorter than the "
                         f"{minimum / SAMPLE_RATE:.3f} s ({minimum} samples) the teacher needs")


def run(args):
    """Label views of the unlabeled clips with the teacher, fit the student, save it."""
    from ..distillation import Wav2SmallClassifier, Wav2SmallRegressor, distill
    from ..io import AudioLoader

    _check_options(args)
    teacher = load_model(args.teacher)
    task = task_of(teacher)
    student_class = Wav2SmallRegressor if task.is_dimensional else Wav2SmallClassifier
    student = student_class(max_iter=args.epochs, crop_duration=args.crop,
                            random_state=args.seed, verbose=args.verbose)
    _check_student(student, teacher)  # before any audio is read or labelled
    unlabeled = _audio_files(args.unlabeled, "--unlabeled", args.path_column)
    validation = _audio_files(args.validation, "--validation", args.path_column)
    loader = AudioLoader(max_duration=MAX_DURATION, verbose=args.verbose)
    X = loader.transform(unlabeled)
    X_val = loader.transform(validation) if validation else None
    print(f"{task} teacher {args.teacher}; {len(unlabeled)} unlabeled files, "
          f"{args.views} views each; validation: "
          + (f"{len(validation)} files" if validation else "none (no early stopping)"))
    try:
        student = distill(teacher, X, student=student, n_views=args.views,
                          augment=not args.no_augment, temperature=args.temperature,
                          X_val=X_val, random_state=args.seed, verbose=args.verbose)
    except ValueError:
        # Name the files the teacher cannot label (distill counts views, not files).
        for files, clips, option in ((unlabeled, X, "--unlabeled"),
                                     (validation, X_val, "--validation")):
            failed = failing_files(teacher.predict, clips, files) if files else {}
            if failed:
                raise ValueError(f"{option} files the teacher cannot label: "
                                 f"{failures(failed)}") from None
        raise
    summary = f"{student.n_parameters_:,} parameters, {student.n_iter_} epochs"
    if student.validation_scores_:
        best = student.validation_scores_[student.best_epoch_ - 1]
        measure = "mean CCC" if task.is_dimensional else "top-1 agreement"
        summary += f"; best epoch {student.best_epoch_}, {measure} with the teacher {best:.3f}"
    print(f"student: {summary}")
    save(student, args.out)
    return 0
