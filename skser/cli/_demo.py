"""``skser demo``: the whole product on data that needs no download."""

import numpy as np

from ..utils import expand_path
from ._options import add_data_options
from ._shared import (
    evaluate_corpus,
    fit_final,
    folds_in_process,
    load_corpora,
    make_pipeline,
    sampler_of,
    save,
    save_timeline,
)

__all__ = ["add_parser", "run"]


def add_parser(commands):
    """Add ``demo`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser(
        "demo", help="evaluate, train, export, predict and analyze a voice note, end to end"
    )
    add_data_options(command)
    command.add_argument("--out", default="skser-demo", help="output folder")
    command.set_defaults(run=run)
    return command


def _voice_note(corpus, path, rng):
    """Some clips of one group joined with pauses and a little noise, as one file."""
    import soundfile as sf

    from ..io import SAMPLE_RATE, clip_lengths

    group = np.unique(corpus.groups)[-1]
    rows = rng.permutation(np.flatnonzero(corpus.groups == group))[:8]
    parts = []
    for row in rows:
        clip = corpus.X[row, : clip_lengths(corpus.X[row : row + 1])[0]]
        parts += [clip, np.zeros(int(rng.uniform(0.5, 2.0) * SAMPLE_RATE), np.float32)]
    note = np.concatenate(parts)
    note = note + 0.002 * rng.standard_normal(note.size).astype(np.float32)
    sf.write(path, note, SAMPLE_RATE, subtype="PCM_16")
    return corpus.y[rows]


def run(args):
    """Evaluate, train, export, predict a file and analyze a voice note, in ``--out``."""
    import soundfile as sf

    from ..export import OnnxPipeline, to_onnx
    from ..io import SAMPLE_RATE, clip_lengths
    from ..voice_note import analyze_voice_note
    from ._report import report_title, write_report

    out = expand_path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus, extra = load_corpora(args)

    print("\n== 1. Session cross-validation (leave one group out, validate on the next) ==")
    inner = args.verbose and folds_in_process(args.n_jobs)
    report = evaluate_corpus(make_pipeline(args, verbose=inner), corpus, extra, args.n_jobs,
                             sampler=sampler_of(args), verbose=args.verbose)
    print(report)
    write_report(report, out / "report.md", title=report_title(corpus, report, extra))

    print("\n== 2. Train on all groups and save ==")
    pipe = fit_final(make_pipeline(args), corpus, extra, sampler=sampler_of(args))
    save(pipe, out / "model.joblib")

    print("\n== 3. Export to ONNX and check it computes the same ==")
    to_onnx(pipe, path=out / "model.onnx")
    runtime = OnnxPipeline(out / "model.onnx")
    difference = np.abs(runtime.predict_proba(corpus.X) - pipe.predict_proba(corpus.X)).max()
    print(f"{out / 'model.onnx'}: {(out / 'model.onnx').stat().st_size / 1e6:.2f} MB, "
          f"max |probability difference| vs scikit-learn on {len(corpus)} clips: {difference:.1e}")

    print("\n== 4. Predict a file ==")
    example = out / "example.wav"
    length = clip_lengths(corpus.X[:1])[0]
    sf.write(example, corpus.X[0, :length], SAMPLE_RATE, subtype="PCM_16")
    for name, model in (("joblib", pipe), ("onnx", runtime)):
        proba = model.predict_proba([str(example)])[0]
        scores = " ".join(f"{c}={p:.2f}" for c, p in zip(model.classes_, proba))
        print(f"{name:6s} {example}: {model.classes_[proba.argmax()]} ({scores}); "
              f"true label {corpus.y[0]}")

    print("\n== 5. A long voice note: VAD, 8 s windows, one verdict ==")
    note = out / "voice_note.wav"
    truth = _voice_note(corpus, note, np.random.default_rng(args.seed))
    result = analyze_voice_note(runtime, note, vad="energy")
    print(result.format_table(max_rows=12))
    print(f"clips in the note: {', '.join(truth)}")
    save_timeline(result, out / "timeline.png")
    print(f"\nEverything is in {out}/: report.md, model.joblib, model.onnx, example.wav, "
          "voice_note.wav, timeline.png")
    return 0
