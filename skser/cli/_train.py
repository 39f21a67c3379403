"""``skser train``: fit the default pipeline on a corpus (or a table of embeddings) and
save it."""

from ._card import attach_card
from ._features import features_corpus, features_head, front, table_channels, table_speeds
from ._options import add_adapt_option, add_data_options, add_task_option
from ._shared import (
    check_clip_lengths,
    fit_final,
    load_corpora,
    make_pipeline,
    sampler_of,
    save,
)

__all__ = ["add_parser", "run"]


def add_parser(commands):
    """Add ``train`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser("train", help="fit the default pipeline and save it")
    add_data_options(command)
    add_task_option(command)
    command.add_argument("--out", required=True, help="model.joblib to write")
    add_adapt_option(command)
    command.add_argument("--features", help="train the head on a table from skser embed")
    command.set_defaults(run=run)
    return command


def run(args):
    """Fit on every group but one, which early stopping validates on; save the pipeline."""
    if getattr(args, "features", None):
        return _train_features(args)
    pipe = make_pipeline(args)  # its parameters are checked before any audio is read
    corpus, extra = load_corpora(args)
    check_clip_lengths(pipe, corpus, extra)
    sampler = sampler_of(args)
    pipe = fit_final(pipe, corpus, extra, getattr(args, "adapt", None), sampler)
    save(attach_card(pipe, args, corpus, extra, sampler=sampler), args.out)
    return 0


def _train_features(args):
    """``skser train --features``: the head on the table, saved with its embedder."""
    from sklearn.pipeline import Pipeline

    from ..datasets import make_emotional_speech
    from ..embedding import assemble_pipeline
    from ..io import AudioLoader

    corpus, metadata = features_corpus(args)
    speeds, channels = table_speeds(metadata, args), table_channels(metadata, args)
    head = fit_final(features_head(args, speeds, channels), corpus, None)
    # Tables written before the spectral dynamics existed were embedded without them.
    steps = front(metadata.get("embedder", "weight-free"),
                  metadata.get("model"),
                  metadata.get("local_files_only", False), speeds=speeds,
                  dynamics=bool(metadata.get("dynamics", False)), channels=channels)
    # The waveform steps and the embedder learn nothing from data: fitting prepares them.
    clip = make_emotional_speech(n_speakers=1, n_clips_per_class=1, random_state=0)[0][:1]
    pipe = assemble_pipeline(steps.fit(clip), head)
    save(Pipeline([("audioloader", AudioLoader()), *pipe.steps]), args.out)
    return 0
