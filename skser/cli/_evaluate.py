"""``skser evaluate``: the leave-one-session-out report, on a corpus or a table of
embeddings."""

from ._card import attach_card
from ._features import features_corpus, features_head, table_channels, table_speeds
from ._options import add_adapt_option, add_data_options, add_task_option
from ._shared import (
    check_clip_lengths,
    evaluate_corpus,
    fit_final,
    folds_in_process,
    load_corpora,
    make_pipeline,
    sampler_of,
    save,
)

__all__ = ["add_parser", "run"]


def add_parser(commands):
    """Add ``evaluate`` to ``commands`` (an argparse subparsers object)."""
    command = commands.add_parser("evaluate", help="leave-one-session-out evaluation report")
    add_data_options(command)
    add_task_option(command)
    command.add_argument("--report", help="also write the report here (.md or .html)")
    command.add_argument("--save", metavar="MODEL",
                         help="then fit the pipeline on the whole corpus (as skser train) "
                              "and save it here, its model card holding this evaluation")
    add_adapt_option(command)
    command.add_argument("--features", help="evaluate the head on a table from skser embed")
    command.set_defaults(run=run)
    return command


def run(args):
    """Print the report, and write it where ``--report`` says."""
    from ._report import report_title, write_report

    if getattr(args, "features", None):
        return _evaluate_features(args)
    # Bars inside the folds (embedding, epochs) only where the folds run in this process.
    inner = args.verbose and folds_in_process(args.n_jobs)
    pipe = make_pipeline(args, verbose=inner)  # checked before any audio is read
    corpus, extra = load_corpora(args)
    check_clip_lengths(pipe, corpus, extra)
    sampler = sampler_of(args)
    report = evaluate_corpus(pipe, corpus, extra, args.n_jobs, getattr(args, "adapt", None),
                             sampler, verbose=args.verbose)
    if corpus.caveat:  # in the printed, Markdown and HTML reports alike
        report.description = f"{corpus.caveat}. {report.description}"
    print(report)
    if args.report:
        path = write_report(report, args.report, title=report_title(corpus, report, extra))
        print(f"wrote the report to {path}")
    if args.save:
        final = fit_final(make_pipeline(args), corpus, extra, getattr(args, "adapt", None),
                          sampler)
        save(attach_card(final, args, corpus, extra, report, sampler), args.save)
    return 0


def _evaluate_features(args):
    """``skser evaluate --features``: leave-one-session-out on the table's rows."""
    from ._report import write_report

    if args.save:  # (it was ignored: the evaluation ran, and no model was saved)
        raise ValueError("--save fits the pipeline from audio; with --features, save a model "
                         "with skser train --features TABLE --out MODEL")
    corpus, metadata = features_corpus(args)
    head = features_head(args, table_speeds(metadata, args), table_channels(metadata, args))
    if not folds_in_process(args.n_jobs):
        head.set_params(verbose=False)
    report = evaluate_corpus(head, corpus, None, args.n_jobs, verbose=args.verbose)
    print(report)
    if args.report:
        path = write_report(report, args.report,
                            title=f"skser session evaluation: {corpus.name} (features)")
        print(f"wrote the report to {path}")
    return 0
